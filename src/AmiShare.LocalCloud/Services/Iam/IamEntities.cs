using AmiShare.LocalCloud.State;

namespace AmiShare.LocalCloud.Services.Iam;

/// <summary>One IAM tag. Lists keep the order keys were first set; keys are unique ignoring case.</summary>
public sealed record IamTag(string Key, string Value);

/// <summary>An IAM user. Inline policies map name → JSON document.</summary>
public sealed record IamUser(
    string AccountId,
    string UserName,
    string UserId,
    string Path,
    string Arn,
    DateTimeOffset CreateDate,
    IReadOnlyDictionary<string, string> InlinePolicies,
    IReadOnlyList<string> AttachedPolicyArns,
    string? PermissionsBoundaryArn = null)
{
    /// <summary>The user's IAM tags; an init property so data files written before tags existed still load.</summary>
    public IReadOnlyList<IamTag> Tags { get; init; } = [];
}

/// <summary>An IAM role with its trust policy (<see cref="AssumeRolePolicyDocument"/>, plain JSON).</summary>
public sealed record IamRole(
    string AccountId,
    string RoleName,
    string RoleId,
    string Path,
    string Arn,
    DateTimeOffset CreateDate,
    string AssumeRolePolicyDocument,
    string? Description,
    int MaxSessionDuration,
    IReadOnlyDictionary<string, string> InlinePolicies,
    IReadOnlyList<string> AttachedPolicyArns,
    string? PermissionsBoundaryArn = null)
{
    /// <summary>The role's IAM tags; an init property so data files written before tags existed still load.</summary>
    public IReadOnlyList<IamTag> Tags { get; init; } = [];

    public bool IsServiceLinked => Path.StartsWith("/aws-service-role/", StringComparison.Ordinal);
}

/// <summary>A managed policy (customer, or AWS managed under account <see cref="IamEntityKinds.AwsManagedAccount"/>).</summary>
public sealed record IamManagedPolicy(
    string AccountId,
    string PolicyName,
    string PolicyId,
    string Path,
    string Arn,
    string Document,
    string? Description,
    DateTimeOffset CreateDate,
    DateTimeOffset UpdateDate);

/// <summary>Entity kinds IAM stores. Users and roles are keyed by lower-cased name: IAM names are unique ignoring case.</summary>
public static class IamEntityKinds
{
    /// <summary>The pseudo-account holding AWS managed policies (<c>arn:aws:iam::aws:policy/…</c>).</summary>
    public const string AwsManagedAccount = "aws";

    public static EntityKind<IamUser> User { get; } = new("iam.user");

    public static EntityKind<IamRole> Role { get; } = new("iam.role");

    public static EntityKind<IamManagedPolicy> Policy { get; } = new("iam.policy");

    public static EntityKey UserKey(string accountId, string userName) => EntityKey.InAccount(accountId, userName.ToLowerInvariant());

    public static EntityKey RoleKey(string accountId, string roleName) => EntityKey.InAccount(accountId, roleName.ToLowerInvariant());

    public static EntityKey PolicyKey(string arn) =>
        EntityKey.InAccount(Authorization.ArnParts.AccountOf(arn) ?? string.Empty, arn);
}
