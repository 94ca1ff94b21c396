using System.Collections.Concurrent;
using System.Collections.Immutable;
using AmiShare.Core.Execution;
using AmiShare.Core.Model;
using AmiShare.Core.Planning;
using AmiShare.Core.Ports;

namespace AmiShare.Core.Workflow;

/// <summary>
/// <c>amishare retire</c> up to the plan: finds the image and AmiShare's copies of it in every Region named, reads
/// their launch permissions and lifecycle, asks each target account (with <paramref name="targets"/>) what still
/// runs from them, and plans with <see cref="RetirePlanner"/>. <see cref="ShareWorkflow.ApplyAsync"/> applies it.
/// </summary>
public sealed class RetireWorkflow(ICloudAccount source, string homeRegion, TargetAccountConnector? targets, TimeProvider time)
{
    public async Task<PlannedChange> PlanAsync(RetireRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var lifecycle = source as IImageLifecycle ?? throw new InvalidOperationException("The source account cannot make image lifecycle calls.");
        var identity = await source.GetCallerIdentityAsync(cancellationToken).ConfigureAwait(false);
        var query = request.Image.StartsWith("ami-", StringComparison.Ordinal) ? new ImageQuery(ImageIds: [request.Image]) : new ImageQuery(Names: [request.Image]);
        var original = (await source.DescribeOwnedImagesAsync(homeRegion, query, cancellationToken).ConfigureAwait(false)).FirstOrDefault(i => i.CopyOf is null);
        var regions = request.Regions.Prepend(homeRegion).Distinct(StringComparer.Ordinal).ToImmutableArray();
        var found = new ConcurrentBag<ImageDescription>();
        if (original is not null)
        {
            found.Add(original);
            await Parallel.ForEachAsync(regions, cancellationToken, async (region, ct) =>
            {
                foreach (var copy in await source.DescribeOwnedImagesAsync(region, new ImageQuery(CopiesOf: [original.Id]), ct).ConfigureAwait(false))
                {
                    found.Add(copy);
                }
            }).ConfigureAwait(false);
        }

        var images = new ConcurrentBag<RetiredImage>();
        await Parallel.ForEachAsync(found, cancellationToken, async (image, ct) =>
        {
            var state = await lifecycle.DescribeImageLifecycleAsync(image.Region, image.Id, ct).ConfigureAwait(false);
            var permissions = await source.GetLaunchPermissionsAsync(image.Region, image.Id, ct).ConfigureAwait(false);
            if (state is not null)
            {
                images.Add(new RetiredImage(image.Id, image.Region, image.CopyOf is not null, permissions.Targets, state));
            }
        }).ConfigureAwait(false);

        var ordered = images.OrderBy(i => i.IsCopy).ThenBy(i => i.Region, StringComparer.Ordinal).ThenBy(i => i.Id, StringComparer.Ordinal).ToImmutableArray();
        var checkTargets = targets is not null && ordered.All(i => i.LaunchPermissions.All(t => t.IsAccount));
        var uses = checkTargets ? await ReadUsesAsync(ordered, targets!, cancellationToken).ConfigureAwait(false) : [];
        var facts = new RetireFacts(original?.Id ?? request.Image, ordered, uses, checkTargets, time.GetUtcNow());
        var plan = RetirePlanner.Plan(request, facts);
        var state = new DiscoveredState(
            identity.Account,
            [.. ordered.Select(i => new ImageState(i.Id, string.Empty, identity.Account, i.Region, ImageAvailability.Available, i.LaunchPermissions, i.Lifecycle.Snapshots, SourceImageId: i.IsCopy ? facts.Image : null))],
            [],
            []);
        var arguments = new[] { facts.Image, $"force={request.Force}" }.Concat(regions.Select(r => "region=" + r));
        return new PlannedChange("retire", state, plan, PlanExecutor.Fingerprint("retire", identity.Account, arguments), regions);
    }

    private static async Task<ImmutableArray<ImageUse>> ReadUsesAsync(ImmutableArray<RetiredImage> images, TargetAccountConnector connect, CancellationToken cancellationToken)
    {
        var uses = new ConcurrentBag<ImageUse>();
        var pairs = images.SelectMany(i => i.LaunchPermissions.Select(t => (Image: i, Account: t.Value)));
        await Parallel.ForEachAsync(pairs, cancellationToken, async (pair, ct) =>
        {
            var target = await connect(pair.Account, ct).ConfigureAwait(false) as IImageLifecycle
                ?? throw new InvalidOperationException("The target account cannot describe instances.");
            var running = await target.DescribeRunningInstancesOfImageAsync(pair.Image.Region, pair.Image.Id, ct).ConfigureAwait(false);
            uses.Add(new ImageUse(pair.Image.Id, pair.Image.Region, pair.Account, running));
        }).ConfigureAwait(false);
        return [.. uses.OrderBy(u => u.Account, StringComparer.Ordinal).ThenBy(u => u.Region, StringComparer.Ordinal)];
    }
}
