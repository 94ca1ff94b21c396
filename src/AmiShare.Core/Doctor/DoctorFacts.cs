using System.Collections.Immutable;
using AmiShare.Core.Model;
using AmiShare.Core.Ports;
using AmiShare.Policy.Kms;

namespace AmiShare.Core.Doctor;

/// <summary>
/// Everything <c>amishare doctor</c> read about one image and one launching principal. Anything that could not be
/// read is null (or a default array where noted), and the rules that need it answer UNKNOWN instead of guessing:
/// doctor often runs with source credentials only, and the target's IAM is invisible from there.
/// </summary>
/// <param name="SourceKeys">The keys of the image's snapshots as the source account reads them; a key missing here is unknown.</param>
/// <param name="SourceSettings">The source region's block-public-access settings, when readable.</param>
public sealed record DoctorFacts(
    DoctorImage Image,
    ImmutableArray<DoctorKey> SourceKeys,
    DoctorTarget Target,
    DoctorOptions Options,
    PublicAccessSettings? SourceSettings = null)
{
    /// <summary>The SCPs over the sharing and the launching account, when Organizations could be read; null otherwise.</summary>
    public DoctorScpFacts? ServiceControlPolicies { get; init; }

    public DoctorKey? FindSourceKey(string keyArn) =>
        SourceKeys.IsDefault ? null : SourceKeys.FirstOrDefault(k => string.Equals(k.Arn, keyArn, StringComparison.Ordinal));
}

/// <param name="Copy"><c>--copy</c>: also check what CopyImage of the shared image needs.</param>
/// <param name="Asg"><c>--asg</c>: also check what launches through Auto Scaling need.</param>
public sealed record DoctorOptions(bool Copy = false, bool Asg = false)
{
    public static DoctorOptions LaunchOnly { get; } = new();
}

/// <param name="LaunchPermissions">DescribeImageAttribute launchPermission; null when only the owner could read it and doctor is not the owner.</param>
public sealed record DoctorImage(
    string Id,
    string Region,
    string OwnerId,
    ImageAvailability State,
    LaunchPermissionList? LaunchPermissions,
    ImmutableArray<DoctorSnapshot> Snapshots,
    string? Name = null)
{
    public string Arn => Arns.ImageArn(Region, Id, Partition);

    /// <summary>Images carry no partition of their own; the owner's keys tell it, else the commercial partition.</summary>
    public string Partition { get; init; } = "aws";
}

/// <param name="KeyArn">The key ARN for an encrypted snapshot; null when unencrypted or not readable.</param>
/// <param name="CreateVolumePermissions">Account ids with createVolumePermission (needed only to copy).</param>
/// <param name="IsPublic">createVolumePermission has <c>Group=all</c>.</param>
public sealed record DoctorSnapshot(string Id, bool Encrypted, string? KeyArn, ImmutableArray<string> CreateVolumePermissions, bool IsPublic = false)
{
    public ImmutableArray<string> CreateVolumePermissionsOrEmpty => CreateVolumePermissions.IsDefault ? [] : CreateVolumePermissions;

    public string Arn(string region, string partition = "aws") => $"arn:{partition}:ec2:{region}::snapshot/{Id}";
}

/// <summary>A KMS key as DescribeKey, GetKeyPolicy and ListGrants report it.</summary>
/// <param name="PolicyJson">The key policy; null when GetKeyPolicy was not allowed.</param>
/// <param name="Grants">The key's grants; a default array means ListGrants was not allowed (unknown), an empty one means none.</param>
public sealed record DoctorKey(string Arn, KeyManager Manager, KeyStatus State, string? PolicyJson, ImmutableArray<KmsGrant> Grants = default)
{
    public string Region => Arns.RegionOf(Arn);

    public string Account => Arns.AccountOf(Arn);

    public bool GrantsKnown => !Grants.IsDefault;

    public ImmutableArray<KmsGrant> GrantsOrEmpty => Grants.IsDefault ? [] : Grants;
}

/// <summary>The launching side.</summary>
/// <param name="PrincipalArn">The IAM principal that launches: a role, a user, or the account root (<c>--principal</c>, else the caller).</param>
/// <param name="Identity">Its identity policies and boundary; null when IAM could not be read (no target credentials, or IAM reads denied).</param>
/// <param name="DefaultEbsKey">The target's default EBS key in the image's region, with its policy when readable; null when unknown.</param>
/// <param name="AllowedImages">The target's Allowed AMIs setting in the region; null when unknown.</param>
/// <param name="Organization">The target account's organization and OU path; null when unknown.</param>
/// <param name="ImageVisible">Whether DescribeImages from the target saw the image; null when not tried.</param>
public sealed record DoctorTarget(
    string Account,
    string PrincipalArn,
    TargetIdentity? Identity = null,
    DoctorKey? DefaultEbsKey = null,
    AllowedImagesSettings? AllowedImages = null,
    AccountOrganization? Organization = null,
    bool? ImageVisible = null);

/// <summary>The policies IAM applies to the launching principal.</summary>
/// <param name="Policies">Inline and attached managed policy documents (for a role session: the role's).</param>
/// <param name="PermissionsBoundary">The permissions boundary, when one is set.</param>
public sealed record TargetIdentity(ImmutableArray<NamedPolicy> Policies, NamedPolicy? PermissionsBoundary = null)
{
    public ImmutableArray<NamedPolicy> PoliciesOrEmpty => Policies.IsDefault ? [] : Policies;
}

/// <param name="Name">How the report names it: the inline policy name or the managed policy ARN.</param>
public sealed record NamedPolicy(string Name, string Json);

/// <summary>EC2's "Allowed AMIs" account setting in one region.</summary>
/// <param name="State"><c>enabled</c>, <c>audit-mode</c> or <c>disabled</c>, as GetAllowedImagesSettings reports it.</param>
/// <param name="ImageProviders">Account ids and the aliases <c>amazon</c>, <c>aws-marketplace</c>, <c>aws-backup-vault</c> from the image criteria.</param>
public sealed record AllowedImagesSettings(string State, ImmutableArray<string> ImageProviders)
{
    public const string Enabled = "enabled";
    public const string AuditMode = "audit-mode";
    public const string Disabled = "disabled";

    public const string ManagedByAccount = "account";
    public const string ManagedByDeclarativePolicy = "declarative-policy";

    /// <summary><c>account</c>, or <c>declarative-policy</c> when the organization sets it (the account cannot change it then).</summary>
    public string ManagedBy { get; init; } = ManagedByAccount;

    /// <summary>The criteria in full; default when only <see cref="ImageProviders"/> is known (one criterion of providers).</summary>
    public ImmutableArray<AllowedImageCriterion> Criteria { get; init; }

    public bool IsManagedByOrganization => string.Equals(ManagedBy, ManagedByDeclarativePolicy, StringComparison.OrdinalIgnoreCase);

    public bool Allows(string ownerAccount) => Allows(ownerAccount, imageName: null);

    /// <summary>
    /// Whether enabled Allowed AMIs lets an image of <paramref name="ownerAccount"/> named <paramref name="imageName"/>
    /// through: some criterion whose providers and names (when set) it meets. The day limits need the image's dates,
    /// which doctor does not read; a criterion with them is taken as met, and the rule says so.
    /// </summary>
    public bool Allows(string ownerAccount, string? imageName) =>
        !string.Equals(State, Enabled, StringComparison.OrdinalIgnoreCase)
        || (Criteria.IsDefault
            ? !ImageProviders.IsDefault && ImageProviders.Contains(ownerAccount, StringComparer.Ordinal)
            : Criteria.Any(c => c.Matches(ownerAccount, imageName)));
}

/// <summary>One Allowed AMIs criterion (EC2 ImageCriterion): every parameter it sets must hold.</summary>
public sealed record AllowedImageCriterion(
    ImmutableArray<string> ImageProviders,
    ImmutableArray<string> ImageNames,
    ImmutableArray<string> MarketplaceProductCodes,
    int? MaximumDaysSinceCreated = null,
    int? MaximumDaysSinceDeprecated = null)
{
    public bool HasDateConditions => MaximumDaysSinceCreated is not null || MaximumDaysSinceDeprecated is not null;

    /// <summary>Providers and names; an image named by nobody (null) meets a name condition only when there is none.</summary>
    public bool Matches(string ownerAccount, string? imageName) =>
        (ImageProviders.IsDefaultOrEmpty || ImageProviders.Contains(ownerAccount, StringComparer.Ordinal))
        && (ImageNames.IsDefaultOrEmpty || (imageName is not null && ImageNames.Any(pattern => NameMatches(pattern, imageName))))
        && MarketplaceProductCodes.IsDefaultOrEmpty;

    private static bool NameMatches(string pattern, string name) => System.Text.RegularExpressions.Regex.IsMatch(
        name,
        "^" + System.Text.RegularExpressions.Regex.Escape(pattern).Replace("\\*", ".*", StringComparison.Ordinal).Replace("\\?", ".", StringComparison.Ordinal) + "$",
        System.Text.RegularExpressions.RegexOptions.CultureInvariant,
        TimeSpan.FromSeconds(1));
}

/// <summary>The organization an account belongs to, for organization and OU shares and key conditions.</summary>
/// <param name="OrgPaths">Its <c>aws:PrincipalOrgPaths</c> values, e.g. <c>o-x/r-ab12/ou-ab12-11111111/</c>.</param>
public sealed record AccountOrganization(string OrganizationId, ImmutableArray<string> OrgPaths)
{
    public ImmutableArray<string> OrgPathsOrEmpty => OrgPaths.IsDefault ? [] : OrgPaths;

    /// <summary>
    /// Every account of the organization (Organizations ListAccounts), when the credentials may list them (the
    /// management account or a delegated administrator); default (not empty) when unknown.
    /// </summary>
    public ImmutableArray<string> MemberAccounts { get; init; }
}

/// <summary>Block public access for AMIs and snapshots in one region (each null when unknown).</summary>
/// <param name="ImageState"><c>block-new-sharing</c> or <c>unblocked</c>.</param>
/// <param name="SnapshotState"><c>block-all-sharing</c>, <c>block-new-sharing</c> or <c>unblocked</c>.</param>
public sealed record PublicAccessSettings(string? ImageState, string? SnapshotState)
{
    public const string BlockAllSharing = "block-all-sharing";
    public const string BlockNewSharing = "block-new-sharing";
}
