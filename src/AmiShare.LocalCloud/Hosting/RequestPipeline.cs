using System.Text;
using AmiShare.LocalCloud.Auth;
using AmiShare.LocalCloud.Protocol;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace AmiShare.LocalCloud.Hosting;

/// <summary>
/// The single path every AWS API request takes: read the raw body, pick the service from the SigV4 credential
/// scope, authenticate, decode the operation for that service's protocol, run its handler, and render the
/// result or any error in that protocol's shape. Nothing escapes as a 500 page or a stack trace.
/// </summary>
internal sealed partial class RequestPipeline(LocalCloudContext cloud, OperationRegistry registry, long maxBodyBytes, ILogger<RequestPipeline> logger)
{
    public async Task HandleAsync(HttpContext http)
    {
        var cancellationToken = http.RequestAborted;
        var requestId = cloud.Ids.RequestId();
        var service = AwsServices.Sts;
        try
        {
            var body = await ReadBodyAsync(http.Request, cancellationToken).ConfigureAwait(false);
            var headers = Headers(http.Request);
            var (rawPath, rawQuery) = RawTarget(http);
            var form = http.Request.HasFormContentType || (body.Length > 0 && !headers.ContainsKey("x-amz-target"))
                ? QueryParameters.ParseForm(Encoding.UTF8.GetString(body), QueryParameters.ParseForm(rawQuery))
                : QueryParameters.ParseForm(rawQuery);

            SigV4Authorization? authorization = null;
            AuthenticationFailureException? unparsable = null;
            try
            {
                authorization = SigV4Authorization.Parse(http.Request.Headers.Authorization.ToString());
            }
            catch (AuthenticationFailureException failure)
            {
                unparsable = failure;
            }

            service = authorization is null ? GuessService(headers, form) : registry.FindService(authorization.Service)
                ?? throw new AwsServiceException(
                    "UnrecognizedService",
                    $"LocalCloud does not emulate the service '{authorization.Service}' named in the credential scope; it serves {string.Join(", ", registry.Services.Select(s => s.Name))}.",
                    400);

            CallerIdentity caller;
            try
            {
                if (unparsable is not null)
                {
                    throw unparsable;
                }

                var signed = new SignedRequest(http.Request.Method, rawPath, rawQuery, headers, body);
                caller = cloud.Authenticator.Authenticate(signed, authorization!);
            }
            catch (AuthenticationFailureException failure)
            {
                throw service.AuthenticationError(failure);
            }

            var request = service.Protocol == WireProtocol.Json11
                ? JsonRequest(service, headers, body, caller, authorization!.Region, requestId, cancellationToken)
                : QueryRequest(service, form, caller, authorization!.Region, requestId, cancellationToken);
            var handler = registry.FindHandler(service, request.Operation) ?? throw service.UnknownOperation(request.Operation);
            // CloudTrail: every authenticated call is recorded once its handler has run, whether it succeeded or failed.
            OperationResponse response;
            try
            {
                // Faults on demand (throttling, 5xx, latency) happen here and only here, before the handler runs.
                await cloud.Faults.ApplyAsync(request, cancellationToken).ConfigureAwait(false);
                response = await handler(request).ConfigureAwait(false);
            }
            catch (Exception failure) when (failure is not OperationCanceledException)
            {
                cloud.CloudTrail.RecordApiCall(request, failure, http.Connection.RemoteIpAddress?.ToString(), http.Request.Headers.UserAgent.ToString());
                throw;
            }

            cloud.CloudTrail.RecordApiCall(request, null, http.Connection.RemoteIpAddress?.ToString(), http.Request.Headers.UserAgent.ToString());
            await WriteAsync(http, ResponseWriters.Success(service, request.Operation, response, requestId), requestId, cancellationToken).ConfigureAwait(false);
        }
        catch (AwsServiceException error)
        {
            await WriteAsync(http, ResponseWriters.Error(service, error, requestId), requestId, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The client went away; there is nobody to answer.
        }
#pragma warning disable CA1031 // Any handler bug must still reach the client as an AWS-shaped 500, never a stack trace.
        catch (Exception error)
#pragma warning restore CA1031
        {
            LogUnexpected(logger, error, service.Name, requestId);
            await WriteAsync(http, ResponseWriters.Error(service, service.InternalError(requestId), requestId), requestId, cancellationToken).ConfigureAwait(false);
        }
    }

    private OperationRequest QueryRequest(AwsServiceDescriptor service, Dictionary<string, string> form, CallerIdentity caller, string region, string requestId, CancellationToken cancellationToken)
    {
        var parameters = new QueryParameters(form, service.MissingParameter);
        var operation = parameters.GetString("Action");
        if (string.IsNullOrEmpty(operation))
        {
            throw new AwsServiceException("MissingAction", "The request must contain the parameter Action.", 400);
        }

        return new OperationRequest
        {
            Caller = caller,
            Region = region,
            Service = service,
            Operation = operation,
            Parameters = parameters,
            Body = ResponseWriters.ParseJsonBody([]),
            RequestId = requestId,
            Cloud = cloud,
            CancellationToken = cancellationToken,
        };
    }

    private OperationRequest JsonRequest(AwsServiceDescriptor service, Dictionary<string, IReadOnlyList<string>> headers, byte[] body, CallerIdentity caller, string region, string requestId, CancellationToken cancellationToken)
    {
        var target = headers.TryGetValue("x-amz-target", out var values) ? string.Join(',', values) : string.Empty;
        var prefix = service.JsonTargetPrefix + ".";
        if (!target.StartsWith(prefix, StringComparison.Ordinal) || target.Length == prefix.Length)
        {
            throw service.UnknownOperation(target.Length == 0 ? "(no X-Amz-Target header)" : target);
        }

        return new OperationRequest
        {
            Caller = caller,
            Region = region,
            Service = service,
            Operation = target[prefix.Length..],
            Body = ResponseWriters.ParseJsonBody(body),
            RequestId = requestId,
            Cloud = cloud,
            CancellationToken = cancellationToken,
        };
    }

    // Without a credential scope the service is inferred so even a "missing authentication" answer has the
    // shape the client's SDK can parse.
    private AwsServiceDescriptor GuessService(Dictionary<string, IReadOnlyList<string>> headers, Dictionary<string, string> form)
    {
        if (headers.TryGetValue("x-amz-target", out var target))
        {
            var byTarget = registry.Services.FirstOrDefault(s => s.JsonTargetPrefix is { } prefix && string.Join(',', target).StartsWith(prefix + ".", StringComparison.Ordinal));
            if (byTarget is not null)
            {
                return byTarget;
            }
        }

        return form.TryGetValue("Version", out var version)
            ? registry.Services.FirstOrDefault(s => s.ApiVersion == version) ?? AwsServices.Sts
            : AwsServices.Sts;
    }

    private async Task<byte[]> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength > maxBodyBytes)
        {
            throw new AwsServiceException("RequestEntityTooLarge", $"Request bodies are limited to {maxBodyBytes} bytes.", 413);
        }

        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
        return buffer.Length > maxBodyBytes
            ? throw new AwsServiceException("RequestEntityTooLarge", $"Request bodies are limited to {maxBodyBytes} bytes.", 413)
            : buffer.ToArray();
    }

    private static Dictionary<string, IReadOnlyList<string>> Headers(HttpRequest request)
    {
        var headers = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (var (name, values) in request.Headers)
        {
            headers[name.ToLowerInvariant()] = [.. values.OfType<string>()];
        }

        return headers;
    }

    // SigV4 signs the path and query as sent, so they are taken from the raw request line, not the decoded ones.
    private static (string Path, string Query) RawTarget(HttpContext http)
    {
        var raw = http.Features.Get<IHttpRequestFeature>()?.RawTarget;
        if (string.IsNullOrEmpty(raw))
        {
            raw = http.Request.Path.ToUriComponent() + http.Request.QueryString.ToUriComponent();
        }

        var question = raw.IndexOf('?', StringComparison.Ordinal);
        return question < 0 ? (raw, string.Empty) : (raw[..question], raw[(question + 1)..]);
    }

    private static async Task WriteAsync(HttpContext http, RenderedResponse response, string requestId, CancellationToken cancellationToken)
    {
        if (http.Response.HasStarted)
        {
            return;
        }

        http.Response.StatusCode = response.Status;
        http.Response.ContentType = response.ContentType;
        http.Response.ContentLength = response.Body.Length;
        http.Response.Headers["x-amzn-RequestId"] = requestId;
        await http.Response.Body.WriteAsync(response.Body, cancellationToken).ConfigureAwait(false);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Unexpected failure in {Service} request {RequestId}")]
    private static partial void LogUnexpected(ILogger logger, Exception error, string service, string requestId);
}
