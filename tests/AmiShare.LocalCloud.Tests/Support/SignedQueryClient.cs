using System.Text;
using System.Xml.Linq;

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
    public Task<QueryResponse> CallAsync(string action, params (string Name, string Value)[] parameters) =>
        SendAsync([("Action", action), ("Version", apiVersion), .. parameters], TestCloud.Timeout);

    public async Task<QueryResponse> SendAsync(IReadOnlyList<(string Name, string Value)> parameters, CancellationToken cancellationToken)
    {
        var body = Encoding.UTF8.GetBytes(string.Join('&', parameters.Select(p => $"{Uri.EscapeDataString(p.Name)}={Uri.EscapeDataString(p.Value)}")));
        var (status, raw) = await SignedPost.SendAsync(
            new SigningScope(endpoint, service, region, accessKeyId, secretAccessKey, sessionToken),
            body,
            "application/x-www-form-urlencoded; charset=utf-8",
            new Dictionary<string, string>(),
            cancellationToken);
        return new QueryResponse(status, XDocument.Parse(raw), raw);
    }
}
