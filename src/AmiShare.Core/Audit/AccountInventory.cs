using System.Collections.Immutable;
using AmiShare.Core.Model;
using AmiShare.Policy.Kms;

namespace AmiShare.Core.Audit;

/// <summary>
/// Everything <c>amishare audit</c> read from one account (across the regions asked for): the images it owns and
/// whom they are shared with, their snapshots, the keys that encrypt them, and the CloudTrail events of the window.
/// </summary>
/// <param name="Organization">The account's organization when known; lets org and OU shares be matched with accounts.</param>
/// <param name="Regions">The regions read; an empty list means "as found in the resources".</param>
public sealed record AccountInventory(
    string AccountId,
    ImmutableArray<AuditImage> Images,
    ImmutableArray<AuditSnapshot> Snapshots,
    ImmutableArray<AuditKey> Keys,
    ImmutableArray<TrailEvent> Events = default,
    OrganizationFacts? Organization = null,
    ImmutableArray<string> Regions = default)
{
    public ImmutableArray<TrailEvent> EventsOrEmpty => Events.IsDefault ? [] : Events;

    public ImmutableArray<string> RegionsOrEmpty => Regions.IsDefault ? [] : Regions;

    public AuditKey? FindKey(string? arn) => arn is null ? null : Keys.FirstOrDefault(k => string.Equals(k.Arn, arn, StringComparison.Ordinal));

    public AuditSnapshot? FindSnapshot(string id) => Snapshots.FirstOrDefault(s => string.Equals(s.Id, id, StringComparison.Ordinal));

    /// <summary>The keys of an image's encrypted snapshots, as ARNs, in snapshot order.</summary>
    public IEnumerable<string> KeyArnsOf(AuditImage image) =>
        image.SnapshotIds.Select(FindSnapshot).Where(s => s is { Encrypted: true, KeyArn: not null }).Select(s => s!.KeyArn!).Distinct(StringComparer.Ordinal);

    public IEnumerable<AuditImage> ImagesUsing(string keyArn) => Images.Where(i => KeyArnsOf(i).Contains(keyArn, StringComparer.Ordinal));
}

/// <param name="LaunchPermissions">Accounts, organization ARNs and OU ARNs; public is <see cref="IsPublic"/>.</param>
public sealed record AuditImage(
    string Id,
    string Name,
    string Region,
    ImageAvailability State,
    ImmutableArray<ShareTarget> LaunchPermissions,
    bool IsPublic,
    ImmutableArray<string> SnapshotIds)
{
    /// <summary>Entities counted against the quota of 1,000 per image (an org or OU counts as one).</summary>
    public int SharingEntityCount => LaunchPermissions.Length + (IsPublic ? 1 : 0);
}

/// <param name="CreateVolumePermissions">Account ids that may copy it or create volumes from it.</param>
/// <param name="IsPublic">createVolumePermission has <c>Group=all</c>.</param>
public sealed record AuditSnapshot(string Id, string Region, bool Encrypted, string? KeyArn, ImmutableArray<string> CreateVolumePermissions, bool IsPublic = false);

/// <param name="PolicyJson">The key policy as GetKeyPolicy returned it.</param>
public sealed record AuditKey(
    string Arn,
    KeyManager Manager,
    KeyStatus Status,
    string PolicyJson,
    ImmutableArray<KmsGrant> Grants = default,
    ImmutableArray<string> Aliases = default)
{
    public string Region => Arns.RegionOf(Arn);

    public string Account => Arns.AccountOf(Arn);

    public ImmutableArray<KmsGrant> GrantsOrEmpty => Grants.IsDefault ? [] : Grants;

    public ImmutableArray<string> AliasesOrEmpty => Aliases.IsDefault ? [] : Aliases;
}

/// <summary>One CloudTrail record, reduced to what the evidence needs (see <see cref="TrailRecordReader"/>).</summary>
/// <param name="UserArn"><c>userIdentity.arn</c>; absent for service events.</param>
/// <param name="UserAccount"><c>userIdentity.accountId</c>: the caller's account (for a cross-account KMS call, not the key owner).</param>
/// <param name="InvokedBy"><c>userIdentity.invokedBy</c>, e.g. <c>ec2.amazonaws.com</c> when EC2 called KMS for the caller.</param>
/// <param name="SharedEventId">The id both copies of a cross-account event carry.</param>
/// <param name="ErrorCode">Set when the call failed.</param>
/// <param name="RequestParametersJson">The record's <c>requestParameters</c>, verbatim, for share changes.</param>
/// <param name="ServiceEventDetailsJson">The record's <c>serviceEventDetails</c>, verbatim.</param>
public sealed record TrailEvent(
    string EventId,
    string EventName,
    string EventSource,
    DateTimeOffset Time,
    string Region,
    string? UserArn,
    string? UserAccount,
    ImmutableArray<TrailEventResource> Resources,
    string? InvokedBy = null,
    string? SharedEventId = null,
    string? ErrorCode = null,
    string? RequestParametersJson = null,
    string? ServiceEventDetailsJson = null)
{
    public ImmutableArray<TrailEventResource> ResourcesOrEmpty => Resources.IsDefault ? [] : Resources;
}

/// <param name="Name">The ARN (or name) CloudTrail gives the resource.</param>
public sealed record TrailEventResource(string Type, string Name, string? AccountId = null);
