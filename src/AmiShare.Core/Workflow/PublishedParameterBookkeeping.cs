using System.Collections.Immutable;
using AmiShare.Core.Execution;
using AmiShare.Core.Model;
using AmiShare.Core.Planning;

namespace AmiShare.Core.Workflow;

/// <summary>What a command keeps in the ledger around its apply: widened before it, replaced once it succeeded.</summary>
public interface IApplyBookkeeping
{
    /// <summary>Before the apply: the record widened by what the run is about to do, so a failed run forgets nothing.</summary>
    Task WidenAsync(IShareLedger ledger, PlannedChange planned, CancellationToken cancellationToken);

    /// <summary>After a successful apply (or a plan with nothing to do, <paramref name="applied"/> null): the new record.</summary>
    Task RecordAsync(IShareLedger ledger, PlannedChange planned, AppliedChange? applied, CancellationToken cancellationToken);
}

/// <summary>
/// <c>share --expand-targets --ssm-parameter NAME</c>: the ledger's record of whom NAME was published to, per Region and
/// organization/OU target (<see cref="PublishedParameterRecord"/>), read before planning. A later run deletes a departed
/// member's parameter from it; the member is forgotten only once a run that planned that succeeded.
/// </summary>
public sealed record PublishedParameterBookkeeping(string Name, ImmutableArray<TargetExpansion> Expansions, ImmutableArray<RecordedExpansion> Recorded) : IApplyBookkeeping
{
    /// <summary>The record for the Regions the share publishes in (read before <see cref="ParameterWithdrawalWorkflow.DepartedAsync"/>).</summary>
    public static async Task<ImmutableArray<RecordedExpansion>> ReadAsync(IShareLedger ledger, PlannedChange planned, string name, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ledger);
        ArgumentNullException.ThrowIfNull(planned);
        var keys = PublishedParameterRecord.Keys(name, PublishingPlanner.SharedImages(planned.Plan, planned.State).Select(i => i.Region));
        return keys.IsEmpty ? [] : [.. await ledger.ReadExpansionsAsync(planned.State.SourceAccount, keys, cancellationToken).ConfigureAwait(false)];
    }

    public Task WidenAsync(IShareLedger ledger, PlannedChange planned, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(planned);
        // A copy made by this run has no id yet: it is recorded after the apply.
        var about = Publications(planned.Plan.Steps.Where(s => s.Status is StepStatus.Pending or StepStatus.AlreadyDone).Select(s => (s, s.Resource)));
        return WriteAsync(ledger, planned.State.SourceAccount, PublishedParameterRecord.Widened(Name, Expansions, about, Recorded), cancellationToken);
    }

    public Task RecordAsync(IShareLedger ledger, PlannedChange planned, AppliedChange? applied, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(planned);
        var done = applied is null
            ? Publications(planned.Plan.Steps.Where(s => s.Status == StepStatus.AlreadyDone).Select(s => (s, s.Resource)))
            : Publications(applied.Outcomes.Where(o => o.Kind is StepOutcomeKind.Applied or StepOutcomeKind.AlreadyDone).Select(o => (o.Step, o.Resource)));
        return WriteAsync(ledger, planned.State.SourceAccount, PublishedParameterRecord.ToRecord(Name, Expansions, done, Recorded), cancellationToken);
    }

    /// <summary>Each account's parameter written (or found holding the image), with the real image id it holds.</summary>
    private ImmutableArray<ParameterPublication> Publications(IEnumerable<(PlanStep Step, string ImageId)> steps) =>
        [.. steps
            .Where(s => s.Step.Action == PlanAction.PublishImageParameter && !PlanStep.IsSymbolic(s.ImageId))
            .Select(s => (s.ImageId, Details: s.Step.Details as ImageParameterDetails))
            .Where(s => s.Details is { Account: not null } d && d.Name == Name)
            .Select(s => new ParameterPublication(s.Details!.Account!, s.Details.Region, s.ImageId))];

    private Task WriteAsync(IShareLedger ledger, string sourceAccount, ImmutableArray<RecordedExpansion> records, CancellationToken cancellationToken) =>
        ExpansionBookkeeping.WriteChangesAsync(ledger, sourceAccount, records, Recorded, cancellationToken);
}
