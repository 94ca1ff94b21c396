using System.Collections.Immutable;
using AmiShare.Core.Model;

namespace AmiShare.Core.Planning;

/// <summary>An organization or OU target and the member accounts Organizations resolved it to (<c>--expand-targets</c>).</summary>
public sealed record TargetExpansion(ShareTarget Target, ImmutableArray<string> Accounts);

/// <summary>
/// What an earlier run recorded for one image and one organization/OU target (its <see cref="ShareTarget.Value"/>): the
/// accounts that AmiShare granted createVolumePermission because that target expanded to them. Only these may be
/// removed when a member departs.
/// </summary>
public sealed record RecordedExpansion(string ImageId, string Target, ImmutableArray<string> Accounts)
{
    /// <summary>
    /// The records that differ from what the ledger holds (a rerun with no change writes nothing): one comparison for
    /// both kinds of record, an image's and a published parameter's (<see cref="PublishedParameterRecord"/>).
    /// </summary>
    public static ImmutableArray<RecordedExpansion> Changes(ImmutableArray<RecordedExpansion> records, ImmutableArray<RecordedExpansion> recorded) =>
        [.. records.Where(r => recorded.IsDefault || !recorded.Any(p => p.ImageId == r.ImageId && p.Target == r.Target && p.Accounts.ToHashSet(StringComparer.Ordinal).SetEquals(r.Accounts)))];
}

/// <summary>
/// Plans the per-account createVolumePermission steps that an expanded organization or OU needs (issue 12 part 4).
/// Launch permissions and key policies keep the organization/OU form; snapshots have no such form, so each member
/// account is named. A later run adds new members and removes departed ones, but only those an earlier run recorded
/// as granted through an expansion: a permission someone granted by hand is never taken away. Pure.
/// </summary>
public static class TargetExpansionPlanner
{
    /// <summary>The accounts wanted on every snapshot: the union of the expansions, without the owner and the named accounts (the share planner grants those).</summary>
    public static ImmutableArray<string> Members(ImmutableArray<TargetExpansion> expansions, ImmutableArray<ShareTarget> targets, string sourceAccount)
    {
        var named = Named(targets);
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
        var named = Named(targets);
        var expanded = expansions.Select(e => e.Target.Value).ToHashSet(StringComparer.Ordinal);
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

            // Departed: recorded under a target expanded now and no longer its member. An account another target's
            // record still holds (an OU this run does not expand) keeps its permission through that target.
            var records = Of(recorded, image.Resource);
            var previously = records.Where(r => expanded.Contains(r.Target)).SelectMany(r => r.Accounts).ToHashSet(StringComparer.Ordinal);
            var heldElsewhere = records.Where(r => !expanded.Contains(r.Target)).SelectMany(r => r.Accounts).ToHashSet(StringComparer.Ordinal);
            var snapshots = state.FindImage(image.Resource, image.Region)?.SnapshotIds ?? [];
            foreach (var snapshot in snapshots.Select(state.FindSnapshot).OfType<SnapshotState>())
            {
                var missing = members.Where(a => !snapshot.CreateVolumePermissions.Contains(a)).ToImmutableArray();
                steps.Add(missing.IsEmpty
                    ? Step(PlanAction.AddCreateVolumePermission, snapshot.Id, members, [snapshot.Id], snapshot.Region, $"{snapshot.Id} already allows every member account to copy it.", StepStatus.AlreadyDone)
                    : Step(PlanAction.AddCreateVolumePermission, snapshot.Id, missing, [snapshot.Id], snapshot.Region, $"{reason}; {snapshot.Id} gains {string.Join(", ", missing)}."));

                var departed = previously
                    .Where(a => !members.Contains(a) && !named.Contains(a) && !heldElsewhere.Contains(a) && snapshot.CreateVolumePermissions.Contains(a))
                    .Order(StringComparer.Ordinal)
                    .ToImmutableArray();
                if (!departed.IsEmpty)
                {
                    steps.Add(Step(PlanAction.RemoveCreateVolumePermission, snapshot.Id, departed, [snapshot.Id], snapshot.Region, $"{string.Join(", ", departed)} left {string.Join(", ", expanded.Order(StringComparer.Ordinal))} since AmiShare granted them createVolumePermission through it; it is taken back from {snapshot.Id}."));
                }
            }
        }

        return plan with { Steps = [.. plan.Steps, .. steps] };
    }

    /// <summary>
    /// The accounts an earlier run recorded under a target this run expands that are no longer among its members, nor
    /// named, nor held through another target's record: departed, so what AmiShare published for them is withdrawn.
    /// </summary>
    public static ImmutableArray<string> Departed(ImmutableArray<SharedImageRef> images, ImmutableArray<TargetExpansion> expansions, ImmutableArray<ShareTarget> targets, string sourceAccount, ImmutableArray<RecordedExpansion> recorded)
    {
        var members = Members(expansions, targets, sourceAccount);
        var named = Named(targets);
        var expanded = expansions.Select(e => e.Target.Value).ToHashSet(StringComparer.Ordinal);
        var departed = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var image in images.Where(i => !i.IsPlanned))
        {
            var records = Of(recorded, image.Resource).ToList();
            var heldElsewhere = records.Where(r => !expanded.Contains(r.Target)).SelectMany(r => r.Accounts).ToHashSet(StringComparer.Ordinal);
            departed.UnionWith(records.Where(r => expanded.Contains(r.Target)).SelectMany(r => r.Accounts)
                .Where(a => a != sourceAccount && !members.Contains(a) && !named.Contains(a) && !heldElsewhere.Contains(a)));
        }

        return [.. departed];
    }

    /// <summary>
    /// The resolution to record per image and expanded target once the run's steps succeeded: the target's members
    /// that AmiShare granted — every member on a copy AmiShare made (a planned copy, or one tagged as AmiShare's), else
    /// those it recorded before or that lacked the permission on a snapshot at planning (this run granted them). A
    /// member that already held the permission everywhere, granted by someone else, is not recorded, so never removed.
    /// </summary>
    /// <param name="resolve">The real id of a copy the run made, for its symbolic <c>copy-of:…</c> id; null when unknown (not recorded).</param>
    public static ImmutableArray<RecordedExpansion> ToRecord(ImmutableArray<SharedImageRef> images, ImmutableArray<TargetExpansion> expansions, ImmutableArray<ShareTarget> targets, DiscoveredState state, ImmutableArray<RecordedExpansion> recorded, Func<string, string?> resolve)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(resolve);
        var members = Members(expansions, targets, state.SourceAccount);
        var records = new List<RecordedExpansion>();
        foreach (var image in images)
        {
            if ((image.IsPlanned ? resolve(image.Resource) : image.Resource) is not { } id)
            {
                continue;
            }

            var granted = Granted(image, members, state, recorded);
            records.AddRange(expansions.Select(e => new RecordedExpansion(id, e.Target.Value, [.. e.Accounts.Where(granted.Contains).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)])));
        }

        return [.. records];
    }

    /// <summary>
    /// Before the apply: each existing image's record widened by the members this run is about to grant, forgetting
    /// none recorded before. A run that fails part-way then leaves a record that still names what it may have granted
    /// (and what departed), so the next run can still take those back.
    /// </summary>
    public static ImmutableArray<RecordedExpansion> Widened(ImmutableArray<SharedImageRef> images, ImmutableArray<TargetExpansion> expansions, ImmutableArray<ShareTarget> targets, DiscoveredState state, ImmutableArray<RecordedExpansion> recorded)
    {
        var wanted = ToRecord([.. images.Where(i => !i.IsPlanned)], expansions, targets, state, recorded, _ => null);
        return [.. wanted.Select(w => w with
        {
            Accounts = [.. w.Accounts.Concat(Of(recorded, w.ImageId).Where(r => r.Target == w.Target).SelectMany(r => r.Accounts)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)],
        })];
    }

    /// <summary>The members whose permission on this image is AmiShare's (see <see cref="ToRecord"/>).</summary>
    private static HashSet<string> Granted(SharedImageRef image, ImmutableArray<string> members, DiscoveredState state, ImmutableArray<RecordedExpansion> recorded)
    {
        var known = image.IsPlanned ? null : state.FindImage(image.Resource, image.Region);
        if (image.IsPlanned || known?.SourceImageId is not null)
        {
            return members.ToHashSet(StringComparer.Ordinal);
        }

        var before = Of(recorded, image.Resource).SelectMany(r => r.Accounts).ToHashSet(StringComparer.Ordinal);
        var snapshots = (known?.SnapshotIds ?? []).Select(state.FindSnapshot).OfType<SnapshotState>().ToList();
        return members.Where(a => before.Contains(a) || snapshots.Any(s => !s.CreateVolumePermissions.Contains(a))).ToHashSet(StringComparer.Ordinal);
    }

    // Only image records: a parameter's publication record (PublishedParameterRecord) shares the ledger's expansion
    // record but never grants or takes back createVolumePermission.
    private static IEnumerable<RecordedExpansion> Of(ImmutableArray<RecordedExpansion> recorded, string imageId) =>
        recorded.IsDefault ? [] : recorded.Where(r => r.ImageId == imageId && !PublishedParameterRecord.IsKey(r.ImageId));

    private static HashSet<string> Named(ImmutableArray<ShareTarget> targets) =>
        targets.Where(t => t.IsAccount).Select(t => t.Value).ToHashSet(StringComparer.Ordinal);

    private static PlanStep Step(PlanAction action, string resource, ImmutableArray<string> accounts, ImmutableArray<string> snapshots, string region, string why, StepStatus status = StepStatus.Pending) =>
        new(action, resource, "expanded:" + string.Join(", ", accounts), why, status, new PermissionDetails([.. accounts.Select(ShareTarget.Account)], snapshots, region));
}
