using System.Net.Http.Headers;
using Amazon.Runtime;
using Amazon.Runtime.Internal;
using Amazon.Runtime.Internal.Auth;
using Amazon.SecurityToken;

namespace AmiShare.LocalCloud.Tests.Support;

/// <summary>The credentials and scope a test request is signed with.</summary>
internal sealed record SigningScope(Uri Endpoint, string Service, string Region, string AccessKeyId, string SecretAccessKey, string? SessionToken = null);

/// <summary>
/// Signs a POST with AWSSDK.Core's own SigV4 signer — so the server's verifier is checked against AWS's
/// implementation rather than against itself — and sends it. Shared by the query and JSON 1.1 test clients.
/// </summary>
internal static class SignedPost
{
    private static readonly HttpClient Http = new();

    public static async Task<(int Status, string Raw)> SendAsync(
        SigningScope scope,
        byte[] body,
        string contentType,
        IReadOnlyDictionary<string, string> headers,
        CancellationToken cancellationToken)
    {
        var request = new DefaultRequest(new WireRequest(), scope.Service)
        {
            HttpMethod = "POST",
            Endpoint = scope.Endpoint,
            ResourcePath = "/",
            Content = body,
            AuthenticationRegion = scope.Region,
        };
        request.Headers["Content-Type"] = contentType;
        foreach (var (name, value) in headers)
        {
            request.Headers[name] = value;
        }

        if (scope.SessionToken is not null)
        {
            request.Headers["X-Amz-Security-Token"] = scope.SessionToken;
        }

        var config = new AmazonSecurityTokenServiceConfig
        {
            ServiceURL = scope.Endpoint.ToString(),
            AuthenticationRegion = scope.Region,
            AuthenticationServiceName = scope.Service,
        };
        var signature = new AWS4Signer().SignRequest(request, config, null, scope.AccessKeyId, scope.SecretAccessKey);
        request.Headers["Authorization"] = signature.ForAuthorizationHeader;

        using var message = new HttpRequestMessage(HttpMethod.Post, scope.Endpoint) { Content = new ByteArrayContent(body) };
        foreach (var (name, value) in request.Headers)
        {
            if (name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase))
            {
                message.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(value);
            }
            else if (!name.Equals("Host", StringComparison.OrdinalIgnoreCase) && !name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                message.Headers.TryAddWithoutValidation(name, value);
            }
        }

        using var response = await Http.SendAsync(message, cancellationToken);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync(cancellationToken));
    }

    private sealed class WireRequest : AmazonWebServiceRequest;
}
