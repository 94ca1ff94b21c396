using System.Collections.Immutable;
using AmiShare.Core.Model;
using AmiShare.Core.Ports;

namespace AmiShare.Core.Planning;

/// <summary>An image a command takes away, in its Region: a parameter there holding this id points at it.</summary>
public sealed record WithdrawnImage(string ImageId, string Region);

/// <summary>An account whose parameter is withdrawn, and why it loses the images (shown in the plan).</summary>
/// <param name="Departed">A member that left an expanded target: its role may be gone with it, which is reported, not fatal.</param>
public sealed record ParameterHolder(string Account, string Because, bool Departed = false);

/// <summary>What was read in each holder: its parameter per Region (null: none), and the holders whose role could not be assumed, with the error.</summary>
public sealed record ParameterFacts(
    ImmutableDictionary<(string Account, string Region), ParameterState?> Parameters,
    ImmutableDictionary<string, string> Unreachable);

/// <summary>
/// Plans deleting the SSM parameters <c>share --ssm-parameter</c> published, once the images they hold are withdrawn
/// from an account (unshare, retire, a departed member). A parameter is deleted only when AmiShare wrote it (the mark
/// the share tests) and it still holds an image this command withdraws in that Region: one someone else wrote, or
/// one that now holds another image, is left and said so. A missing parameter is nothing to do, so a rerun plans
/// nothing. Pure.
/// </summary>
public static class ParameterWithdrawalPlanner
{
    /// <summary>The images an unshare plan takes back (its launch-permission steps, done or not), per Region.</summary>
    public static ImmutableArray<WithdrawnImage> UnsharedImages(SharePlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        return [.. plan.Steps
            .Where(s => s.Action == PlanAction.RemoveLaunchPermission && s.Details is PermissionDetails { Region: not null })
            .Select(s => new WithdrawnImage(s.Resource, ((PermissionDetails)s.Details!).Region!))
            .Distinct()];
    }

    /// <summary>
    /// The plan with the deletions first: a launch template then stops resolving before the image goes, and a rerun
    /// after a failure still finds the images (a retired copy is deregistered later in the plan).
    /// </summary>
    public static SharePlan Prepend(SharePlan plan, string name, ImmutableArray<WithdrawnImage> images, IReadOnlyList<ParameterHolder> holders, ParameterFacts facts)
    {
        ArgumentNullException.ThrowIfNull(plan);
        if (plan.IsBlocked)
        {
            return plan;
        }

        var (steps, findings) = Plan(name, images, holders, facts);
        return new SharePlan([.. steps, .. plan.Steps], [.. plan.Findings, .. findings]);
    }

    /// <summary>The plan with the deletions after its own steps (share: departed members, once the share is in place).</summary>
    public static SharePlan Append(SharePlan plan, string name, ImmutableArray<WithdrawnImage> images, IReadOnlyList<ParameterHolder> holders, ParameterFacts facts)
    {
        ArgumentNullException.ThrowIfNull(plan);
        if (plan.IsBlocked)
        {
            return plan;
        }

        var (steps, findings) = Plan(name, images, holders, facts);
        return new SharePlan([.. plan.Steps, .. steps], [.. plan.Findings, .. findings]);
    }

    /// <summary>A target that names a group has no one account to delete in: said, not refused (the unshare itself still runs).</summary>
    public static SharePlan WarnGroups(SharePlan plan, string name, ImmutableArray<ShareTarget> targets)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var groups = targets.IsDefault ? [] : targets.Where(t => !t.IsAccount).Select(t => PlanFinding.Warning(
            "ParameterInGroupLeft",
            t.Value,
            $"{name} is deleted only in accounts named with --from; {t.Value} names a group, so its members' parameters are left. Name the member accounts with --from to delete theirs.")).ToList();
        return groups.Count == 0 || plan.IsBlocked ? plan : plan with { Findings = [.. plan.Findings, .. groups] };
    }

    private static (List<PlanStep> Steps, List<PlanFinding> Findings) Plan(string name, ImmutableArray<WithdrawnImage> images, IReadOnlyList<ParameterHolder> holders, ParameterFacts facts)
    {
        ArgumentNullException.ThrowIfNull(holders);
        ArgumentNullException.ThrowIfNull(facts);
        var steps = new List<PlanStep>();
        var findings = new List<PlanFinding>();
        var regions = images.GroupBy(i => i.Region, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal);
        foreach (var holder in holders.DistinctBy(h => h.Account))
        {
            foreach (var region in regions)
            {
                var ids = region.Select(i => i.ImageId).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToImmutableArray();
                var details = new ImageParameterDeletionDetails(name, region.Key, holder.Account, ids);
                var where = $"{name} in {holder.Account} ({region.Key})";
                if (facts.Unreachable.TryGetValue(holder.Account, out var error))
                {
                    // Nothing could be read there, so nothing is known about the parameter: whoever can reach the account checks and deletes it.
                    steps.Add(new PlanStep(
                        PlanAction.DeleteImageParameter,
                        name,
                        holder.Account,
                        $"{where} is left: {holder.Because}, and its role could not be assumed ({error}). If it holds {string.Join(" or ", ids)} and its description begins \"{ImageParameterDetails.MarkPrefix}\", delete it from that account: {details.Command}.",
                        StepStatus.Informational,
                        details));
                    continue;
                }

                switch (facts.Parameters.GetValueOrDefault((holder.Account, region.Key)))
                {
                    case null:
                        continue;
                    case { } foreign when !ImageParameterDetails.IsMarked(foreign.Description):
                        findings.Add(PlanFinding.Warning("ParameterLeft", $"{holder.Account}:{region.Key}:{name}", $"{where} was written by someone else, left."));
                        break;
                    case { } other when !ids.Contains(other.Value):
                        findings.Add(PlanFinding.Warning("ParameterLeft", $"{holder.Account}:{region.Key}:{name}", $"{where} now holds {other.Value}, left."));
                        break;
                    case { } mine:
                        steps.Add(new PlanStep(
                            PlanAction.DeleteImageParameter,
                            mine.Value,
                            holder.Account,
                            $"--ssm-parameter: {where} holds {mine.Value} and AmiShare wrote it; {holder.Because}, so it is deleted and no launch template resolves to an image the account cannot launch.",
                            StepStatus.Pending,
                            details));
                        break;
                }
            }
        }

        return (steps, findings);
    }
}
