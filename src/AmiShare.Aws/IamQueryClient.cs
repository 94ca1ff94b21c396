using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;
using Amazon.Runtime;

namespace AmiShare.Aws;

/// <summary>
/// A narrow IAM client (query protocol, SigV4-signed POST) because no IAM package of the AWS SDK for .NET is
/// available here (aws-facts.md §8). Failures are thrown as <see cref="AmazonServiceException"/> so they take the
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
        using var request = new HttpRequestMessage(HttpMethod.Post, Endpoint) { Content = new ByteArrayContent(bytes) };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(ContentType);
        Sign(request, bytes, identity, time.GetUtcNow());
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

    /// <summary>SigV4 over exactly the headers sent: content-type, host (with its port), x-amz-date and the session token.</summary>
    private void Sign(HttpRequestMessage request, byte[] body, ImmutableCredentials identity, DateTimeOffset now)
    {
        var amzDate = now.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        var date = amzDate[..8];
        var host = Endpoint.IsDefaultPort ? Endpoint.Host : $"{Endpoint.Host}:{Endpoint.Port.ToString(CultureInfo.InvariantCulture)}";
        var headers = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["content-type"] = ContentType,
            ["host"] = host,
            ["x-amz-date"] = amzDate,
        };
        if (identity.UseToken)
        {
            headers["x-amz-security-token"] = identity.Token;
        }

        var signedHeaders = string.Join(';', headers.Keys);
        var path = string.IsNullOrEmpty(Endpoint.AbsolutePath) ? "/" : Endpoint.AbsolutePath;
        var canonical = string.Join('\n', "POST", path, Endpoint.Query.TrimStart('?'), string.Concat(headers.Select(h => h.Key + ":" + h.Value + "\n")), signedHeaders, Hex(SHA256.HashData(body)));
        var scope = $"{date}/{SigningRegion}/iam/aws4_request";
        var toSign = string.Join('\n', "AWS4-HMAC-SHA256", amzDate, scope, Hex(SHA256.HashData(Encoding.UTF8.GetBytes(canonical))));
        var key = Hmac(Hmac(Hmac(Hmac(Encoding.UTF8.GetBytes("AWS4" + identity.SecretKey), date), SigningRegion), "iam"), "aws4_request");
        var signature = Hex(Hmac(key, toSign));
        request.Headers.Host = host;
        request.Headers.TryAddWithoutValidation("X-Amz-Date", amzDate);
        if (identity.UseToken)
        {
            request.Headers.TryAddWithoutValidation("X-Amz-Security-Token", identity.Token);
        }

        request.Headers.TryAddWithoutValidation("Authorization", $"AWS4-HMAC-SHA256 Credential={identity.AccessKey}/{scope}, SignedHeaders={signedHeaders}, Signature={signature}");
    }

    private static byte[] Hmac(byte[] key, string data) => HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(data));

    private static string Hex(byte[] bytes) => Convert.ToHexStringLower(bytes);
}
