namespace AmiShare.LocalCloud.Auth;

/// <summary>
/// The parts of an HTTP request SigV4 covers, exactly as they arrived: the raw (still percent-encoded) path and
/// query, header values by lower-case name, and the raw body bytes.
/// </summary>
public sealed record SignedRequest(
    string Method,
    string RawPath,
    string RawQuery,
    IReadOnlyDictionary<string, IReadOnlyList<string>> Headers,
    byte[] Body)
{
    public string? Header(string lowerCaseName) =>
        Headers.TryGetValue(lowerCaseName, out var values) && values.Count > 0 ? string.Join(',', values) : null;
}
