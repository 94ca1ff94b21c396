using System.Collections.Concurrent;
using System.Collections.Immutable;
using AmiShare.Core.Execution;
using AmiShare.Core.Model;
using AmiShare.Core.Planning;
using AmiShare.Core.Ports;

namespace AmiShare.Core.Workflow;

/// <summary>
/// Adds the deletion of AmiShare's SSM parameters to an unshare, a retire or an expanded share: reads the parameter in
/// each holder account and Region through its role, and plans with <see cref="ParameterWithdrawalPlanner"/>.
/// </summary>
public sealed class ParameterWithdrawalWorkflow(TargetAccountConnector connectTarget)
{
    /// <summary>unshare --ssm-parameter: the named accounts lose every image the plan unshares; deletions run first.</summary>
    public async Task<PlannedChange> UnshareAsync(PlannedChange planned, string name, ImmutableArray<ShareTarget> targets, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(planned);
        if (planned.Plan.IsBlocked)
        {
            return planned;
        }

        var images = ParameterWithdrawalPlanner.UnsharedImages(planned.Plan);
        var holders = targets.Where(t => t.IsAccount).Select(t => new ParameterHolder(t.Value, $"unshare takes {string.Join(", ", images.Select(i => i.ImageId))} back from it")).ToList();
        var facts = await ReadAsync(name, images, holders, cancellationToken).ConfigureAwait(false);
        var plan = ParameterWithdrawalPlanner.WarnGroups(ParameterWithdrawalPlanner.Prepend(planned.Plan, name, images, holders, facts), name, targets);
        return Named(planned, plan, name);
    }

    /// <summary>retire --ssm-parameter: every account the image or a copy is shared with loses it; deletions run first.</summary>
    public async Task<PlannedChange> RetireAsync(PlannedChange planned, string name, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(planned);
        if (planned.Plan.IsBlocked)
        {
            return planned;
        }

        var images = planned.State.Images.Select(i => new WithdrawnImage(i.Id, i.Region)).Distinct().ToImmutableArray();
        var targets = planned.State.Images.SelectMany(i => i.LaunchPermissions).DistinctBy(t => t.Value).ToImmutableArray();
        var holders = targets.Where(t => t.IsAccount).Select(t => new ParameterHolder(t.Value, "the image is retired")).ToList();
        var facts = await ReadAsync(name, images, holders, cancellationToken).ConfigureAwait(false);
        var plan = ParameterWithdrawalPlanner.Prepend(planned.Plan, name, images, holders, facts);
        plan = targets.Any(t => !t.IsAccount)
            ? plan with { Findings = [.. plan.Findings, .. targets.Where(t => !t.IsAccount).Select(t => PlanFinding.Warning("ParameterInGroupLeft", t.Value, $"The image is shared with {t.Value}, a group: {name} is left in its members' accounts, which AmiShare cannot list here. Where it holds a retired image, delete it there: aws ssm delete-parameter --name {name} --region R, for R in {string.Join(", ", images.Select(i => i.Region).Distinct(StringComparer.Ordinal))}."))] }
            : plan;
        return Named(planned, plan, name);
    }

    /// <summary>
    /// share --expand-targets --ssm-parameter: the members recorded as published to under this name
    /// (<paramref name="published"/>, per Region) or, from older ledgers, as granted createVolumePermission on the shared
    /// images (<paramref name="recorded"/>) that left the expanded targets lose the images, so their parameters go too,
    /// when they hold an image AmiShare published under the name from this source. A departed account whose role
    /// cannot be assumed is reported with the command to run there, and the run goes on.
    /// </summary>
    public async Task<PlannedChange> DepartedAsync(PlannedChange planned, string name, ImmutableArray<TargetExpansion> expansions, ImmutableArray<ShareTarget> targets, ImmutableArray<RecordedExpansion> recorded, ImmutableArray<RecordedExpansion> published, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(planned);
        if (planned.Plan.IsBlocked || (recorded.IsDefaultOrEmpty && published.IsDefaultOrEmpty))
        {
            return planned;
        }

        var shared = PublishingPlanner.SharedImages(planned.Plan, planned.State);
        var withdrawals = PublishedParameterRecord.Withdrawals(name, shared, expansions, targets, planned.State.SourceAccount, recorded, published);
        if (withdrawals.IsEmpty)
        {
            return planned;
        }

        var because = $"it left {string.Join(", ", expansions.Select(e => e.Target.Value))}, so the share no longer reaches it";
        var departed = withdrawals.SelectMany(w => w.Departed).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var holders = departed.Select(a => new ParameterHolder(a, because, Departed: true)).ToList();
        var facts = await ReadAsync(name, [.. withdrawals.SelectMany(w => w.Images)], holders, cancellationToken).ConfigureAwait(false);
        var plan = PublishedParameterRecord.Withdraw(planned.Plan, name, withdrawals, because, facts);
        return planned with { Plan = plan, Fingerprint = PlanExecutor.Fingerprint(planned.Command, planned.State.SourceAccount, [planned.Fingerprint, .. departed.Select(a => "departed=" + a)]) };
    }

    private static PlannedChange Named(PlannedChange planned, SharePlan plan, string name) =>
        planned with { Plan = plan, Fingerprint = PlanExecutor.Fingerprint(planned.Command, planned.State.SourceAccount, [planned.Fingerprint, "ssm=" + name]) };

    private async Task<ParameterFacts> ReadAsync(string name, ImmutableArray<WithdrawnImage> images, IReadOnlyList<ParameterHolder> holders, CancellationToken cancellationToken)
    {
        var parameters = new ConcurrentDictionary<(string, string), ParameterState?>();
        var unreachable = new ConcurrentDictionary<string, string>(StringComparer.Ordinal);
        var regions = images.Select(i => i.Region).Distinct(StringComparer.Ordinal).ToList();
        await Parallel.ForEachAsync(holders.DistinctBy(h => h.Account), cancellationToken, async (holder, ct) =>
        {
            try
            {
                var store = await connectTarget.ParameterStoreAsync(holder.Account, ct).ConfigureAwait(false);
                foreach (var region in regions)
                {
                    parameters[(holder.Account, region)] = await store.GetParameterAsync(region, name, ct).ConfigureAwait(false);
                }
            }
            catch (CloudOperationException e) when (holder.Departed && e.Kind is CloudErrorKind.AccessDenied or CloudErrorKind.NotFound or CloudErrorKind.Credentials)
            {
                // An account that left may have left the organization, and its role with it (AssumeRole denied is a
                // credentials error): reported in the plan with the command to run there, not fatal.
                unreachable[holder.Account] = $"{e.Operation}: {e.Code}";
            }
        }).ConfigureAwait(false);
        return new ParameterFacts(parameters.ToImmutableDictionary(), unreachable.ToImmutableDictionary(StringComparer.Ordinal));
    }
}
