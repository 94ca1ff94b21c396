using System.Collections.Immutable;
using AmiShare.Core.Model;
using AmiShare.Core.Ports;

namespace AmiShare.Core.Planning;

/// <summary>What the user asked to retire: <c>amishare retire IMAGE [--to-region R…] [--force]</c>.</summary>
/// <param name="Regions">Regions besides the home Region where AmiShare may have copied the image.</param>
/// <param name="IdleWindow">Without target credentials: an image launched within this window counts as in use.</param>
public sealed record RetireRequest(string Image, ImmutableArray<string> Regions, bool Force, TimeSpan IdleWindow);

/// <summary>The image or one of AmiShare's copies of it, as retire read it.</summary>
public sealed record RetiredImage(string Id, string Region, bool IsCopy, ImmutableArray<ShareTarget> LaunchPermissions, ImageLifecycleState Lifecycle);

/// <summary>Instances still running from an image in one target account (DescribeInstances there).</summary>
public sealed record ImageUse(string ImageId, string Region, string Account, ImmutableArray<string> Instances);

/// <param name="TargetsChecked">Every target was asked with its own credentials; otherwise LastLaunchedTime decides.</param>
public sealed record RetireFacts(string Image, ImmutableArray<RetiredImage> Images, ImmutableArray<ImageUse> Uses, bool TargetsChecked, DateTimeOffset Now);

/// <summary>
/// Plans a retirement (issue 12 part 5): deprecate the image now, remove every launch permission of it and of
/// AmiShare's copies, then deregister the copies and delete their snapshots. Refused while the image is still in
/// use in a target, unless forced. The image itself is deprecated and unshared, never deleted. Pure.
/// </summary>
public static class RetirePlanner
{
    public static SharePlan Plan(RetireRequest request, RetireFacts facts)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(facts);
        var findings = new List<PlanFinding>();
        if (facts.Images.IsEmpty)
        {
            return new SharePlan([], [PlanFinding.Blocking("ImageNotFound", request.Image, $"No image {request.Image} is owned by the source account in this Region. Pass the AMI id (or exact name) of the original image and its home Region with --region.")]);
        }

        CheckUse(request, facts, findings);
        var steps = new List<PlanStep>();
        foreach (var image in facts.Images.Where(i => !i.IsCopy))
        {
            var details = new DeprecationDetails(image.Region, facts.Now);
            steps.Add(image.Lifecycle.DeprecationTime is { } at && at <= facts.Now
                ? new PlanStep(PlanAction.DeprecateImage, image.Id, string.Empty, $"{image.Id} has been deprecated since {new DeprecationDetails(image.Region, at).AtText}.", StepStatus.AlreadyDone, details)
                : new PlanStep(PlanAction.DeprecateImage, image.Id, string.Empty, $"{image.Id} is deprecated now: it leaves the targets' image lists, and launches by id still work until it is gone.", StepStatus.Pending, details));
        }

        foreach (var image in facts.Images.Where(i => !i.LaunchPermissions.IsDefaultOrEmpty))
        {
            steps.Add(new PlanStep(
                PlanAction.RemoveLaunchPermission,
                image.Id,
                string.Join(", ", image.LaunchPermissions.Select(t => t.Value)),
                $"{image.Id} in {image.Region} is unshared from everyone it is shared with.",
                StepStatus.Pending,
                new PermissionDetails(image.LaunchPermissions, Region: image.Region)));
        }

        var copies = facts.Images.Where(i => i.IsCopy).ToList();
        foreach (var copy in copies.Where(c => c.Lifecycle.IsProtected || c.Lifecycle.HasCooldown))
        {
            if (copy.Lifecycle.HasCooldown)
            {
                findings.Add(PlanFinding.Blocking(
                    "DeregistrationCooldown",
                    copy.Id,
                    $"{copy.Id} in {copy.Region} is protected with a cooldown ({copy.Lifecycle.DeregistrationProtection}): it cannot be deregistered for 24 hours after protection is turned off. Run aws ec2 disable-image-deregistration-protection --region {copy.Region} --image-id {copy.Id}, and rerun retire a day later."));
                continue;
            }

            steps.Add(new PlanStep(PlanAction.UnprotectImage, copy.Id, string.Empty, $"{copy.Id} has deregistration protection; it is turned off so the copy can be deregistered.", StepStatus.Pending, new DeregistrationProtectionDetails(copy.Region, WithCooldown: false)));
        }

        foreach (var copy in copies)
        {
            steps.Add(new PlanStep(PlanAction.DeregisterCopy, copy.Id, string.Empty, $"{copy.Id} in {copy.Region} is AmiShare's copy of {facts.Image}: deregistered.", StepStatus.Pending, new RetirementDetails(copy.Region)));
        }

        foreach (var copy in copies)
        {
            foreach (var snapshot in copy.Lifecycle.Snapshots)
            {
                steps.Add(new PlanStep(PlanAction.DeleteCopySnapshot, snapshot, string.Empty, $"{snapshot} backed the copy {copy.Id}: deleted after it.", StepStatus.Pending, new RetirementDetails(copy.Region)));
            }
        }

        return findings.Any(f => f.Severity == FindingSeverity.Blocking)
            ? new SharePlan([], [.. findings])
            : new SharePlan([.. steps], [.. findings]);
    }

    private static void CheckUse(RetireRequest request, RetireFacts facts, List<PlanFinding> findings)
    {
        var severity = request.Force ? FindingSeverity.Warning : FindingSeverity.Blocking;
        var fix = request.Force ? "Retired anyway (--force): running instances keep running; new launches fail." : "Stop them (or move them to the new image) and rerun, or pass --force to retire anyway.";
        foreach (var use in facts.Uses.Where(u => !u.Instances.IsDefaultOrEmpty))
        {
            findings.Add(new PlanFinding("ImageInUse", severity, $"{use.Account}:{use.Region}", $"{use.ImageId} still runs in {use.Account} ({use.Region}): {string.Join(", ", use.Instances)}. {fix}"));
        }

        if (facts.TargetsChecked)
        {
            return;
        }

        foreach (var image in facts.Images.Where(i => i.Lifecycle.LastLaunchedTime is { } at && at > facts.Now - request.IdleWindow))
        {
            findings.Add(new PlanFinding(
                "ImageRecentlyLaunched",
                severity,
                image.Id,
                $"{image.Id} in {image.Region} was last launched at {new DeprecationDetails(image.Region, image.Lifecycle.LastLaunchedTime!.Value).AtText}, within --idle-days, and its targets were not asked (no --target-role-arn with {{account}}). {fix}"));
        }
    }
}
