using System.Collections.Immutable;

namespace AmiShare.Core.Model;

/// <summary>What the user asked for: <c>amishare share IMAGE… --with TARGET… [options]</c>.</summary>
/// <param name="Images">AMI ids or exact names, resolved against the discovered images.</param>
/// <param name="Regions">Regions to share in; empty means every region of the discovered images.</param>
/// <param name="AllowCopy">Also grant createVolumePermission on the snapshots so targets can copy.</param>
/// <param name="Principals">IAM principal ARNs to name in key policies instead of the target account roots.</param>
/// <param name="Asg">Also allow the targets' Auto Scaling service-linked role, through a grant.</param>
/// <param name="ReencryptKey">Customer managed key (ARN, id or alias) to copy aws/ebs or unencrypted images under.</param>
/// <param name="DestinationRegions">Regions each image is copied into (<c>--to-region</c>) and shared there; empty means none.</param>
/// <param name="RegionKeys">Region → key (ARN, id or alias) a copy into that Region is encrypted under (the Region map of <c>--reencrypt-key</c>).</param>
public sealed record ShareRequest(
    ImmutableArray<string> Images,
    ImmutableArray<ShareTarget> Targets,
    ImmutableArray<string> Regions = default,
    bool AllowCopy = false,
    ImmutableArray<string> Principals = default,
    bool Asg = false,
    string? ReencryptKey = null,
    ImmutableArray<string> DestinationRegions = default,
    ImmutableDictionary<string, string>? RegionKeys = null)
{
    public ImmutableArray<string> RegionsOrEmpty => Regions.IsDefault ? [] : Regions;

    public ImmutableArray<string> DestinationRegionsOrEmpty => DestinationRegions.IsDefault ? [] : DestinationRegions;

    /// <summary>The key a copy into <paramref name="region"/> is encrypted under: the Region map's entry, else none (never aws/ebs).</summary>
    public string? KeyFor(string region) => RegionKeys is not null && RegionKeys.TryGetValue(region, out var key) ? key : null;

    public ImmutableArray<string> PrincipalsOrEmpty => Principals.IsDefault ? [] : Principals;

    /// <summary><c>--replicate-key</c>: a multi-Region key without a replica in a destination gets one (ReplicateKey) instead of a refusal.</summary>
    public bool ReplicateKey { get; init; }

    /// <summary><c>--to-region all-enabled</c>: every Region the account has enabled (DescribeRegions) is a destination.</summary>
    public bool AllEnabledRegions { get; init; }

    /// <summary><c>--fold-wider</c>: accept a key-policy fold into organization conditions that also admits accounts not asked for.</summary>
    public bool FoldWider { get; init; }

    /// <summary><c>--expand-targets</c>: organization/OU targets get per-account createVolumePermission through their members.</summary>
    public bool ExpandTargets { get; init; }
}

/// <summary>What the user asked to take back: <c>amishare unshare IMAGE… --from TARGET…</c>.</summary>
public sealed record UnshareRequest(ImmutableArray<string> Images, ImmutableArray<ShareTarget> Targets, ImmutableArray<string> Regions = default)
{
    public ImmutableArray<string> RegionsOrEmpty => Regions.IsDefault ? [] : Regions;

    /// <summary><c>--deregister-copies</c>: also deregister AmiShare's copies of the images (tag amishare:copy-of) and delete their snapshots.</summary>
    public bool DeregisterCopies { get; init; }
}
