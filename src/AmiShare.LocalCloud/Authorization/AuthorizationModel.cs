using AmiShare.LocalCloud.Auth;
using AmiShare.Policy.Kms;
using AmiShare.Policy.Sharing;

namespace AmiShare.LocalCloud.Authorization;

/// <summary>
/// How a resource policy takes part in a decision. Role trust policies and KMS key policies must allow the
/// caller even within one account; other resource policies only matter when they add access.
/// </summary>
public enum ResourcePolicyKind
{
    RoleTrustPolicy,
    KeyPolicy,
    Other,
}

/// <summary>A resource-based policy document (JSON as stored) and the account that owns the resource.</summary>
public sealed record ResourcePolicy(ResourcePolicyKind Kind, string OwnerAccountId, string Document);

/// <summary>
/// One question for the authorizer: may <see cref="Caller"/> perform <see cref="Action"/> (e.g. <c>kms:Decrypt</c>)
/// on <see cref="ResourceArn"/> given these condition keys? Context keys hold one or more values each, as in
/// docs/policy-eval.md; <see cref="OperationRequest"/> fills the global <c>aws:*</c> keys.
/// </summary>
public sealed record AuthorizationRequest(
    CallerIdentity Caller,
    string Action,
    string ResourceArn,
    IReadOnlyDictionary<string, IReadOnlyList<string>> ContextKeys)
{
    public ResourcePolicy? ResourcePolicy { get; init; }

    /// <summary>Decide with identity-based policies only, as IAM's policy simulator does without a resource policy.</summary>
    public bool IdentityPoliciesOnly { get; init; }

    /// <summary>For KMS keys: the key's grants, which allow their grantees without IAM.</summary>
    public IReadOnlyList<KmsGrant> Grants { get; init; } = [];

    /// <summary>For images: the launch permission, the resource policy of ec2:RunInstances and ec2:CopyImage.</summary>
    public ResourceSharing? LaunchPermissions { get; init; }

    /// <summary>For snapshots: createVolumePermission, the resource policy of ec2:CreateVolume and ec2:CopySnapshot.</summary>
    public ResourceSharing? CreateVolumePermissions { get; init; }

    /// <summary>The account owning the resource: from the ARN, else the resource policy, else the caller's own.</summary>
    public string ResourceAccountId => ArnParts.AccountOf(ResourceArn) ?? ResourcePolicy?.OwnerAccountId ?? Caller.AccountId;
}

/// <summary>The answer, with a reason that ends up in the access-denied message ("… because …").</summary>
public sealed record AuthorizationDecision(bool IsAllowed, string Reason)
{
    /// <summary>Denied by a Deny statement (not for want of an Allow); EC2's encoded failure message reports it.</summary>
    public bool IsExplicitDeny { get; init; }

    /// <summary>The statements that decided, as far as the authorizer names them; EC2's encoded failure message lists them.</summary>
    public IReadOnlyList<DecidingStatement> Statements { get; init; } = [];

    public static AuthorizationDecision Allow(string reason) => new(true, reason);

    public static AuthorizationDecision Deny(string reason) => new(false, reason);
}

/// <summary>A statement that took part in a decision: its policy's label, its Sid if it has one, and whether it denies.</summary>
public sealed record DecidingStatement(string Policy, string? Sid, bool IsDeny);

/// <summary>
/// The authorization seam: every handler asks it once per action it performs (through
/// <see cref="Protocol.OperationRequest.Authorize"/>). The AmiShare.Policy evaluator plugs in here via
/// <see cref="LocalCloudOptions.AuthorizerFactory"/>.
/// </summary>
public interface IAccessAuthorizer
{
    AuthorizationDecision Authorize(AuthorizationRequest request);
}

/// <summary>A principal's identity-based policies, as the policy engine needs them.</summary>
public sealed record NamedPolicy(string Name, string Arn, string Document);

public sealed record PrincipalPolicies(
    IReadOnlyList<NamedPolicy> Inline,
    IReadOnlyList<NamedPolicy> Attached,
    NamedPolicy? PermissionsBoundary)
{
    public static PrincipalPolicies None { get; } = new([], [], null);

    public IEnumerable<NamedPolicy> All => Inline.Concat(Attached);
}

/// <summary>Looks up identity policies (inline + attached) and the permissions boundary of a caller.</summary>
public interface IIdentityPolicySource
{
    PrincipalPolicies GetPolicies(CallerIdentity caller);
}

/// <summary>Splits ARNs (<c>arn:partition:service:region:account:resource</c>).</summary>
public static class ArnParts
{
    public static string? AccountOf(string arn)
    {
        var parts = Split(arn);
        return parts is null || parts[4].Length == 0 ? null : parts[4];
    }

    public static string? ResourceOf(string arn) => Split(arn)?[5];

    private static string[]? Split(string arn)
    {
        if (string.IsNullOrEmpty(arn) || !arn.StartsWith("arn:", StringComparison.Ordinal))
        {
            return null;
        }

        var parts = arn.Split(':', 6);
        return parts.Length == 6 ? parts : null;
    }
}
