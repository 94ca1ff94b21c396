namespace AmiShare.LocalCloud.Auth;

/// <summary>The kinds of principal a LocalCloud credential can stand for.</summary>
public enum PrincipalKind
{
    /// <summary>An account's root user (<c>arn:aws:iam::ACCOUNT:root</c>).</summary>
    AccountRoot,

    /// <summary>An IAM user with a long-term access key.</summary>
    IamUser,

    /// <summary>A role session from <c>sts:AssumeRole</c> (<c>arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION</c>).</summary>
    AssumedRole,

    /// <summary>A federated user from <c>sts:GetFederationToken</c> (<c>arn:aws:sts::ACCOUNT:federated-user/NAME</c>).</summary>
    FederatedUser,
}

/// <summary>
/// A federated user session: who asked for it (the account root or an IAM user, whose permissions it starts from),
/// its name, and the session policy that limits it. AWS: without a policy the session has no permissions, so
/// <see cref="SessionPolicy"/> is never null here (an empty statement list when none was passed).
/// </summary>
public sealed record FederatedSession(string Name, string SourceArn, string? SourceUserName, DateTimeOffset Expiration, string SessionPolicy);

/// <summary>
/// The role behind an assumed-role session, which is what identity policies and trust policies name, and what
/// AssumeRole passed: the inline session policy (null: none) and the managed session policies (<c>PolicyArns</c>,
/// their documents as read when the session was made; null: none), which together limit the session's permissions;
/// the session tags (<c>aws:PrincipalTag/KEY</c> of the session's requests; null: none) and which of them are
/// transitive, i.e. pass on to a session this one assumes.
/// </summary>
public sealed record RoleSession(
    string RoleArn,
    string RoleName,
    string RoleId,
    string SessionName,
    DateTimeOffset Expiration,
    string SourcePrincipalArn,
    string? SessionPolicy = null,
    IReadOnlyList<Authorization.NamedPolicy>? ManagedSessionPolicies = null,
    IReadOnlyDictionary<string, string>? Tags = null,
    IReadOnlyList<string>? TransitiveTagKeys = null);

/// <summary>
/// Who signed a request, as every handler and the authorizer see it. <see cref="PrincipalArn"/> is what
/// GetCallerIdentity returns; <see cref="PolicyPrincipalArn"/> is the ARN that policies name (the role for
/// a session), i.e. the value of <c>aws:PrincipalArn</c>.
/// </summary>
public sealed record CallerIdentity(
    string AccountId,
    string PrincipalArn,
    PrincipalKind Kind,
    string AccessKeyId,
    string UserId,
    string? UserName = null,
    RoleSession? Session = null,
    FederatedSession? Federation = null)
{
    public string PolicyPrincipalArn => Session?.RoleArn ?? PrincipalArn;

    /// <summary>The session policy that limits this caller: a role session's or a federated user's; null: none.</summary>
    public string? SessionPolicyDocument => Session?.SessionPolicy ?? Federation?.SessionPolicy;

    public bool IsRoot => Kind == PrincipalKind.AccountRoot;

    public static string RootArn(string accountId) => $"arn:aws:iam::{accountId}:root";
}
