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
}
