using System.Globalization;
using System.Text;

namespace AmiShare.LocalCloud.Identifiers;

/// <summary>
/// Mints identifiers in the formats AWS uses, from an injected <see cref="IRandomSource"/>: access keys
/// (<c>AKIA</c>/<c>ASIA</c> + 16), IAM unique ids (<c>AIDA</c>, <c>AROA</c>, <c>ANPA</c> + 17), resource ids
/// (<c>ami-</c> + 17 hex) and request ids (GUID form).
/// </summary>
public sealed class IdentifierFactory(IRandomSource random)
{
    private const string UpperAlphanumeric = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    private const string SecretAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    private const string UrlSafeAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

    public string LongTermAccessKeyId() => "AKIA" + Draw(UpperAlphanumeric, 16);

    public string SessionAccessKeyId() => "ASIA" + Draw(UpperAlphanumeric, 16);

    public string SecretAccessKey() => Draw(SecretAlphabet, 40);

    /// <summary>
    /// A session token shaped like STS's own: base64 text beginning <c>FQoGZXIvYXdzE</c>, 356 characters long, as
    /// AWS SDK test suites (and moto's) expect of a role session's token. Opaque to clients; LocalCloud compares it whole.
    /// </summary>
    public string SessionToken() => "FQoGZXIvYXdzE" + Draw(SecretAlphabet, 343);

    /// <summary>
    /// The token of an encoded authorization failure message: URL-safe base64 text, as AWS's messages are, drawn at
    /// random so it carries nothing of the decision it stands for.
    /// </summary>
    public string AuthorizationMessageToken() => Draw(UrlSafeAlphabet, 96);

    /// <summary>IAM unique id, e.g. prefix <c>AIDA</c> (user), <c>AROA</c> (role), <c>ANPA</c> (managed policy).</summary>
    public string UniqueId(string prefix) => prefix + Draw(UpperAlphanumeric, 17);

    /// <summary>EC2-style resource id, e.g. <c>ami-0123456789abcdef0</c>.</summary>
    public string ResourceId(string prefix) => $"{prefix}-{Hex(9)[..17]}";

    public string RequestId()
    {
        Span<byte> bytes = stackalloc byte[16];
        random.Fill(bytes);
        return new Guid(bytes).ToString("D", CultureInfo.InvariantCulture);
    }

    /// <summary>Lower-case hex of <paramref name="byteCount"/> random bytes.</summary>
    public string Hex(int byteCount)
    {
        var bytes = new byte[byteCount];
        random.Fill(bytes);
        return Convert.ToHexStringLower(bytes);
    }

    /// <summary>Random bytes, e.g. key material.</summary>
    public byte[] Bytes(int count)
    {
        var bytes = new byte[count];
        random.Fill(bytes);
        return bytes;
    }

    private string Draw(string alphabet, int length)
    {
        // Alphabets here have 32 or 64 symbols, so masking a byte keeps the draw uniform.
        var bytes = new byte[length];
        random.Fill(bytes);
        var text = new StringBuilder(length);
        foreach (var b in bytes)
        {
            text.Append(alphabet[b % alphabet.Length]);
        }

        return text.ToString();
    }
}
