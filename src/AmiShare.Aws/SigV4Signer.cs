using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Amazon.Runtime;

namespace AmiShare.Aws;

/// <summary>
/// SigV4 for the narrow clients (IAM query, CloudTrail and Organizations JSON 1.1) that have no SDK package here
/// (docs/aws-facts.md §8): signs a POST over exactly the headers it sends, so what is signed and what is sent cannot drift.
/// </summary>
internal static class SigV4Signer
{
    /// <summary>
    /// Sets the body, <c>Host</c>, <c>X-Amz-Date</c>, the session token and <c>Authorization</c> on
    /// <paramref name="request"/>; <paramref name="headers"/> (lower-case names) are sent and signed as given.
    /// </summary>
    public static void SignPost(HttpRequestMessage request, Uri endpoint, byte[] body, string contentType, IReadOnlyDictionary<string, string> headers, ImmutableCredentials identity, DateTimeOffset now, string region, string service)
    {
        var amzDate = now.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        var date = amzDate[..8];
        var host = endpoint.IsDefaultPort ? endpoint.Host : $"{endpoint.Host}:{endpoint.Port.ToString(CultureInfo.InvariantCulture)}";
        var signed = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["content-type"] = contentType,
            ["host"] = host,
            ["x-amz-date"] = amzDate,
        };
        foreach (var (name, value) in headers)
        {
            signed[name] = value;
        }

        if (identity.UseToken)
        {
            signed["x-amz-security-token"] = identity.Token;
        }

        var signedHeaders = string.Join(';', signed.Keys);
        var path = string.IsNullOrEmpty(endpoint.AbsolutePath) ? "/" : endpoint.AbsolutePath;
        var canonical = string.Join('\n', "POST", path, endpoint.Query.TrimStart('?'), string.Concat(signed.Select(h => h.Key + ":" + h.Value + "\n")), signedHeaders, Hex(SHA256.HashData(body)));
        var scope = $"{date}/{region}/{service}/aws4_request";
        var toSign = string.Join('\n', "AWS4-HMAC-SHA256", amzDate, scope, Hex(SHA256.HashData(Encoding.UTF8.GetBytes(canonical))));
        var key = Hmac(Hmac(Hmac(Hmac(Encoding.UTF8.GetBytes("AWS4" + identity.SecretKey), date), region), service), "aws4_request");
        var signature = Hex(Hmac(key, toSign));

        request.Content = new ByteArrayContent(body);
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        request.Headers.Host = host;
        foreach (var (name, value) in signed.Where(h => h.Key is not ("content-type" or "host")))
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        request.Headers.TryAddWithoutValidation("Authorization", $"AWS4-HMAC-SHA256 Credential={identity.AccessKey}/{scope}, SignedHeaders={signedHeaders}, Signature={signature}");
    }

    private static byte[] Hmac(byte[] key, string data) => HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(data));

    private static string Hex(byte[] bytes) => Convert.ToHexStringLower(bytes);
}
