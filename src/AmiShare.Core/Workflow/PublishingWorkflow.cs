using System.Collections.Concurrent;
using System.Collections.Immutable;
using AmiShare.Core.Execution;
using AmiShare.Core.Planning;
using AmiShare.Core.Ports;

namespace AmiShare.Core.Workflow;

/// <summary>
/// Adds the publishing and lifecycle steps to a planned share: reads what exists (each target's parameter, each
/// shared image's lifecycle), plans with <see cref="PublishingPlanner"/>, and names the run with the new options.
/// </summary>
public sealed class PublishingWorkflow(ICloudAccount source, TargetAccountConnector? connectTarget)
{
    /// <param name="targets">The share's targets, as the user named them.</param>
    public async Task<PlannedChange> ExtendAsync(PlannedChange planned, PublishingRequest request, ImmutableArray<Model.ShareTarget> targets, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(planned);
        ArgumentNullException.ThrowIfNull(request);
        if (request.IsEmpty || planned.Plan.IsBlocked)
        {
            return planned;
        }

        var images = PublishingPlanner.SharedImages(planned.Plan, planned.State);
        var facts = await ReadFactsAsync(request, images, targets, cancellationToken).ConfigureAwait(false);
        var plan = PublishingPlanner.Extend(planned.Plan, request, images, targets, facts);
        var fingerprint = PlanExecutor.Fingerprint(planned.Command, planned.State.SourceAccount, [planned.Fingerprint, .. request.Arguments]);
        return planned with { Plan = plan, Fingerprint = fingerprint };
    }

    private async Task<PublishingFacts> ReadFactsAsync(PublishingRequest request, ImmutableArray<SharedImageRef> images, ImmutableArray<Model.ShareTarget> targets, CancellationToken cancellationToken)
    {
        var lifecycle = new ConcurrentDictionary<string, ImageLifecycleState>(StringComparer.Ordinal);
        if ((request.DeprecateAt is not null || request.Protect) && source is IImageLifecycle reads)
        {
            await Parallel.ForEachAsync(images.Where(i => !i.IsPlanned), cancellationToken, async (image, ct) =>
            {
                if (await reads.DescribeImageLifecycleAsync(image.Region, image.Resource, ct).ConfigureAwait(false) is { } state)
                {
                    lifecycle[image.Resource] = state;
                }
            }).ConfigureAwait(false);
        }

        var parameters = new ConcurrentDictionary<(string, string), ParameterState?>();
        if (request.ParameterName is { } name && request.HasTargetCredentials && connectTarget is { } connect)
        {
            var pairs = targets.Where(t => t.IsAccount).SelectMany(t => images.Select(i => i.Region).Distinct(StringComparer.Ordinal).Select(r => (Account: t.Value, Region: r)));
            await Parallel.ForEachAsync(pairs, cancellationToken, async (pair, ct) =>
            {
                var store = await connect.ParameterStoreAsync(pair.Account, ct).ConfigureAwait(false);
                parameters[pair] = await store.GetParameterAsync(pair.Region, name, ct).ConfigureAwait(false);
            }).ConfigureAwait(false);
        }

        return new PublishingFacts(parameters.ToImmutableDictionary(), lifecycle.ToImmutableDictionary(StringComparer.Ordinal));
    }
}
