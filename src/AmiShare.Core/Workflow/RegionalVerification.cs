using System.Collections.Immutable;
using AmiShare.Core.Model;
using AmiShare.Core.Ports;

namespace AmiShare.Core.Workflow;

/// <summary>One Region's verify report; <see cref="Image"/> is what was checked there (the image, or AmiShare's copy of it).</summary>
public sealed record RegionVerifyReport(string Region, string Image, VerifyReport Report);

/// <summary>verify over several Regions: the first is the image's home, each other holds AmiShare's copy of it.</summary>
public sealed record MultiRegionVerifyReport(ImmutableArray<RegionVerifyReport> Regions)
{
    public bool Passed => Regions.All(r => r.Report.Passed);

    public RegionVerifyReport Home => Regions[0];
}

/// <summary>
/// Runs <see cref="ShareVerifier"/> in each Region of a multi-Region share (issue 12): the named image in the home
/// Region, and in every other Region the copy AmiShare made there (tag <c>amishare:copy-of</c>, found with the source
/// credentials). Regions are independent and are checked in parallel. A Region with no copy fails with the share
/// command that makes one.
/// </summary>
public sealed class RegionalVerification(ShareVerifier verifier, ICloudAccount target, ICloudAccount? source)
{
    public async Task<MultiRegionVerifyReport> VerifyAsync(VerifyRequest request, ImmutableArray<string> regions, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (regions.IsDefaultOrEmpty)
        {
            regions = [request.Region];
        }

        var home = regions[0];
        var original = regions.Length > 1 ? await RegionalCopies.OriginalIdAsync(source, request.Image, home, cancellationToken).ConfigureAwait(false) : null;
        var reports = await Task.WhenAll(regions.Select((region, index) => index == 0
            ? VerifyInAsync(request with { Region = home }, progress, cancellationToken)
            : VerifyCopyAsync(request, original, home, region, progress, cancellationToken))).ConfigureAwait(false);
        return new MultiRegionVerifyReport([.. reports]);
    }

    private async Task<RegionVerifyReport> VerifyInAsync(VerifyRequest request, IProgress<string>? progress, CancellationToken cancellationToken) =>
        new(request.Region, request.Image, await verifier.VerifyAsync(request, progress, cancellationToken).ConfigureAwait(false));

    private async Task<RegionVerifyReport> VerifyCopyAsync(VerifyRequest request, string? original, string home, string region, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        var copy = source is null || original is null ? null : await RegionalCopies.CopyInAsync(source, original, region, cancellationToken).ConfigureAwait(false);
        if (copy is not null)
        {
            return await VerifyInAsync(request with { Image = copy.Id, Region = region }, progress, cancellationToken).ConfigureAwait(false);
        }

        var caller = await target.GetCallerIdentityAsync(cancellationToken).ConfigureAwait(false);
        var named = original ?? request.Image;
        var check = source is null
            ? new VerifyCheck("image in Region", CheckStatus.Unknown, $"Without source credentials AmiShare's copy of {named} in {region} cannot be found (it is tagged amishare:copy-of in the source account).", "rerun with the source account's credentials (--profile or --role-arn) as well as the target's")
            : new VerifyCheck("image in Region", CheckStatus.Fail, $"{named} has no available copy by AmiShare in {region} (tag amishare:copy-of={named}), so nothing there can be launched.", $"amishare share {named} --with {caller.Account} --region {home} --to-region {region} --reencrypt-key {region}=KEY");
        return new RegionVerifyReport(region, named, new VerifyReport(caller.Account, caller.Arn, named, [check]));
    }
}

/// <summary>Finds a multi-Region share's images: the named one in its home Region, and AmiShare's copy of it in another.</summary>
public static class RegionalCopies
{
    /// <summary>The id of the named image in its home Region (a name is resolved with the source credentials); null when it cannot be.</summary>
    public static async Task<string?> OriginalIdAsync(ICloudAccount? source, string image, string home, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (image.StartsWith("ami-", StringComparison.Ordinal))
        {
            return image;
        }

        if (source is null)
        {
            return null;
        }

        var named = await source.DescribeOwnedImagesAsync(home, new ImageQuery(Names: [image]), cancellationToken).ConfigureAwait(false);
        return named.Where(i => i.CopyOf is null).Select(i => i.Id).FirstOrDefault();
    }

    /// <summary>AmiShare's available copy of <paramref name="original"/> in <paramref name="region"/> (tag amishare:copy-of), or null.</summary>
    public static async Task<ImageDescription?> CopyInAsync(ICloudAccount source, string original, string region, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        var copies = await source.DescribeOwnedImagesAsync(region, new ImageQuery(CopiesOf: [original]), cancellationToken).ConfigureAwait(false);
        return copies.Where(c => c.State == Ec2ImageState.Available).OrderBy(c => c.Id, StringComparer.Ordinal).FirstOrDefault();
    }
}
