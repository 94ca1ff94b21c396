using System.Collections.Immutable;
using AmiShare.Core.Execution;
using AmiShare.Core.Model;
using AmiShare.Core.Planning;
using AmiShare.Core.Ports;

namespace AmiShare.Core.Workflow;

/// <summary>
/// <c>--expand-targets</c>: resolves each organization/OU target to its member accounts through Organizations and adds
/// the per-account createVolumePermission steps to a planned share (<see cref="TargetExpansionPlanner"/>).
/// </summary>
public sealed class TargetExpansionWorkflow(IOrganizationMembers organizations)
{
    /// <summary>Each organization/OU target's members; Organizations unreadable is a refusal with the fix.</summary>
    public async Task<ImmutableArray<TargetExpansion>> ResolveAsync(ImmutableArray<ShareTarget> targets, CancellationToken cancellationToken)
    {
        var expansions = ImmutableArray.CreateBuilder<TargetExpansion>();
        foreach (var target in targets.Where(t => !t.IsAccount))
        {
            try
            {
                expansions.Add(new TargetExpansion(target, await organizations.ListMemberAccountsAsync(target, cancellationToken).ConfigureAwait(false)));
            }
            catch (CloudOperationException e) when (e.Kind == CloudErrorKind.AccessDenied)
            {
                throw new ShareRefusedException(
                    RefusalReason.OrganizationUnreadable,
                    $"--expand-targets needs the member accounts of {target.Value}, and Organizations refused {e.Operation} ({e.Code}).",
                    "Run from the organization's management account or a delegated administrator, or name the accounts with --with instead of expanding.");
            }
        }

        return expansions.ToImmutable();
    }

    /// <summary>The planned share with each member account's createVolumePermission (when it allows copying), and a fingerprint naming the members.</summary>
    public static PlannedChange Extend(PlannedChange planned, ShareRequest request, ImmutableArray<TargetExpansion> expansions, ImmutableArray<RecordedExpansion> recorded)
    {
        ArgumentNullException.ThrowIfNull(planned);
        ArgumentNullException.ThrowIfNull(request);
        if (!request.AllowCopy || expansions.IsDefaultOrEmpty)
        {
            return planned;
        }

        var images = PublishingPlanner.SharedImages(planned.Plan, planned.State);
        var plan = TargetExpansionPlanner.Extend(planned.Plan, images, expansions, request.Targets, planned.State, recorded);
        var members = TargetExpansionPlanner.Members(expansions, request.Targets, planned.State.SourceAccount);
        var fingerprint = PlanExecutor.Fingerprint(planned.Command, planned.State.SourceAccount, [planned.Fingerprint, .. members.Select(m => "member=" + m)]);
        return planned with { Plan = plan, Fingerprint = fingerprint };
    }

    /// <summary>What the ledger recorded of earlier expansions for the images this share plans to share (read before <see cref="Extend"/>).</summary>
    public static async Task<ImmutableArray<RecordedExpansion>> ReadRecordedAsync(IShareLedger ledger, PlannedChange planned, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ledger);
        ArgumentNullException.ThrowIfNull(planned);
        var images = PublishingPlanner.SharedImages(planned.Plan, planned.State).Where(i => !i.IsPlanned).Select(i => i.Resource).ToList();
        return images.Count == 0 ? [] : [.. await ledger.ReadExpansionsAsync(planned.State.SourceAccount, images, cancellationToken).ConfigureAwait(false)];
    }
}

/// <summary>
/// The ledger's record of one run's <c>--expand-targets</c> (issue 12 part 4): what was read before planning, widened
/// before the apply, and replaced by the new resolution once the apply succeeded. Only then are departed members
/// forgotten, so a run that fails part-way leaves the next one everything it still has to add and take back.
/// </summary>
public sealed record ExpansionBookkeeping(ImmutableArray<TargetExpansion> Expansions, ImmutableArray<ShareTarget> Targets, ImmutableArray<RecordedExpansion> Recorded) : IApplyBookkeeping
{
    /// <summary>Before the apply: the record widened by the members about to be granted (nothing written when it already holds them).</summary>
    public Task WidenAsync(IShareLedger ledger, PlannedChange planned, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(planned);
        var widened = TargetExpansionPlanner.Widened(PublishingPlanner.SharedImages(planned.Plan, planned.State), Expansions, Targets, planned.State, Recorded);
        return WriteAsync(ledger, planned.State.SourceAccount, widened, cancellationToken);
    }

    /// <summary>After a successful apply (or a plan with nothing to do, <paramref name="applied"/> null): the new resolution.</summary>
    public Task RecordAsync(IShareLedger ledger, PlannedChange planned, AppliedChange? applied, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(planned);
        var made = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var outcome in applied?.Outcomes ?? [])
        {
            // A copy's symbolic id, to the id CopyImage returned: its own step, or a later step on the copy.
            var symbol = outcome.Step.Details is CopyImageDetails copy ? copy.Symbol : outcome.Step.Resource;
            if (PlanStep.IsSymbolic(symbol) && outcome.Resource.StartsWith("ami-", StringComparison.Ordinal))
            {
                made.TryAdd(symbol, outcome.Resource);
            }
        }

        var records = TargetExpansionPlanner.ToRecord(PublishingPlanner.SharedImages(planned.Plan, planned.State), Expansions, Targets, planned.State, Recorded, symbol => made.GetValueOrDefault(symbol));
        return WriteAsync(ledger, planned.State.SourceAccount, records, cancellationToken);
    }

    private Task WriteAsync(IShareLedger ledger, string sourceAccount, ImmutableArray<RecordedExpansion> records, CancellationToken cancellationToken) =>
        WriteChangesAsync(ledger, sourceAccount, records, Recorded, cancellationToken);

    /// <summary>Writes what differs from <paramref name="recorded"/> (nothing on a rerun with no change); both bookkeepings' one write.</summary>
    internal static async Task WriteChangesAsync(IShareLedger ledger, string sourceAccount, ImmutableArray<RecordedExpansion> records, ImmutableArray<RecordedExpansion> recorded, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ledger);
        var changes = RecordedExpansion.Changes(records, recorded);
        if (!changes.IsEmpty)
        {
            await ledger.RecordExpansionsAsync(sourceAccount, changes, cancellationToken).ConfigureAwait(false);
        }
    }
}
