using System.Collections.Immutable;

namespace AmiShare.Core.Model;

/// <summary>Everything discovery read from the source account; the planner diffs the request against it.</summary>
/// <param name="SourceAccount">The account whose images are shared.</param>
public sealed record DiscoveredState(
    string SourceAccount,
    ImmutableArray<ImageState> Images,
    ImmutableArray<SnapshotState> Snapshots,
    ImmutableArray<KeyState> Keys,
    OrganizationFacts? Organization = null)
{
    public ImageState? FindImage(string reference, string? region = null) =>
        Images.FirstOrDefault(i => (region is null || i.Region == region) && i.Id == reference)
        ?? Images.FirstOrDefault(i => (region is null || i.Region == region) && i.Name == reference && i.SourceImageId is null);

    public SnapshotState? FindSnapshot(string id) => Snapshots.FirstOrDefault(s => s.Id == id);

    /// <summary>Finds a key by ARN, id or alias (<c>alias/x</c> or its ARN), in a region when the reference does not carry one.</summary>
    public KeyState? FindKey(string reference, string region) =>
        Keys.FirstOrDefault(k => k.Arn == reference)
        ?? Keys.FirstOrDefault(k => k.Region == region && (k.KeyId == reference || k.AliasesOrEmpty.Contains(reference) || k.AliasesOrEmpty.Any(a => reference.EndsWith(":" + a, StringComparison.Ordinal))));
}

public enum ImageAvailability
{
    Available,
    Pending,
    Failed,
    Disabled,
    Deregistered,
}

/// <summary>An AMI as discovered.</summary>
/// <param name="LaunchPermissions">Accounts, organization ARNs and OU ARNs it is shared with.</param>
/// <param name="IsPublic">Shared with <c>Group=all</c>.</param>
/// <param name="SnapshotIds">The EBS snapshots of its block-device mappings.</param>
/// <param name="SourceImageId">For a copy AmiShare made (tagged <c>amishare:copy-of</c>), the image it copied.</param>
public sealed record ImageState(
    string Id,
    string Name,
    string OwnerId,
    string Region,
    ImageAvailability State,
    ImmutableArray<ShareTarget> LaunchPermissions,
    ImmutableArray<string> SnapshotIds,
    bool IsPublic = false,
    string? SourceImageId = null)
{
    public bool IsSharedWith(ShareTarget target) => LaunchPermissions.Any(p => p.Value == target.Value);
}

/// <param name="KeyArn">The key ARN for encrypted snapshots, as EC2 reports it; null when unencrypted.</param>
/// <param name="CreateVolumePermissions">Account ids allowed to copy or create volumes from it.</param>
public sealed record SnapshotState(string Id, string Region, bool Encrypted, string? KeyArn, ImmutableArray<string> CreateVolumePermissions);

public enum KeyManager
{
    Aws,
    Customer,
}

public enum KeyStatus
{
    Enabled,
    Disabled,
    PendingDeletion,
    PendingImport,
    PendingReplicaDeletion,
    Unavailable,
    Creating,
    Updating,
}

/// <param name="ReplicaArns">For a multi-Region key, the ARNs of the related keys (primary and replicas) other than this one.</param>
/// <param name="PolicyJson">The key policy as GetKeyPolicy returned it.</param>
public sealed record KeyState(
    string Arn,
    KeyManager Manager,
    KeyStatus Status,
    string PolicyJson,
    ImmutableArray<string> Aliases = default,
    ImmutableArray<string> ReplicaArns = default,
    ImmutableArray<GrantState> Grants = default)
{
    public string Region => Arns.RegionOf(Arn);

    public string KeyId => Arn[(Arn.LastIndexOf('/') + 1)..];

    public ImmutableArray<string> AliasesOrEmpty => Aliases.IsDefault ? [] : Aliases;

    public ImmutableArray<string> ReplicaArnsOrEmpty => ReplicaArns.IsDefault ? [] : ReplicaArns;

    public ImmutableArray<GrantState> GrantsOrEmpty => Grants.IsDefault ? [] : Grants;

    public bool IsAwsEbsDefault => Manager == KeyManager.Aws;

    /// <summary>For a multi-Region key, the primary's ARN (ReplicateKey is called on it); null otherwise or when unknown.</summary>
    public string? PrimaryArn { get; init; }
}

public sealed record GrantState(string GrantId, string GranteePrincipal, ImmutableArray<string> Operations);

/// <summary>What is known about the source's organization; every part may be unknown (null/empty).</summary>
/// <param name="OuPaths">OU id → full <c>aws:PrincipalOrgPaths</c> path, e.g. <c>o-x/r-ab12/ou-ab12-11111111/</c>.</param>
/// <param name="MemberAccounts">Account ids known to be in the organization.</param>
public sealed record OrganizationFacts(
    string OrganizationId,
    string? ManagementAccountId = null,
    ImmutableDictionary<string, string>? OuPaths = null,
    ImmutableHashSet<string>? MemberAccounts = null)
{
    /// <summary>
    /// Account id → the <c>aws:PrincipalOrgPaths</c> value of its parent (<c>o-x/r-ab12/ou-ab12-11111111/</c>), for
    /// every account of the organization; null when the tree was not read (Organizations is read only when a key
    /// policy must be folded). With it the fold can pick the narrowest OUs that cover the accounts asked for.
    /// </summary>
    public ImmutableDictionary<string, string>? AccountPaths { get; init; }

    /// <summary>
    /// The user's consent (<c>share --fold-wider</c>) to a fold that also admits accounts nobody asked for. Carried with
    /// the facts so a merge at apply time (after a concurrent edit) folds exactly as the plan did.
    /// </summary>
    public bool WiderFoldAllowed { get; init; }

    public bool ContainsAccount(string accountId) =>
        (MemberAccounts?.Contains(accountId) ?? false) || (AccountPaths?.ContainsKey(accountId) ?? false);

    /// <summary>Every account known to be in the organization (from the tree, else from the member list).</summary>
    public IEnumerable<string> KnownMembers => AccountPaths?.Keys ?? (IEnumerable<string>?)MemberAccounts ?? [];

    /// <summary>Whether membership is known at all, so a fold can be decided without reading Organizations again.</summary>
    public bool MembershipKnown => AccountPaths is not null || MemberAccounts is not null;
}
