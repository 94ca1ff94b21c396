using System.Text.Json;

namespace AmiShare.LocalCloud.Seed;

/// <summary>
/// What a new LocalCloud starts with (docs/localcloud.md, "Seed"). Applied once, when the data store is new;
/// afterwards the stored state wins.
/// </summary>
public sealed record SeedDocument
{
    public IReadOnlyList<string> Regions { get; init; } = [];

    public SeedOrganization? Organization { get; init; }

    public IReadOnlyList<SeedAccount> Accounts { get; init; } = [];

    public IReadOnlyList<SeedPublicImage> PublicImages { get; init; } = [];
}

public sealed record SeedOrganization
{
    public required string Id { get; init; }

    public required string RootId { get; init; }

    public required string ManagementAccountId { get; init; }

    public IReadOnlyList<SeedOrganizationalUnit> Units { get; init; } = [];

    /// <summary>
    /// Service control policies and where they are attached. With none here and nothing detached, SCPs are
    /// off: as in an organization that never enabled them (or has only FullAWSAccess), they limit nothing.
    /// </summary>
    public IReadOnlyList<SeedServiceControlPolicy> ServiceControlPolicies { get; init; } = [];

    /// <summary>
    /// AWS attaches FullAWSAccess to the root, every unit and every account once SCPs are enabled; these
    /// targets have it detached, so they allow only what their own SCPs allow (the allow-list strategy).
    /// </summary>
    public IReadOnlyList<string> FullAwsAccessDetachedFrom { get; init; } = [];

    /// <summary>
    /// Resource control policies and where they are attached. RCPFullAWSAccess is everywhere and cannot be detached,
    /// and only it may Allow, so a seeded RCP holds Deny statements (with <c>"Principal": "*"</c>).
    /// </summary>
    public IReadOnlyList<SeedServiceControlPolicy> ResourceControlPolicies { get; init; } = [];

    /// <summary>
    /// EC2 declarative policies (type DECLARATIVE_POLICY_EC2) and where they are attached: they set the accounts'
    /// Allowed AMIs and block public access settings, which the accounts then cannot change (docs/localcloud.md).
    /// </summary>
    public IReadOnlyList<SeedServiceControlPolicy> DeclarativePolicies { get; init; } = [];

    /// <summary>Member accounts registered as delegated administrators for AWS Organizations: they may call its API.</summary>
    public IReadOnlyList<string> DelegatedAdministrators { get; init; } = [];
}

/// <summary>An SCP or RCP: a policy document attached to the root id, unit ids or member account ids.</summary>
public sealed record SeedServiceControlPolicy
{
    public required string Name { get; init; }

    public required IReadOnlyList<string> Targets { get; init; }

    /// <summary>The policy document, as a JSON object.</summary>
    public required JsonElement Document { get; init; }
}

public sealed record SeedOrganizationalUnit
{
    public required string Id { get; init; }

    public required string Name { get; init; }

    /// <summary>The root id (<c>r-…</c>) or another unit's id (<c>ou-…</c>).</summary>
    public required string ParentId { get; init; }
}

public sealed record SeedAccount
{
    public required string Id { get; init; }

    public required string Name { get; init; }

    /// <summary>Root or unit id inside the organization; absent means the account is outside it.</summary>
    public string? ParentId { get; init; }

    /// <summary>Absent: <see cref="SeedAccount.DefaultRootAccessKeyId"/>.</summary>
    public string? RootAccessKeyId { get; init; }

    /// <summary>Absent: <see cref="SeedAccount.DefaultRootSecretAccessKey"/>.</summary>
    public string? RootSecretAccessKey { get; init; }

    /// <summary>Documented, deterministic root key: <c>AKIAROOT</c> + the account id (20 characters like a real key).</summary>
    public static string DefaultRootAccessKeyId(string accountId) => "AKIAROOT" + accountId;

    public static string DefaultRootSecretAccessKey(string accountId) => "LocalCloudRootSecretKeyForAccount" + accountId;

    public string EffectiveRootAccessKeyId => RootAccessKeyId ?? DefaultRootAccessKeyId(Id);

    public string EffectiveRootSecretAccessKey => RootSecretAccessKey ?? DefaultRootSecretAccessKey(Id);
}

/// <summary>A public image (e.g. an Amazon base AMI) the EC2 service exposes to every account.</summary>
public sealed record SeedPublicImage
{
    public required string ImageId { get; init; }

    public required string Name { get; init; }

    public required string OwnerId { get; init; }

    public string? OwnerAlias { get; init; }

    /// <summary>A seeded region, or <see cref="EveryRegion"/>: the same image id in each of the seed's regions.</summary>
    public required string Region { get; init; }

    /// <summary>
    /// <c>"*"</c>: the image in every seeded region under one id. AWS gives a public image a different id in each
    /// region; emulators (moto's default catalogue) use one id everywhere, and suites written for them launch it so.
    /// </summary>
    public const string EveryRegion = "*";

    public string RootDeviceName { get; init; } = "/dev/xvda";

    public int SizeGiB { get; init; } = 8;

    /// <summary>The EBS volume type of the image's root device mapping (old public AMIs use <c>standard</c>).</summary>
    public string VolumeType { get; init; } = "gp2";

    /// <summary>How much emulated block content backs the image's snapshot.</summary>
    public int ContentMiB { get; init; } = 4;
}
