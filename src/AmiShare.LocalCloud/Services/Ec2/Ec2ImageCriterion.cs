using System.Collections.Immutable;
using System.Text.RegularExpressions;

namespace AmiShare.LocalCloud.Services.Ec2;

/// <summary>
/// One criterion of the Allowed AMIs setting (EC2 API Reference, ImageCriterion). An image matches a criterion when
/// it meets every parameter the criterion sets; it is allowed when it matches any criterion. Providers are account ids
/// or the aliases <c>amazon</c>, <c>aws-marketplace</c>, <c>aws-backup-vault</c> (<c>none</c>: the account's own only);
/// names take <c>*</c> and <c>?</c>; the day limits count from the image's creation and deprecation times.
/// </summary>
public sealed record Ec2ImageCriterion
{
    public ImmutableArray<string> ImageProviders { get; init; } = [];

    public ImmutableArray<string> ImageNames { get; init; } = [];

    public ImmutableArray<string> MarketplaceProductCodes { get; init; } = [];

    /// <summary>CreationDateCondition.MaximumDaysSinceCreated: images created at most this many days ago.</summary>
    public int? MaximumDaysSinceCreated { get; init; }

    /// <summary>DeprecationTimeCondition.MaximumDaysSinceDeprecated: images not deprecated, or deprecated at most this many days ago.</summary>
    public int? MaximumDaysSinceDeprecated { get; init; }

    public bool Matches(Ec2Image image, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(image);
        return (ImageProviders.IsDefaultOrEmpty || ImageProviders.Any(p => p == image.OwnerId || (image.OwnerAlias is { } alias && p == alias)))
            && (ImageNames.IsDefaultOrEmpty || ImageNames.Any(pattern => NameMatches(pattern, image.Name)))
            // LocalCloud has no Marketplace images (none carries a product code), so a criterion naming codes matches none.
            && MarketplaceProductCodes.IsDefaultOrEmpty
            && (MaximumDaysSinceCreated is not { } created || now - image.CreationDate <= TimeSpan.FromDays(created))
            && (MaximumDaysSinceDeprecated is not { } deprecated || image.DeprecationTime is not { } at || at > now || now - at <= TimeSpan.FromDays(deprecated));
    }

    private static bool NameMatches(string pattern, string name) =>
        Regex.IsMatch(name, "^" + Regex.Escape(pattern).Replace("\\*", ".*", StringComparison.Ordinal).Replace("\\?", ".", StringComparison.Ordinal) + "$", RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
}
