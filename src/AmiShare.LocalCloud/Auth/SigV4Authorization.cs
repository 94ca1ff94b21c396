namespace AmiShare.LocalCloud.Auth;

/// <summary>
/// A parsed <c>Authorization: AWS4-HMAC-SHA256 Credential=AKID/DATE/REGION/SERVICE/aws4_request,
/// SignedHeaders=a;b, Signature=hex</c> header. Region and service come from here, not from the host name.
/// </summary>
public sealed record SigV4Authorization(
    string AccessKeyId,
    string ScopeDate,
    string Region,
    string Service,
    IReadOnlyList<string> SignedHeaders,
    string Signature)
{
    public const string Algorithm = "AWS4-HMAC-SHA256";

    public string CredentialScope => $"{ScopeDate}/{Region}/{Service}/aws4_request";

    public static SigV4Authorization Parse(string? header)
    {
        if (string.IsNullOrWhiteSpace(header))
        {
            throw new AuthenticationFailureException(AuthenticationFailureKind.MissingAuthentication, "Request is missing Authentication Token");
        }

        var trimmed = header.Trim();
        if (!trimmed.StartsWith(Algorithm + " ", StringComparison.Ordinal))
        {
            throw Malformed($"Authorization header requires the {Algorithm} algorithm.");
        }

        string? credential = null, signedHeaders = null, signature = null;
        foreach (var part in trimmed[Algorithm.Length..].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = part.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw Malformed($"Authorization header part '{part}' is not of the form key=value.");
            }

            var value = part[(equals + 1)..];
            switch (part[..equals])
            {
                case "Credential": credential = value; break;
                case "SignedHeaders": signedHeaders = value; break;
                case "Signature": signature = value; break;
                default: throw Malformed($"Authorization header has an unknown part '{part[..equals]}'.");
            }
        }

        if (credential is null || signedHeaders is null || signature is null)
        {
            throw Malformed("Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters.");
        }

        var scope = credential.Split('/');
        if (scope.Length != 5 || scope.Any(string.IsNullOrEmpty) || scope[4] != "aws4_request" || scope[1].Length != 8)
        {
            throw Malformed($"Credential '{credential}' must be of the form ACCESS_KEY/YYYYMMDD/REGION/SERVICE/aws4_request.");
        }

        var headers = signedHeaders.Split(';');
        if (headers.Any(string.IsNullOrEmpty) || !headers.Contains("host"))
        {
            throw Malformed("SignedHeaders must list 'host' and contain no empty names.");
        }

        return new SigV4Authorization(scope[0], scope[1], scope[2], scope[3], headers, signature.ToLowerInvariant());
    }

    private static AuthenticationFailureException Malformed(string message) =>
        new(AuthenticationFailureKind.MalformedAuthorization, message);
}
