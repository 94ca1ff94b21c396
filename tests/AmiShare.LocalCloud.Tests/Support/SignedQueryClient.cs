using System.Net.Http.Headers;
using System.Text;
using System.Xml.Linq;
using Amazon.Runtime;
using Amazon.Runtime.Internal;
using Amazon.Runtime.Internal.Auth;
using Amazon.SecurityToken;

namespace AmiShare.LocalCloud.Tests.Support;

/// <summary>A query-protocol response: status and the parsed XML.</summary>
internal sealed record QueryResponse(int Status, XDocument Xml, string Raw)
{
    public string? Value(string localName) => Xml.Descendants().FirstOrDefault(e => e.Name.LocalName == localName)?.Value;

    public IReadOnlyList<string> Values(string localName) =>
        [.. Xml.Descendants().Where(e => e.Name.LocalName == localName).Select(e => e.Value)];

    public string? ErrorCode => Value("Code");
}

/// <summary>
/// A narrow query-protocol client for APIs whose SDK package is not available here (IAM) or for requests the
/// SDK would not send (unknown actions). Requests are signed by AWSSDK.Core's own SigV4 signer, so the
/// server's verifier is checked against AWS's implementation rather than against itself.
/// </summary>
internal sealed class SignedQueryClient(
    Uri endpoint,
    string service,
    string region,
    string apiVersion,
    string accessKeyId,
    string secretAccessKey,
    string? sessionToken = null)
{
    private static readonly HttpClient Http = new();

    public Task<QueryResponse> CallAsync(string action, params (string Name, string Value)[] parameters) =>
        SendAsync([("Action", action), ("Version", apiVersion), .. parameters], TestCloud.Timeout);

    public async Task<QueryResponse> SendAsync(IReadOnlyList<(string Name, string Value)> parameters, CancellationToken cancellationToken)
    {
        var body = Encoding.UTF8.GetBytes(string.Join('&', parameters.Select(p => $"{Uri.EscapeDataString(p.Name)}={Uri.EscapeDataString(p.Value)}")));
        var request = new DefaultRequest(new WireRequest(), service)
        {
            HttpMethod = "POST",
            Endpoint = endpoint,
            ResourcePath = "/",
            Content = body,
            AuthenticationRegion = region,
        };
        request.Headers["Content-Type"] = "application/x-www-form-urlencoded; charset=utf-8";
        if (sessionToken is not null)
        {
            request.Headers["X-Amz-Security-Token"] = sessionToken;
        }

        var config = new AmazonSecurityTokenServiceConfig
        {
            ServiceURL = endpoint.ToString(),
            AuthenticationRegion = region,
            AuthenticationServiceName = service,
        };
        var signature = new AWS4Signer().SignRequest(request, config, null, accessKeyId, secretAccessKey);
        request.Headers["Authorization"] = signature.ForAuthorizationHeader;

        using var message = new HttpRequestMessage(HttpMethod.Post, endpoint) { Content = new ByteArrayContent(body) };
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
        var raw = await response.Content.ReadAsStringAsync(cancellationToken);
        return new QueryResponse((int)response.StatusCode, XDocument.Parse(raw), raw);
    }

    private sealed class WireRequest : AmazonWebServiceRequest;
}
