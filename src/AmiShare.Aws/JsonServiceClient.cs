using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Amazon.Runtime;

namespace AmiShare.Aws;

/// <summary>
/// A narrow JSON 1.1 client (SigV4-signed POST with <c>X-Amz-Target</c>) for CloudTrail LookupEvents and the
/// Organizations reads, whose SDK packages are not available here (docs/aws-facts.md §8). Like <see cref="IamQueryClient"/>
/// it throws <see cref="AmazonServiceException"/> so failures take the one retry and error-mapping path.
/// </summary>
internal sealed class JsonServiceClient : IDisposable
{
    private const string ContentType = "application/x-amz-json-1.1";
    private readonly HttpClient http;
    private readonly AWSCredentials credentials;
    private readonly TimeProvider time;
    private readonly string service;
    private readonly string targetPrefix;

    /// <param name="service">The credential-scope service name, e.g. <c>cloudtrail</c>.</param>
    /// <param name="targetPrefix">The <c>X-Amz-Target</c> prefix, e.g. <c>com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101</c>.</param>
    public JsonServiceClient(Uri endpoint, string signingRegion, string service, string targetPrefix, AWSCredentials credentials, TimeProvider time, HttpMessageHandler handler)
    {
        Endpoint = endpoint;
        SigningRegion = signingRegion;
        this.service = service;
        this.targetPrefix = targetPrefix;
        this.credentials = credentials;
        this.time = time;
        http = new HttpClient(handler, disposeHandler: true);
    }

    public Uri Endpoint { get; }

    public string SigningRegion { get; }

    /// <summary>Calls <paramref name="operation"/> with <paramref name="body"/>; returns the answer's JSON object.</summary>
    public async Task<JsonObject> CallAsync(string operation, JsonObject body, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(body);
        var bytes = Encoding.UTF8.GetBytes(body.ToJsonString());
        var identity = await credentials.GetCredentialsAsync().ConfigureAwait(false);
        using var request = new HttpRequestMessage(HttpMethod.Post, Endpoint);
        var headers = new Dictionary<string, string>(StringComparer.Ordinal) { ["x-amz-target"] = targetPrefix + "." + operation };
        SigV4Signer.SignPost(request, Endpoint, bytes, ContentType, headers, identity, time.GetUtcNow(), SigningRegion, service);
        using var response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        var parsed = Parse(text);
        if (!response.IsSuccessStatusCode)
        {
            throw Error(response, parsed, text);
        }

        return parsed ?? throw new AmazonServiceException($"{service} answered {operation} with a body that is not a JSON object.", null, ErrorType.Unknown, null, null, response.StatusCode);
    }

    public void Dispose() => http.Dispose();

    private static JsonObject? Parse(string text)
    {
        try
        {
            return text.Length == 0 ? new JsonObject() : JsonNode.Parse(text) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>An endpoint that does not serve the service at all may answer in XML (a query-protocol error).</summary>
    private static string? XmlCode(string text)
    {
        var start = text.IndexOf("<Code>", StringComparison.Ordinal);
        var end = start < 0 ? -1 : text.IndexOf("</Code>", start, StringComparison.Ordinal);
        return end > start ? text[(start + "<Code>".Length)..end] : null;
    }

    /// <summary>JSON 1.1 errors: <c>{"__type": "prefix#Code", "message": "…"}</c>; the header <c>x-amzn-ErrorType</c> also carries the code.</summary>
    private static AmazonServiceException Error(HttpResponseMessage response, JsonObject? body, string text)
    {
        var type = (string?)body?["__type"]
            ?? (response.Headers.TryGetValues("x-amzn-ErrorType", out var values) ? values.FirstOrDefault() : null)
            ?? XmlCode(text)
            ?? ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture);
        var code = type[(type.LastIndexOf('#') + 1)..];
        var colon = code.IndexOf(':', StringComparison.Ordinal);
        code = colon > 0 ? code[..colon] : code;
        var message = (string?)body?["message"] ?? (string?)body?["Message"] ?? (text.Length > 300 ? text[..300] : text);
        var requestId = response.Headers.TryGetValues("x-amzn-RequestId", out var ids) ? ids.FirstOrDefault() : null;
        var errorType = response.StatusCode >= HttpStatusCode.InternalServerError ? ErrorType.Receiver : ErrorType.Sender;
        return new AmazonServiceException(message, null, errorType, code, requestId, response.StatusCode);
    }
}
