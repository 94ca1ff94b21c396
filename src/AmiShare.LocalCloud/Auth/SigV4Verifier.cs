using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace AmiShare.LocalCloud.Auth;

/// <summary>
/// Verifies AWS Signature Version 4 header authentication. Pure: no state, the clock is injected. It rebuilds
/// the canonical request from exactly the headers the client listed in <c>SignedHeaders</c>, hashes the raw
/// body itself (so a lying <c>x-amz-content-sha256</c> cannot pass), and compares signatures in constant time.
/// </summary>
public sealed class SigV4Verifier(TimeProvider time)
{
    /// <summary>AWS accepts requests signed up to 15 minutes before or after its own clock.</summary>
    public static readonly TimeSpan AllowedSkew = TimeSpan.FromMinutes(15);

    private const string AmzDateFormat = "yyyyMMdd'T'HHmmss'Z'";

    /// <summary>Throws <see cref="AuthenticationFailureException"/> unless the request is signed with <paramref name="secretAccessKey"/>.</summary>
    public void Verify(SignedRequest request, SigV4Authorization authorization, string secretAccessKey)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(authorization);
        ArgumentNullException.ThrowIfNull(secretAccessKey);

        var amzDate = request.Header("x-amz-date");
        var signedAt = ParseRequestTime(amzDate, request.Header("date"));
        amzDate ??= signedAt.UtcDateTime.ToString(AmzDateFormat, CultureInfo.InvariantCulture);

        if (!string.Equals(authorization.ScopeDate, amzDate[..8], StringComparison.Ordinal))
        {
            throw new AuthenticationFailureException(
                AuthenticationFailureKind.SignatureMismatch,
                $"Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '{authorization.ScopeDate}' != '{amzDate[..8]}', from '{amzDate}'.");
        }

        CheckSkew(signedAt);

        var canonicalRequest = CanonicalRequest(request, authorization.SignedHeaders);
        var stringToSign = StringToSign(amzDate, authorization.CredentialScope, canonicalRequest);
        var expected = Signature(secretAccessKey, authorization.ScopeDate, authorization.Region, authorization.Service, stringToSign);

        if (!CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(authorization.Signature)))
        {
            throw new AuthenticationFailureException(
                AuthenticationFailureKind.SignatureMismatch,
                "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.");
        }
    }

    /// <summary>The canonical request of SigV4 step 1, public so tests can check it against published vectors.</summary>
    public static string CanonicalRequest(SignedRequest request, IReadOnlyList<string> signedHeaders)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(signedHeaders);

        var text = new StringBuilder();
        text.Append(request.Method.ToUpperInvariant()).Append('\n');
        text.Append(CanonicalPath(request.RawPath)).Append('\n');
        text.Append(CanonicalQuery(request.RawQuery)).Append('\n');
        foreach (var name in signedHeaders)
        {
            var value = request.Header(name)
                ?? throw new AuthenticationFailureException(AuthenticationFailureKind.MalformedAuthorization, $"Signed header '{name}' is not present in the request.");
            text.Append(name).Append(':').Append(CanonicalHeaderValue(value)).Append('\n');
        }

        text.Append('\n');
        text.Append(string.Join(';', signedHeaders)).Append('\n');
        text.Append(Convert.ToHexStringLower(SHA256.HashData(request.Body)));
        return text.ToString();
    }

    public static string StringToSign(string amzDate, string credentialScope, string canonicalRequest) =>
        $"{SigV4Authorization.Algorithm}\n{amzDate}\n{credentialScope}\n{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonicalRequest)))}";

    public static string Signature(string secretAccessKey, string scopeDate, string region, string service, string stringToSign)
    {
        var key = Hmac(Encoding.UTF8.GetBytes("AWS4" + secretAccessKey), scopeDate);
        key = Hmac(key, region);
        key = Hmac(key, service);
        key = Hmac(key, "aws4_request");
        return Convert.ToHexStringLower(Hmac(key, stringToSign));
    }

    private void CheckSkew(DateTimeOffset signedAt)
    {
        var now = time.GetUtcNow();
        if (signedAt < now - AllowedSkew)
        {
            throw new AuthenticationFailureException(
                AuthenticationFailureKind.RequestTimeSkewed,
                $"Signature expired: {Format(signedAt)} is now earlier than {Format(now - AllowedSkew)} ({Format(now)} - 15 min.)");
        }

        if (signedAt > now + AllowedSkew)
        {
            throw new AuthenticationFailureException(
                AuthenticationFailureKind.RequestTimeSkewed,
                $"Signature not yet current: {Format(signedAt)} is still later than {Format(now + AllowedSkew)} ({Format(now)} + 15 min.)");
        }
    }

    private static DateTimeOffset ParseRequestTime(string? amzDate, string? httpDate)
    {
        if (amzDate is not null)
        {
            return DateTimeOffset.TryParseExact(amzDate, AmzDateFormat, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed)
                ? parsed
                : throw new AuthenticationFailureException(AuthenticationFailureKind.MalformedAuthorization, $"X-Amz-Date '{amzDate}' is not of the form YYYYMMDD'T'HHMMSS'Z'.");
        }

        if (httpDate is not null && DateTimeOffset.TryParse(httpDate, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var fromDate))
        {
            return fromDate;
        }

        throw new AuthenticationFailureException(
            AuthenticationFailureKind.MalformedAuthorization,
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
    }

    // Non-S3 services encode each path segment twice: once by the client when it built the URI (what we
    // received), once more for the canonical form.
    private static string CanonicalPath(string rawPath)
    {
        if (string.IsNullOrEmpty(rawPath) || rawPath == "/")
        {
            return "/";
        }

        return string.Join('/', rawPath.Split('/').Select(UriEncode));
    }

    private static string CanonicalQuery(string rawQuery)
    {
        if (string.IsNullOrEmpty(rawQuery))
        {
            return string.Empty;
        }

        var pairs = new List<(string Name, string Value)>();
        foreach (var pair in rawQuery.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            var name = Uri.UnescapeDataString(equals < 0 ? pair : pair[..equals]);
            var value = equals < 0 ? string.Empty : Uri.UnescapeDataString(pair[(equals + 1)..]);
            if (name != "X-Amz-Signature")
            {
                pairs.Add((UriEncode(name), UriEncode(value)));
            }
        }

        return string.Join('&', pairs
            .OrderBy(p => p.Name, StringComparer.Ordinal)
            .ThenBy(p => p.Value, StringComparer.Ordinal)
            .Select(p => $"{p.Name}={p.Value}"));
    }

    private static string CanonicalHeaderValue(string value)
    {
        var text = new StringBuilder(value.Length);
        var previousWasSpace = false;
        foreach (var c in value.Trim())
        {
            var isSpace = c == ' ';
            if (!(isSpace && previousWasSpace))
            {
                text.Append(c);
            }

            previousWasSpace = isSpace;
        }

        return text.ToString();
    }

    /// <summary>RFC 3986 percent-encoding of everything but unreserved characters, upper-case hex, as SigV4 requires.</summary>
    public static string UriEncode(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var text = new StringBuilder(value.Length);
        foreach (var b in Encoding.UTF8.GetBytes(value))
        {
            var c = (char)b;
            if (char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '~')
            {
                text.Append(c);
            }
            else
            {
                text.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
        }

        return text.ToString();
    }

    private static byte[] Hmac(byte[] key, string data) => HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(data));

    private static string Format(DateTimeOffset value) => value.UtcDateTime.ToString(AmzDateFormat, CultureInfo.InvariantCulture);
}
