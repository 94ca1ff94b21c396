using System.Collections.Immutable;
using AmiShare.Core.Model;

namespace AmiShare.Core.Planning;

/// <summary>In one Region, the departed accounts whose parameter is looked at, and the images it may hold to be deleted.</summary>
public sealed record RegionWithdrawal(string Region, ImmutableArray<string> Departed, ImmutableArray<WithdrawnImage> Images);

/// <summary>One account's SSM parameter that a share wrote, or found already holding the image, in one Region.</summary>
public sealed record ParameterPublication(string Account, string Region, string ImageId);

/// <summary>
/// The record of whom <c>share --expand-targets --ssm-parameter NAME</c> published NAME to, kept per (Region, NAME) and
/// not per image: a golden pipeline shares a new image under the same name each time, so a member that left between two
/// image versions still shows. It rides on the expansion record (<see cref="RecordedExpansion"/>) with no schema change:
/// its ImageId is <see cref="Key"/> (<c>ssm-parameter:REGION:NAME</c>, which no image id starts with), its Target the
/// organization/OU target and its Accounts the members published to; under the pseudo target <see cref="ImagesTarget"/>
/// its Accounts are the image ids published under NAME in that Region instead. Pure.
/// </summary>
/// <remarks>
/// Safety rule for a departed member's parameter: it is deleted only when AmiShare's mark is on it and its value is an
/// image id recorded here as published under that name, in that Region, from this source account (the ledger is kept per
/// source account). The mark's own source image id is not used: it names the image the user shared, which may be
/// another account's or a copy's origin, so it cannot prove the value came from this source. The image list is never
/// pruned: a member that left many versions ago may still hold an old one; it grows by one id per new image and Region.
/// </remarks>
public static class PublishedParameterRecord
{
    public const string KeyPrefix = "ssm-parameter:";

    /// <summary>The pseudo target holding the published image ids: <c>#</c> begins no organization/OU id or ARN.</summary>
    public const string ImagesTarget = "#images";

    public static string Key(string region, string name) => $"{KeyPrefix}{region}:{name}";

    /// <summary>True for this record's key: the createVolumePermission planner, which looks only at images, skips it.</summary>
    public static bool IsKey(string imageId) => imageId.StartsWith(KeyPrefix, StringComparison.Ordinal);

    public static ImmutableArray<string> Keys(string name, IEnumerable<string> regions) =>
        [.. regions.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).Select(r => Key(r, name))];

    /// <summary>
    /// The accounts recorded under NAME in <paramref name="region"/> for a target expanded now that are no longer a
    /// member of any expanded target, nor named, nor the source, nor held through a target this run does not expand.
    /// </summary>
    public static ImmutableArray<string> Departed(string name, string region, ImmutableArray<TargetExpansion> expansions, ImmutableArray<ShareTarget> targets, string sourceAccount, ImmutableArray<RecordedExpansion> recorded)
    {
        var entitled = expansions.SelectMany(e => e.Accounts).Concat(targets.Where(t => t.IsAccount).Select(t => t.Value)).Append(sourceAccount).ToHashSet(StringComparer.Ordinal);
        var expanded = expansions.Select(e => e.Target.Value).ToHashSet(StringComparer.Ordinal);
        var records = Members(recorded, name, region).ToList();
        var heldElsewhere = records.Where(r => !expanded.Contains(r.Target)).SelectMany(r => r.Accounts).ToHashSet(StringComparer.Ordinal);
        return [.. records.Where(r => expanded.Contains(r.Target)).SelectMany(r => r.Accounts)
            .Where(a => !entitled.Contains(a) && !heldElsewhere.Contains(a))
            .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
    }

    /// <summary>
    /// Per Region the share reaches, the departed members whose parameter is withdrawn: those of this record, and (from
    /// ledgers an --allow-copy run wrote) those of the createVolumePermission record of the shared images. The images
    /// their parameter may hold to be deleted are the shared ones and every one recorded as published under NAME.
    /// </summary>
    /// <param name="recorded">The createVolumePermission record of the shared images.</param>
    /// <param name="published">This record, for NAME in the shared images' Regions.</param>
    public static ImmutableArray<RegionWithdrawal> Withdrawals(string name, ImmutableArray<SharedImageRef> shared, ImmutableArray<TargetExpansion> expansions, ImmutableArray<ShareTarget> targets, string sourceAccount, ImmutableArray<RecordedExpansion> recorded, ImmutableArray<RecordedExpansion> published)
    {
        recorded = recorded.IsDefault ? [] : recorded;
        published = published.IsDefault ? [] : published;
        var byImage = TargetExpansionPlanner.Departed(shared, expansions, targets, sourceAccount, recorded);
        return [.. shared.Select(i => i.Region).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)
            .Select(region => new RegionWithdrawal(
                region,
                Sorted(byImage.Concat(Departed(name, region, expansions, targets, sourceAccount, published))),
                [.. Sorted(shared.Where(i => !i.IsPlanned && i.Region == region).Select(i => i.Resource).Concat(PublishedImages(name, region, published))).Select(id => new WithdrawnImage(id, region))]))
            .Where(w => !w.Departed.IsEmpty && !w.Images.IsEmpty)];
    }

    /// <summary>The plan with each Region's deletions for its departed members (<see cref="ParameterWithdrawalPlanner"/>'s safety rules).</summary>
    public static SharePlan Withdraw(SharePlan plan, string name, ImmutableArray<RegionWithdrawal> withdrawals, string because, ParameterFacts facts)
    {
        foreach (var withdrawal in withdrawals)
        {
            plan = ParameterWithdrawalPlanner.Append(plan, name, withdrawal.Images, [.. withdrawal.Departed.Select(a => new ParameterHolder(a, because, Departed: true))], facts);
        }

        return plan;
    }

    /// <summary>The image ids recorded as published under NAME in <paramref name="region"/>: a departed member's parameter may hold any of them.</summary>
    public static ImmutableArray<string> PublishedImages(string name, string region, ImmutableArray<RecordedExpansion> recorded) =>
        [.. Of(recorded, name, region).Where(r => r.Target == ImagesTarget).SelectMany(r => r.Accounts).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];

    /// <summary>
    /// After a successful apply: per Region and expanded target, the target's members whose parameter now holds the
    /// image (departed members drop out), and the Region's image ids widened by those published now.
    /// </summary>
    public static ImmutableArray<RecordedExpansion> ToRecord(string name, ImmutableArray<TargetExpansion> expansions, ImmutableArray<ParameterPublication> published, ImmutableArray<RecordedExpansion> recorded)
    {
        var records = new List<RecordedExpansion>();
        foreach (var region in published.Select(p => p.Region).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            var here = published.Where(p => p.Region == region).ToList();
            var accounts = here.Select(p => p.Account).ToHashSet(StringComparer.Ordinal);
            records.AddRange(expansions.Select(e => new RecordedExpansion(Key(region, name), e.Target.Value, Sorted(e.Accounts.Where(accounts.Contains)))));
            records.Add(new RecordedExpansion(Key(region, name), ImagesTarget, Sorted(PublishedImages(name, region, recorded).Concat(here.Select(p => p.ImageId)))));
        }

        return [.. records];
    }

    /// <summary>
    /// Before the apply: <see cref="ToRecord"/> of what is about to be published, forgetting no one recorded before, so a
    /// run that fails part-way leaves the next one every member it may have written to (and every departed one).
    /// </summary>
    public static ImmutableArray<RecordedExpansion> Widened(string name, ImmutableArray<TargetExpansion> expansions, ImmutableArray<ParameterPublication> published, ImmutableArray<RecordedExpansion> recorded) =>
        [.. ToRecord(name, expansions, published, recorded).Select(r => r with
        {
            Accounts = Sorted(r.Accounts.Concat(recorded.IsDefault ? [] : recorded.Where(p => p.ImageId == r.ImageId && p.Target == r.Target).SelectMany(p => p.Accounts))),
        })];

    private static IEnumerable<RecordedExpansion> Members(ImmutableArray<RecordedExpansion> recorded, string name, string region) =>
        Of(recorded, name, region).Where(r => r.Target != ImagesTarget);

    private static IEnumerable<RecordedExpansion> Of(ImmutableArray<RecordedExpansion> recorded, string name, string region) =>
        recorded.IsDefault ? [] : recorded.Where(r => r.ImageId == Key(region, name));

    private static ImmutableArray<string> Sorted(IEnumerable<string> values) => [.. values.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
}
