namespace AmiShare.Core.Model;

/// <summary>Why AmiShare itself declined to go on; no AWS call failed.</summary>
public enum RefusalReason
{
    /// <summary>Another writer kept changing the key policy between AmiShare's read and its write.</summary>
    ConcurrentKeyPolicyEdits,

    /// <summary>The merged key policy would pass KMS's fixed size limit.</summary>
    KeyPolicyTooLarge,

    /// <summary>The image to adopt is not visible to the caller.</summary>
    ImageNotVisible,

    /// <summary>The key to adopt under belongs to another account.</summary>
    KeyNotOwned,

    /// <summary>The key to adopt under does not exist.</summary>
    KeyNotFound,

    /// <summary>A copy AmiShare waited for ended failed, deregistered or disabled.</summary>
    CopyFailed,

    /// <summary>A copy AmiShare waited for did not become available in time.</summary>
    CopyTimedOut,

    /// <summary>The share needs the organization's structure (a key-policy fold, or --expand-targets), and the caller may not read it.</summary>
    OrganizationUnreadable,

    /// <summary>An SSM parameter to publish to exists and is not AmiShare's.</summary>
    ParameterNotOwned,

}

/// <summary>
/// AmiShare's own refusal to go on, with the fix. It is not a cloud error (that is <see cref="Ports.CloudOperationException"/>,
/// which carries the service's code): the CLI reports it as a refused plan, exit 1 (README "Exit codes").
/// </summary>
public sealed class ShareRefusedException(RefusalReason reason, string message, string fix) : Exception(message)
{
    public RefusalReason Reason { get; } = reason;

    /// <summary>What the user can do about it.</summary>
    public string Fix { get; } = fix;
}
