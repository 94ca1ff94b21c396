namespace AmiShare.Core.Ports;

/// <summary>What kind of failure a cloud call had; the CLI maps each kind to an exit code and a fix.</summary>
public enum CloudErrorKind
{
    /// <summary>The caller is not allowed (AccessDenied, UnauthorizedOperation, AccessDeniedException).</summary>
    AccessDenied,

    /// <summary>The image, snapshot, key, instance or alias does not exist or is not visible.</summary>
    NotFound,

    /// <summary>The resource is in a state that refuses the call (disabled key, pending image, …).</summary>
    InvalidState,

    /// <summary>The request was malformed or a limit was hit (policy too large, too many permissions).</summary>
    InvalidRequest,

    /// <summary>Retries after RequestLimitExceeded/ThrottlingException ran out.</summary>
    Throttled,

    /// <summary>No credentials, expired credentials, or a role that cannot be assumed.</summary>
    Credentials,

    /// <summary>The endpoint could not be reached.</summary>
    Unreachable,

    /// <summary>Anything else the service returned.</summary>
    Service,
}

/// <summary>One typed error for every failed cloud call, whatever the service.</summary>
/// <param name="Operation">The API operation, e.g. <c>ModifyImageAttribute</c>.</param>
/// <param name="Code">The AWS error code, e.g. <c>InvalidAMIID.NotFound</c>.</param>
/// <param name="Fix">What the user can do about it, when the adapter knows.</param>
public sealed class CloudOperationException(CloudErrorKind kind, string operation, string code, string message, string? fix = null, Exception? inner = null)
    : Exception($"{operation} failed: {code}: {message}", inner)
{
    public CloudErrorKind Kind { get; } = kind;

    public string Operation { get; } = operation;

    public string Code { get; } = code;

    public string ServiceMessage { get; } = message;

    public string? Fix { get; } = fix;
}
