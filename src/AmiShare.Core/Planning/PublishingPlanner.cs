using System.Collections.Immutable;
using AmiShare.Core.Model;
using AmiShare.Core.Ports;
using AmiShare.Policy.Catalogue;

namespace AmiShare.Core.Planning;

/// <summary>What share does after the images are shared: publish their ids, schedule deprecation, protect them.</summary>
/// <param name="ParameterName">The SSM parameter each target account gets in each Region (<c>--ssm-parameter</c>); null for none.</param>
/// <param name="DeprecateAt">When every shared image (each Regional copy) is deprecated (<c>--deprecate-at</c>).</param>
/// <param name="Protect">Turn on deregistration protection (<c>--deregistration-protection</c>).</param>
/// <param name="HasTargetCredentials">A target role template is given: the parameters are written in the targets; else the RAM steps are printed.</param>
public sealed record PublishingRequest(string? ParameterName, DateTimeOffset? DeprecateAt, bool Protect, bool WithCooldown, bool HasTargetCredentials)
{
    public bool IsEmpty => ParameterName is null && DeprecateAt is null && !Protect;

    /// <summary>The run's fingerprint arguments: a change of any of them is another run.</summary>
    public IEnumerable<string> Arguments =>
        [$"ssm={ParameterName}", $"deprecate-at={DeprecateAt?.ToUnixTimeSeconds()}", $"protect={Protect}/{WithCooldown}", $"target-credentials={HasTargetCredentials}"];
}

/// <summary>An image a share plan shares: its id (or <c>copy-of:…</c> symbol), Region, and the image the user named.</summary>
public sealed record SharedImageRef(string Resource, string Region, string SourceImageId)
{
    public bool IsPlanned => PlanStep.IsSymbolic(Resource);
}

/// <summary>What the publishing planner read: each (account, Region)'s parameter and each existing image's lifecycle.</summary>
public sealed record PublishingFacts(
    ImmutableDictionary<(string Account, string Region), ParameterState?> Parameters,
    ImmutableDictionary<string, ImageLifecycleState> Images);

/// <summary>
/// Plans the publishing and lifecycle steps that follow a share (issue 12 parts 3 and 5), one per shared image, per
/// target account for parameters. Pure: idempotent against <see cref="PublishingFacts"/>, and a parameter that
/// someone else owns is refused, never overwritten.
/// </summary>
public static class PublishingPlanner
{
    /// <summary>The images a share plan shares, from its launch-permission steps (pending or already done).</summary>
    public static ImmutableArray<SharedImageRef> SharedImages(SharePlan plan, DiscoveredState state)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(state);
        return [.. plan.Steps
            .Where(s => s.Action == PlanAction.AddLaunchPermission && s.Details is PermissionDetails { Region: not null })
            .Select(s => new SharedImageRef(s.Resource, ((PermissionDetails)s.Details!).Region!, SourceOf(s.Resource, plan, state)))
            .DistinctBy(i => (i.Resource, i.Region))];
    }

    public static SharePlan Extend(SharePlan plan, PublishingRequest request, ImmutableArray<SharedImageRef> images, ImmutableArray<ShareTarget> targets, PublishingFacts facts)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(facts);
        if (plan.IsBlocked || request.IsEmpty)
        {
            return plan;
        }

        var steps = new List<PlanStep>();
        var findings = new List<PlanFinding>();
        foreach (var image in images)
        {
            var known = image.IsPlanned ? null : facts.Images.GetValueOrDefault(image.Resource);
            if (request.DeprecateAt is { } at)
            {
                var details = new DeprecationDetails(image.Region, RoundToMinute(at));
                steps.Add(known?.DeprecationTime == details.DeprecateAt
                    ? new PlanStep(PlanAction.DeprecateImage, image.Resource, string.Empty, $"{image.Resource} is already deprecated at {details.AtText}.", StepStatus.AlreadyDone, details)
                    : new PlanStep(PlanAction.DeprecateImage, image.Resource, string.Empty, $"--deprecate-at: {image.Resource} in {image.Region} is deprecated at {details.AtText}.", StepStatus.Pending, details));
            }

            if (request.Protect)
            {
                var wanted = request.WithCooldown ? "enabled-with-cooldown" : "enabled";
                var details = new DeregistrationProtectionDetails(image.Region, request.WithCooldown);
                steps.Add(known?.DeregistrationProtection == wanted
                    ? new PlanStep(PlanAction.ProtectImageFromDeregistration, image.Resource, string.Empty, $"{image.Resource} is already protected ({wanted}).", StepStatus.AlreadyDone, details)
                    : new PlanStep(PlanAction.ProtectImageFromDeregistration, image.Resource, string.Empty, $"--deregistration-protection: {image.Resource} cannot be deregistered until protection is turned off ({wanted}).", StepStatus.Pending, details));
            }

            if (request.ParameterName is { } name)
            {
                steps.AddRange(request.HasTargetCredentials
                    ? ParameterSteps(name, image, targets, facts, findings)
                    : [RamStep(name, image)]);
            }
        }

        if (request.ParameterName is not null && request.HasTargetCredentials)
        {
            foreach (var group in targets.Where(t => !t.IsAccount))
            {
                findings.Add(PlanFinding.Blocking(
                    "ParameterNeedsAccounts",
                    group.Value,
                    $"An SSM parameter is written in each account, and {group.Value} names a group. Name its member accounts with --with ACCOUNT, or drop --target-role-arn to get the AWS RAM steps for the whole group."));
            }
        }

        return findings.Any(f => f.Severity == FindingSeverity.Blocking)
            ? new SharePlan([], [.. plan.Findings, .. findings])
            : new SharePlan([.. plan.Steps, .. steps], [.. plan.Findings, .. findings]);
    }

    private static IEnumerable<PlanStep> ParameterSteps(string name, SharedImageRef image, ImmutableArray<ShareTarget> targets, PublishingFacts facts, List<PlanFinding> findings)
    {
        foreach (var account in targets.Where(t => t.IsAccount).Select(t => t.Value))
        {
            var existing = facts.Parameters.GetValueOrDefault((account, image.Region));
            if (existing is not null && !ImageParameterDetails.IsMarked(existing.Description))
            {
                findings.Add(PlanFinding.Blocking(
                    "ParameterNotAmiShares",
                    $"{account}:{image.Region}:{name}",
                    $"{name} in {account} ({image.Region}) exists and AmiShare did not write it (its description is not AmiShare's), so it is not overwritten. Choose another --ssm-parameter, or delete it there (aws ssm delete-parameter --name {name}) and rerun."));
                continue;
            }

            if (existing is not null && existing.Value == image.Resource && existing.DataType == SsmActions.ImageDataType)
            {
                yield return new PlanStep(PlanAction.PublishImageParameter, image.Resource, account, $"{name} in {account} ({image.Region}) already holds {image.Resource}.", StepStatus.AlreadyDone, new ImageParameterDetails(name, image.Region, account, image.SourceImageId, Overwrite: false));
                continue;
            }

            var why = existing is null ? "is created" : $"gets a new version (it held {existing.Value})";
            yield return new PlanStep(
                PlanAction.PublishImageParameter,
                image.Resource,
                account,
                $"--ssm-parameter: {name} in {account} ({image.Region}) {why} with DataType {SsmActions.ImageDataType}, so launch templates read the image id from resolve:ssm:{name}.",
                StepStatus.Pending,
                new ImageParameterDetails(name, image.Region, account, image.SourceImageId, Overwrite: existing is not null));
        }
    }

    /// <summary>Without target credentials: the source's own advanced-tier parameter, shared through AWS RAM, for someone to run.</summary>
    private static PlanStep RamStep(string name, SharedImageRef image)
    {
        var value = image.IsPlanned ? "<the copy's id>" : image.Resource;
        var commands =
            $"aws ssm put-parameter --region {image.Region} --name {name} --type String --data-type {SsmActions.ImageDataType} --tier {SsmActions.AdvancedTier} --overwrite --value {value}; " +
            $"aws ram create-resource-share --region {image.Region} --name amishare-{name.Trim('/').Replace('/', '-')} --resource-arns <the parameter's ARN> --principals <each target>";
        return new PlanStep(
            PlanAction.PublishImageParameter,
            image.Resource,
            "RAM",
            $"No target credentials (--target-role-arn with {{account}}): publish {name} in the source and share it through AWS RAM (targets read it by its ARN): {commands}",
            StepStatus.Informational,
            new ImageParameterDetails(name, image.Region, null, image.SourceImageId, Overwrite: false));
    }

    private static string SourceOf(string resource, SharePlan plan, DiscoveredState state)
    {
        var copy = plan.Steps.Select(s => s.Details).OfType<CopyImageDetails>().FirstOrDefault(c => c.Symbol == resource);
        return copy?.SourceImageId ?? state.Images.FirstOrDefault(i => i.Id == resource)?.SourceImageId ?? resource;
    }

    private static DateTimeOffset RoundToMinute(DateTimeOffset at)
    {
        var utc = at.ToUniversalTime();
        var floor = new DateTimeOffset(utc.UtcTicks - (utc.UtcTicks % TimeSpan.TicksPerMinute), TimeSpan.Zero);
        return utc.UtcTicks % TimeSpan.TicksPerMinute >= TimeSpan.TicksPerMinute / 2 ? floor.AddMinutes(1) : floor;
    }
}
