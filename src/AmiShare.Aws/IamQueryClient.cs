using System.Globalization;
using System.Net;
using System.Text;
using System.Xml.Linq;
using Amazon.Runtime;

namespace AmiShare.Aws;

/// <summary>
/// A narrow IAM client (query protocol, SigV4-signed POST) because no IAM package of the AWS SDK for .NET is
/// available here (docs/aws-facts.md §8). Failures are thrown as <see cref="AmazonServiceException"/> so they take the
/// same retry and error-mapping path as the SDK clients.
/// </summary>
internal sealed class IamQueryClient : IDisposable
{
    private const string Version = "2010-05-08";
    private const string ContentType = "application/x-www-form-urlencoded; charset=utf-8";
    private readonly HttpClient http;
    private readonly AWSCredentials credentials;
    private readonly TimeProvider time;

    public IamQueryClient(Uri endpoint, string signingRegion, AWSCredentials credentials, TimeProvider time, HttpMessageHandler handler)
    {
        Endpoint = endpoint;
        SigningRegion = signingRegion;
        this.credentials = credentials;
        this.time = time;
        http = new HttpClient(handler, disposeHandler: true);
    }

    public Uri Endpoint { get; }

    public string SigningRegion { get; }

    /// <summary>Calls <paramref name="action"/>; returns the <c>&lt;ActionResult&gt;</c> element (namespace stripped).</summary>
    public async Task<XElement> CallAsync(string action, IEnumerable<KeyValuePair<string, string>> parameters, CancellationToken cancellationToken)
    {
        var form = new List<KeyValuePair<string, string>> { new("Action", action), new("Version", Version) };
        form.AddRange(parameters);
        var body = string.Join('&', form.Select(p => Escape(p.Key) + "=" + Escape(p.Value)));
        var bytes = Encoding.UTF8.GetBytes(body);
        var identity = await credentials.GetCredentialsAsync().ConfigureAwait(false);
        using var request = new HttpRequestMessage(HttpMethod.Post, Endpoint);
        SigV4Signer.SignPost(request, Endpoint, bytes, ContentType, new Dictionary<string, string>(), identity, time.GetUtcNow(), SigningRegion, "iam");
        using var response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        var document = Parse(text, response.StatusCode);
        if (!response.IsSuccessStatusCode)
        {
            var error = document?.Descendants().FirstOrDefault(e => e.Name.LocalName == "Error");
            var code = Child(error, "Code") ?? ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture);
            var message = Child(error, "Message") ?? text;
            var type = Child(error, "Type") == "Receiver" ? ErrorType.Receiver : ErrorType.Sender;
            var requestId = document?.Descendants().FirstOrDefault(e => e.Name.LocalName == "RequestId")?.Value;
            throw new AmazonServiceException(message, null, type, code, requestId, response.StatusCode);
        }

        var result = document?.Root?.Elements().FirstOrDefault(e => e.Name.LocalName == action + "Result");
        return result is null ? new XElement(action + "Result") : Strip(result);
    }

    public void Dispose() => http.Dispose();

    private static XDocument? Parse(string text, HttpStatusCode status)
    {
        try
        {
            return text.Length == 0 ? null : XDocument.Parse(text);
        }
        catch (System.Xml.XmlException e)
        {
            throw new AmazonServiceException($"IAM answered {(int)status} with a body that is not XML: {e.Message}", e, ErrorType.Unknown, null, null, status);
        }
    }

    private static string? Child(XElement? parent, string name) => parent?.Elements().FirstOrDefault(e => e.Name.LocalName == name)?.Value;

    /// <summary>Drops the IAM namespace so callers read plain element names.</summary>
    private static XElement Strip(XElement element) => new(
        element.Name.LocalName,
        element.Attributes().Where(a => !a.IsNamespaceDeclaration),
        element.Nodes().Select(n => n is XElement child ? Strip(child) : n));

    private static string Escape(string value) => Uri.EscapeDataString(value);
}
