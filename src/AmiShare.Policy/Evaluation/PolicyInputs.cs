using System.Collections.Immutable;
using AmiShare.Policy.Kms;
using AmiShare.Policy.Sharing;

namespace AmiShare.Policy.Evaluation;

/// <summary>Everything that can allow or deny one request, compiled once and reused across requests.</summary>
public sealed record PolicyInputs
{
    public ImmutableArray<CompiledPolicy> IdentityPolicies { get; init; } = [];

    /// <summary>The resource's policy: a key policy for KMS keys, a bucket policy, a role's trust policy, …</summary>
    public CompiledPolicy? ResourcePolicy { get; init; }

    /// <summary>
    /// True when the resource policy must consent even within one account, as a role's trust policy
    /// must for sts:AssumeRole. KMS key policies always must; this flag is for other resources.
    /// </summary>
    public bool ResourcePolicyIsRequired { get; init; }

    /// <summary>
    /// Decide with identity-based policies only, as IAM's policy simulator does when it is given no
    /// resource policy: the resource is treated as the caller's and needs no resource-side consent.
    /// </summary>
    public bool IdentityPoliciesOnly { get; init; }

    public ImmutableArray<CompiledPolicy> PermissionBoundaries { get; init; } = [];

    /// <summary>The inline session policy (AssumeRole or GetFederationToken <c>Policy</c>); null: none passed.</summary>
    public CompiledPolicy? SessionPolicy { get; init; }

    /// <summary>
    /// Managed session policies (<c>PolicyArns</c>). With <see cref="SessionPolicy"/> they are the session policies:
    /// AWS ORs across multiple policies of one kind, so an Allow in any of them satisfies the session-policy limit,
    /// and the session's permissions are the intersection of the identity side and that union (IAM User Guide,
    /// "Policies and permissions in IAM": "Session policies", "Multiple statements and multiple policies").
    /// </summary>
    public ImmutableArray<CompiledPolicy> ManagedSessionPolicies { get; init; } = [];

    /// <summary>One entry per level of the organization above the caller's account, root first.</summary>
    public ImmutableArray<ImmutableArray<CompiledPolicy>> ServiceControlPolicies { get; init; } = [];

    public string? ManagementAccountId { get; init; }

    /// <summary>
    /// The resource control policies of the resource's account, every level (root, units, account) together.
    /// RCPFullAWSAccess sits at every level and cannot be detached, and only it may Allow (Organizations User Guide,
    /// "RCP syntax"), so an RCP can only deny: a matching Deny statement here is an explicit deny.
    /// </summary>
    public ImmutableArray<CompiledPolicy> ResourceControlPolicies { get; init; } = [];

    /// <summary>True for AWS managed KMS keys, which RCPs do not restrict (KMS Developer Guide, "Resource control policies").</summary>
    public bool ResourceIsAwsManaged { get; init; }

    public ImmutableArray<KmsGrant> Grants { get; init; } = [];

    /// <summary>An image's launch permission: the resource policy for <c>ec2:RunInstances</c> on that image.</summary>
    public ResourceSharing? LaunchPermissions { get; init; }

    /// <summary>A snapshot's createVolumePermission: the resource policy for copying it or making volumes.</summary>
    public ResourceSharing? CreateVolumePermissions { get; init; }

    /// <summary>The account that owns the resource; taken from the resource ARN or the sharing owner when null.</summary>
    public string? ResourceAccount { get; init; }

    /// <summary>The caller's organization, for organization and OU launch permissions.</summary>
    public string? PrincipalOrgId { get; init; }

    public ImmutableArray<string> PrincipalOrgPaths { get; init; } = [];
}
