namespace AmiShare.LocalCloud.Auth;

/// <summary>
/// Why a request could not be authenticated. Kept protocol-neutral because each service names the same
/// failure differently (STS <c>InvalidClientTokenId</c>, EC2 <c>AuthFailure</c>, KMS <c>UnrecognizedClientException</c>).
/// </summary>
public enum AuthenticationFailureKind
{
    MissingAuthentication,
    MalformedAuthorization,
    UnknownAccessKey,
    InvalidSessionToken,
    ExpiredToken,
    RequestTimeSkewed,
    SignatureMismatch,
}

/// <summary>Thrown by the SigV4 layer; the pipeline turns it into the service's own error code.</summary>
public sealed class AuthenticationFailureException : Exception
{
    public AuthenticationFailureException(AuthenticationFailureKind kind, string message)
        : base(message)
    {
        Kind = kind;
    }

    public AuthenticationFailureException()
        : this(AuthenticationFailureKind.MissingAuthentication, "Request is missing Authentication Token")
    {
    }

    public AuthenticationFailureException(string message)
        : this(AuthenticationFailureKind.MalformedAuthorization, message)
    {
    }

    public AuthenticationFailureException(string message, Exception innerException)
        : base(message, innerException)
    {
        Kind = AuthenticationFailureKind.MalformedAuthorization;
    }

    public AuthenticationFailureKind Kind { get; }
}
