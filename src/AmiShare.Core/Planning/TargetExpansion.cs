using System.Collections.Immutable;
using AmiShare.Core.Model;

namespace AmiShare.Core.Planning;

/// <summary>An organization or OU target and the member accounts Organizations resolved it to (<c>--expand-targets</c>).</summary>
public sealed record TargetExpansion(ShareTarget Target, ImmutableArray<string> Accounts);

/// <summary>
/// What an earlier run recorded for one image: the accounts that AmiShare added createVolumePermission for because an
/// organization or OU expanded to them. Only these may be removed when a member departs.
/// </summary>
public sealed record RecordedExpansion(string ImageId, ImmutableArray<string> Accounts);

/// <summary>
/// Plans the per-account createVolumePermission steps that an expanded organization or OU needs (issue 12 part 4).
/// Launch permissions and key policies keep the organization/OU form; snapshots have no such form, so each member
/// account is named. A later run adds new members and removes departed ones, but only those an earlier run recorded
/// as added through an expansion: a permission someone granted by hand is never taken away. Pure.
/// </summary>
public static class TargetExpansionPlanner
{
    /// <summary>The accounts wanted on every snapshot: the union of the expansions, without the owner and the named accounts (the share planner grants those).</summary>
    public static ImmutableArray<string> Members(ImmutableArray<TargetExpansion> expansions, ImmutableArray<ShareTarget> targets, string sourceAccount)
    {
        var named = targets.Where(t => t.IsAccount).Select(t => t.Value).ToHashSet(StringComparer.Ordinal);
        return [.. expansions.SelectMany(e => e.Accounts).Where(a => a != sourceAccount && !named.Contains(a)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
    }

    public static SharePlan Extend(SharePlan plan, ImmutableArray<SharedImageRef> images, ImmutableArray<TargetExpansion> expansions, ImmutableArray<ShareTarget> targets, DiscoveredState state, ImmutableArray<RecordedExpansion> recorded)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(state);
        if (plan.IsBlocked || expansions.IsDefaultOrEmpty)
        {
            return plan;
        }

        var members = Members(expansions, targets, state.SourceAccount);
        var named = targets.Where(t => t.IsAccount).Select(t => t.Value).ToHashSet(StringComparer.Ordinal);
        var steps = new List<PlanStep>();
        var reason = $"{string.Join(", ", expansions.Select(e => e.Target.Value))} expanded to {members.Length} account(s) (--expand-targets); snapshots have no organization form, so each gets createVolumePermission";
        foreach (var image in images)
        {
            if (image.IsPlanned)
            {
                // A copy not yet made has no snapshots to read: its snapshots get every member once it exists.
                steps.Add(Step(PlanAction.AddCreateVolumePermission, image.Resource, members, [], image.Region, $"{reason}; every snapshot of the copy gets them."));
                continue;
            }

            var previously = recorded.IsDefault ? [] : recorded.Where(r => r.ImageId == image.Resource).SelectMany(r => r.Accounts).ToHashSet(StringComparer.Ordinal);
            var snapshots = state.FindImage(image.Resource, image.Region)?.SnapshotIds ?? [];
            foreach (var snapshot in snapshots.Select(state.FindSnapshot).OfType<SnapshotState>())
            {
                var missing = members.Where(a => !snapshot.CreateVolumePermissions.Contains(a)).ToImmutableArray();
                steps.Add(missing.IsEmpty
                    ? Step(PlanAction.AddCreateVolumePermission, snapshot.Id, members, [snapshot.Id], snapshot.Region, $"{snapshot.Id} already allows every member account to copy it.", StepStatus.AlreadyDone)
                    : Step(PlanAction.AddCreateVolumePermission, snapshot.Id, missing, [snapshot.Id], snapshot.Region, $"{reason}; {snapshot.Id} gains {string.Join(", ", missing)}."));

                var departed = previously.Where(a => !members.Contains(a) && !named.Contains(a) && snapshot.CreateVolumePermissions.Contains(a)).Order(StringComparer.Ordinal).ToImmutableArray();
                if (!departed.IsEmpty)
                {
                    steps.Add(Step(PlanAction.RemoveCreateVolumePermission, snapshot.Id, departed, [snapshot.Id], snapshot.Region, $"{string.Join(", ", departed)} left the expanded organization/OU since AmiShare granted them createVolumePermission; it is taken back from {snapshot.Id}."));
                }
            }
        }

        return plan with { Steps = [.. plan.Steps, .. steps] };
    }

    /// <summary>The resolution to record per image after an apply: what each image's snapshots now hold through an expansion.</summary>
    public static ImmutableArray<RecordedExpansion> ToRecord(ImmutableArray<SharedImageRef> images, ImmutableArray<TargetExpansion> expansions, ImmutableArray<ShareTarget> targets, string sourceAccount)
    {
        var members = Members(expansions, targets, sourceAccount);
        return [.. images.Where(i => !i.IsPlanned).Select(i => new RecordedExpansion(i.Resource, members))];
    }

    private static PlanStep Step(PlanAction action, string resource, ImmutableArray<string> accounts, ImmutableArray<string> snapshots, string region, string why, StepStatus status = StepStatus.Pending) =>
        new(action, resource, "expanded:" + string.Join(", ", accounts), why, status, new PermissionDetails([.. accounts.Select(ShareTarget.Account)], snapshots, region));
}
