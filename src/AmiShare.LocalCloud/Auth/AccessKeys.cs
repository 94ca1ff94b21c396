using AmiShare.LocalCloud.State;

namespace AmiShare.LocalCloud.Auth;

/// <summary>
/// A credential LocalCloud accepts. Root and IAM-user keys are long-term; assumed-role keys carry the session
/// (role, expiry) and must come with their session token; GetSessionToken keys are the root's or the user's own
/// identity with a session token and an <see cref="Expiration"/>.
/// </summary>
public sealed record AccessKeyRecord(
    string AccessKeyId,
    string SecretAccessKey,
    string AccountId,
    PrincipalKind Kind,
    DateTimeOffset CreateDate,
    string? UserName = null,
    RoleSession? Session = null,
    string? SessionToken = null,
    bool IsActive = true,
    DateTimeOffset? Expiration = null,
    FederatedSession? Federation = null);

public static class AccessKeyKinds
{
    /// <summary>Keyed globally by access key id: a key alone says which account it belongs to.</summary>
    public static EntityKind<AccessKeyRecord> AccessKey { get; } = new("auth.access-key");

    public static EntityKey Key(string accessKeyId) => EntityKey.Global(accessKeyId);
}
