using System.Collections.Immutable;
using AmiShare.Core.Iam;
using AmiShare.Core.KeyPolicies;
using AmiShare.Core.Model;
using AmiShare.Policy.Evaluation;
using AmiShare.Policy.Catalogue;

namespace AmiShare.Core.Planning;

/// <summary>
/// Turns "desired share" minus "discovered state" into ordered, idempotent steps (design "Data flow of a
/// share", step 2). Order: copies first (later steps share the copy); then key policies, so the image
/// works the moment a target can see it; then launch and volume permissions; then Auto Scaling grants;
/// last the target-side IAM policy. Pure: the same inputs always give the same plan.
/// </summary>
public static class SharePlanner
{
    public static SharePlan Plan(ShareRequest request, DiscoveredState state)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(state);
        var findings = new List<PlanFinding>();
        CheckTargets(request, state, findings);

        var shared = new List<SharedImage>();
        var copySteps = new List<PlanStep>();
        foreach (var image in ImageResolution.Resolve(request.Images, request.RegionsOrEmpty, state, findings))
        {
            if (Effective(image, request, state, findings, copySteps) is { } effective)
            {
                shared.Add(effective);
            }

            foreach (var destination in request.DestinationRegionsOrEmpty.Where(r => r != image.Region).Distinct(StringComparer.Ordinal))
            {
                if (CrossRegionCopy(image, destination, request, state, findings, copySteps) is { } copy)
                {
                    shared.Add(copy);
                }
            }
        }

        if (findings.Any(f => f.Severity == FindingSeverity.Blocking))
        {
            return new SharePlan([], [.. findings]);
        }

        // A key replica (--replicate-key) must exist before the copy encrypted under it; copies keep their order.
        var steps = new List<PlanStep>(copySteps.OrderBy(s => s.Action != PlanAction.ReplicateKey));
        var targetText = string.Join(", ", request.Targets.Select(t => t.Value));
        var keys = KeysInOrder(shared.SelectMany(s => s.Keys), state, findings);
        var audience = KeyPolicyBuilder.AudienceFor(request.Targets, request.PrincipalsOrEmpty, request.Asg, state.Organization, PartitionOf(keys));
        foreach (var key in keys)
        {
            steps.Add(KeyPolicyStep(key, audience, targetText, state.Organization, findings));
        }

        foreach (var image in shared)
        {
            steps.Add(LaunchPermissionStep(image, request.Targets));
        }

        if (request.AllowCopy)
        {
            foreach (var image in shared)
            {
                steps.AddRange(VolumePermissionSteps(image, request.Targets, state));
            }
        }

        if (request.Asg)
        {
            steps.AddRange(AsgGrantSteps(shared.SelectMany(s => s.Keys).Distinct().OrderBy(k => k.Arn, StringComparer.Ordinal), request.Targets, findings));
        }

        if (shared.Count > 0)
        {
            var policy = TargetIamPolicyBuilder.Build(keys.Select(k => k.Arn), shared.Select(s => s.Region), state.SourceAccount, request.Asg);
            steps.Add(new PlanStep(
                PlanAction.EmitTargetIamPolicy,
                TargetIamPolicyBuilder.PolicyName,
                targetText,
                $"A key policy alone is not enough: the launching principal in each target account also needs an IAM policy allowing the KMS actions on {string.Join(", ", policy.KeyArns)} and {Ec2Actions.RunInstances}; attach this one there.",
                StepStatus.Informational,
                new IamPolicyDetails(policy)));
        }

        return findings.Any(f => f.Severity == FindingSeverity.Blocking)
            ? new SharePlan([], [.. findings])
            : new SharePlan([.. steps], [.. findings]);
    }

    /// <summary>An image as it will be shared: the original, or AmiShare's copy (possibly not made yet).</summary>
    private sealed record SharedImage(string Resource, string Region, ImmutableArray<ShareTarget> LaunchPermissions, ImmutableArray<SnapshotState> Snapshots, ImmutableArray<KeyState> Keys, bool IsPlannedCopy);

    private static void CheckTargets(ShareRequest request, DiscoveredState state, List<PlanFinding> findings)
    {
        if (request.Targets.IsDefaultOrEmpty)
        {
            findings.Add(PlanFinding.Blocking("NoTargets", "targets", "No share target was given. Name at least one account id, organization ARN or OU ARN with --with."));
            return;
        }

        if (request.AllowCopy && !request.ExpandTargets && request.Targets.Any(t => !t.IsAccount))
        {
            var orgTargets = string.Join(", ", request.Targets.Where(t => !t.IsAccount).Select(t => t.Value));
            findings.Add(PlanFinding.Blocking(
                "CopyNeedsAccounts",
                orgTargets,
                $"--allow-copy needs snapshot permissions, and createVolumePermission takes only account ids; name the accounts with --with instead of {orgTargets}."));
        }

        foreach (var target in request.Targets.Where(t => t.IsAccount && t.Value == state.SourceAccount))
        {
            findings.Add(PlanFinding.Blocking("TargetIsSource", target.Value, $"{target.Value} is the account that owns the images; it needs no share. Remove it from --with."));
        }

        var accounts = request.Targets.Where(t => t.IsAccount).Select(t => t.Value).ToHashSet(StringComparer.Ordinal);
        foreach (var principal in request.PrincipalsOrEmpty)
        {
            var parsed = CallerPrincipal.Parse(principal);
            if (parsed is null || parsed.Kind is not (PrincipalKind.Role or PrincipalKind.User or PrincipalKind.Root))
            {
                findings.Add(PlanFinding.Blocking("PrincipalInvalid", principal, $"\"{principal}\" is not an IAM role, user or account root ARN; key policies name principals by ARN, e.g. arn:aws:iam::111122223333:role/Launcher."));
            }
            else if (!accounts.Contains(parsed.AccountId!))
            {
                findings.Add(PlanFinding.Blocking("PrincipalOutsideTargets", principal, $"{principal} is in account {parsed.AccountId}, which is not a target; add --with {parsed.AccountId} or drop the principal."));
            }
        }
    }

    private static SharedImage? Effective(ImageState image, ShareRequest request, DiscoveredState state, List<PlanFinding> findings, List<PlanStep> copySteps)
    {
        if (ImageResolution.SnapshotsAndKeys(image, state, findings) is not { } resolved)
        {
            return null;
        }

        var (snapshots, keys) = resolved;

        var needsCopy = snapshots.Any(s => !s.Encrypted) || keys.Any(k => k.IsAwsEbsDefault);
        if (!needsCopy)
        {
            return CheckUsable(keys, findings) ? new SharedImage(image.Id, image.Region, image.LaunchPermissions, snapshots, keys, false) : null;
        }

        var why = keys.Any(k => k.IsAwsEbsDefault)
            ? $"{image.Id} has snapshots encrypted with alias/aws/ebs"
            : $"{image.Id} has unencrypted snapshots";
        var reencryptReference = request.ReencryptKey ?? request.KeyFor(image.Region);
        if (reencryptReference is null)
        {
            findings.Add(PlanFinding.Blocking(
                keys.Any(k => k.IsAwsEbsDefault) ? "AwsManagedKey" : "UnencryptedImage",
                image.Id,
                keys.Any(k => k.IsAwsEbsDefault)
                    ? $"{why}: alias/aws/ebs is AWS managed and cannot be shared; rerun with --reencrypt-key KEY to share a copy under a customer managed key."
                    : $"{why}; rerun with --reencrypt-key KEY to share an encrypted copy under a customer managed key."));
            return null;
        }

        var reencrypt = state.FindKey(reencryptReference, image.Region);
        if (reencrypt is null)
        {
            findings.Add(PlanFinding.Blocking("ReencryptKeyNotFound", reencryptReference, $"No KMS key {reencryptReference} was found in {image.Region}; CopyImage needs a key in the image's region. Pass a customer managed key ARN from {image.Region}."));
            return null;
        }

        if (reencrypt.Manager == KeyManager.Aws)
        {
            findings.Add(PlanFinding.Blocking("ReencryptKeyAwsManaged", reencrypt.Arn, $"{reencryptReference} is AWS managed, so a copy under it could not be shared either; pass a customer managed key to --reencrypt-key."));
            return null;
        }

        if (!CheckUsable([reencrypt], findings))
        {
            return null;
        }

        var existing = state.Images.FirstOrDefault(i => i.SourceImageId == image.Id && i.Region == image.Region && i.State is ImageAvailability.Available or ImageAvailability.Pending
            && i.SnapshotIds.All(id => state.FindSnapshot(id)?.KeyArn == reencrypt.Arn));
        if (existing is not null)
        {
            copySteps.Add(new PlanStep(
                PlanAction.CopyImageUnderCustomerKey,
                image.Id,
                string.Empty,
                $"{why}, which cannot be shared; AmiShare's copy {existing.Id} under {reencrypt.Arn} already exists and is shared instead.",
                StepStatus.AlreadyDone,
                new CopyImageDetails(image.Id, image.Region, reencrypt.Arn, existing.Name)));
            var copySnapshots = existing.SnapshotIds.Select(state.FindSnapshot).OfType<SnapshotState>().ToImmutableArray();
            return new SharedImage(existing.Id, existing.Region, existing.LaunchPermissions, copySnapshots, [reencrypt], false);
        }

        copySteps.Add(new PlanStep(
            PlanAction.CopyImageUnderCustomerKey,
            image.Id,
            string.Empty,
            $"{why}, which cannot be shared; CopyImage re-encrypts it under the customer managed key {reencrypt.Arn}, and the copy is what the next steps share.",
            StepStatus.Pending,
            new CopyImageDetails(image.Id, image.Region, reencrypt.Arn, $"{image.Name}-amishare")));
        return new SharedImage(PlanStep.CopyOf(image.Id), image.Region, [], [], [reencrypt], true);
    }

    /// <summary>
    /// The copy of <paramref name="image"/> into <paramref name="destination"/>, under that Region's mapped key. CopyImage is
    /// called in the destination and its key must live there; without one EC2 would use the destination's aws/ebs key,
    /// which cannot be shared (docs/aws-facts.md §9), so a destination without a key is refused, never defaulted.
    /// </summary>
    private static SharedImage? CrossRegionCopy(ImageState image, string destination, ShareRequest request, DiscoveredState state, List<PlanFinding> findings, List<PlanStep> copySteps)
    {
        var resource = PlanStep.InRegion(image.Id, destination);
        var reference = request.KeyFor(destination) ?? MultiRegionKeyId(request.ReencryptKey);
        if (reference is null)
        {
            findings.Add(PlanFinding.Blocking(
                "DestinationKeyMissing",
                resource,
                $"No key is mapped for {destination}: a copy of {image.Id} there without one would fall back to {destination}'s alias/aws/ebs, which cannot be shared. Add {destination}=KEY to --reencrypt-key (e.g. --reencrypt-key {destination}=alias/golden), or pass a multi-Region key with a replica in {destination}."));
            return null;
        }

        var key = state.FindKey(reference, destination);
        if ((key is null || key.Region != destination) && request.ReplicateKey)
        {
            key = RegionalSteps.PlanReplica(reference, destination, request, state, copySteps);
        }

        if (key is null || key.Region != destination)
        {
            var replicate = MultiRegionKeyId(reference) is not null && !request.ReplicateKey ? $" or pass --replicate-key to create {reference}'s replica there" : string.Empty;
            findings.Add(PlanFinding.Blocking(
                "DestinationKeyNotFound",
                resource,
                $"No KMS key {reference} was found in {destination}; CopyImage needs a key of the destination Region. Map {destination} to a customer managed key ARN, id or alias from {destination} in --reencrypt-key{replicate}."));
            return null;
        }

        if (key.Manager == KeyManager.Aws)
        {
            findings.Add(PlanFinding.Blocking("ReencryptKeyAwsManaged", key.Arn, $"{reference} is AWS managed, so a copy under it in {destination} could not be shared; map {destination} to a customer managed key in --reencrypt-key."));
            return null;
        }

        if (!CheckUsable([key], findings))
        {
            return null;
        }

        var existing = state.Images.FirstOrDefault(i => i.SourceImageId == image.Id && i.Region == destination && i.State is ImageAvailability.Available or ImageAvailability.Pending
            && i.SnapshotIds.All(id => state.FindSnapshot(id)?.KeyArn == key.Arn));
        var details = new CopyImageDetails(image.Id, destination, key.Arn, existing?.Name ?? image.Name, image.Region);
        if (existing is not null)
        {
            copySteps.Add(new PlanStep(
                PlanAction.CopyImageUnderCustomerKey,
                resource,
                string.Empty,
                $"AmiShare's copy {existing.Id} of {image.Id} in {destination} under {key.Arn} already exists and is shared there.",
                StepStatus.AlreadyDone,
                details));
            var copySnapshots = existing.SnapshotIds.Select(state.FindSnapshot).OfType<SnapshotState>().ToImmutableArray();
            return new SharedImage(existing.Id, destination, existing.LaunchPermissions, copySnapshots, [key], false);
        }

        copySteps.Add(new PlanStep(
            PlanAction.CopyImageUnderCustomerKey,
            resource,
            string.Empty,
            $"Launch permissions do not travel between Regions: CopyImage, called in {destination}, copies {image.Id} from {image.Region} under {key.Arn}, and the copy is what the next steps share in {destination}.",
            StepStatus.Pending,
            details));
        return new SharedImage(details.Symbol, destination, [], [], [key], true);
    }

    /// <summary>A multi-Region key (<c>mrk-…</c>, by id or ARN) names its replica in every Region by the same key id.</summary>
    private static string? MultiRegionKeyId(string? reference)
    {
        if (reference is null)
        {
            return null;
        }

        var keyId = reference[(reference.LastIndexOf('/') + 1)..];
        return keyId.StartsWith("mrk-", StringComparison.Ordinal) ? keyId : null;
    }

    internal static bool CheckUsable(IEnumerable<KeyState> keys, List<PlanFinding> findings)
    {
        var usable = true;
        foreach (var key in keys)
        {
            var fix = key.Status switch
            {
                KeyStatus.Enabled => null,
                KeyStatus.Disabled => $"enable it with aws kms enable-key --key-id {key.Arn}",
                KeyStatus.PendingDeletion => $"cancel the deletion with aws kms cancel-key-deletion --key-id {key.Arn}, then enable it",
                _ => "wait until the key is Enabled",
            };
            if (fix is not null)
            {
                findings.Add(PlanFinding.Blocking("KeyNotEnabled", key.Arn, $"Key {key.Arn} is {key.Status}, so EC2 cannot decrypt the image's snapshots for anyone; {fix}, then rerun."));
                usable = false;
            }
        }

        return usable;
    }

    /// <summary>The keys used, then each discovered multi-Region relative (each has its own policy, docs/aws-facts.md §2), by ARN.</summary>
    private static List<KeyState> KeysInOrder(IEnumerable<KeyState> used, DiscoveredState state, List<PlanFinding> findings)
    {
        var result = new SortedDictionary<string, KeyState>(StringComparer.Ordinal);
        foreach (var key in used)
        {
            result[key.Arn] = key;
            foreach (var replicaArn in key.ReplicaArnsOrEmpty)
            {
                if (state.Keys.FirstOrDefault(k => k.Arn == replicaArn) is { } replica)
                {
                    result[replica.Arn] = replica;
                }
                else
                {
                    findings.Add(PlanFinding.Warning("ReplicaNotDiscovered", replicaArn, $"{key.Arn} is multi-Region and {replicaArn} was not discovered, so its policy is left as is; images in {Arns.RegionOf(replicaArn)} under it will not work for the targets. Rerun with --region {Arns.RegionOf(replicaArn)} to include it."));
                }
            }
        }

        return [.. result.Values];
    }

    private static string PartitionOf(List<KeyState> keys) => keys.Count > 0 ? Arns.PartitionOf(keys[0].Arn) : "aws";

    private static PlanStep KeyPolicyStep(KeyState key, KeyAudience audience, string targetText, OrganizationFacts? organization, List<PlanFinding> findings)
    {
        var change = KeyPolicyBuilder.Share(key.PolicyJson, key.Region, audience, organization);
        findings.AddRange(change.Findings.Select(f => f with { Resource = key.Arn }));
        return new PlanStep(
            PlanAction.PutKeyPolicy,
            key.Arn,
            targetText,
            change.Changed
                ? $"A target can use the key only if its key policy admits it: AmiShare's statements (Sid prefix AmiShare, via {Ec2KmsUse.ViaService(key.Region)}) gain {targetText}; every other statement stays as it is."
                : $"The key policy already admits {targetText} through AmiShare's statements.",
            change.Changed ? StepStatus.Pending : StepStatus.AlreadyDone,
            new KeyPolicyDetails(key.Arn, key.Region, key.PolicyJson, change.PolicyJson, audience, KeyAudience.Empty));
    }

    private static PlanStep LaunchPermissionStep(SharedImage image, ImmutableArray<ShareTarget> targets)
    {
        var missing = targets.Where(t => !image.LaunchPermissions.Any(p => p.Value == t.Value)).ToImmutableArray();
        if (missing.IsEmpty)
        {
            return new PlanStep(PlanAction.AddLaunchPermission, image.Resource, Join(targets), $"{image.Resource} already has launch permission for every target.", StepStatus.AlreadyDone, new PermissionDetails(targets, Region: image.Region));
        }

        var already = targets.Length - missing.Length;
        return new PlanStep(
            PlanAction.AddLaunchPermission,
            image.Resource,
            Join(missing),
            $"Targets see and launch an AMI only through its launch permission; one ModifyImageAttribute adds {Join(missing)}" + (already > 0 ? $" ({already} target(s) already have it)." : "."),
            StepStatus.Pending,
            new PermissionDetails(missing, Region: image.Region));
    }

    private static IEnumerable<PlanStep> VolumePermissionSteps(SharedImage image, ImmutableArray<ShareTarget> targets, DiscoveredState state)
    {
        var accounts = targets.Where(t => t.IsAccount).ToImmutableArray();
        const string why = "Copying a shared AMI needs createVolumePermission on each of its snapshots (--allow-copy)";
        if (image.IsPlannedCopy)
        {
            yield return new PlanStep(PlanAction.AddCreateVolumePermission, image.Resource, Join(accounts), $"{why}; every snapshot of the copy gets {Join(accounts)}.", StepStatus.Pending, new PermissionDetails(accounts, [], image.Region));
            yield break;
        }

        foreach (var snapshot in image.Snapshots)
        {
            var missing = accounts.Where(a => !snapshot.CreateVolumePermissions.Contains(a.Value)).ToImmutableArray();
            yield return missing.IsEmpty
                ? new PlanStep(PlanAction.AddCreateVolumePermission, snapshot.Id, Join(accounts), $"{snapshot.Id} already allows every target to copy it.", StepStatus.AlreadyDone, new PermissionDetails(accounts, [snapshot.Id], snapshot.Region))
                : new PlanStep(PlanAction.AddCreateVolumePermission, snapshot.Id, Join(missing), $"{why}; {snapshot.Id} gains {Join(missing)}.", StepStatus.Pending, new PermissionDetails(missing, [snapshot.Id], snapshot.Region));
        }
    }

    private static IEnumerable<PlanStep> AsgGrantSteps(IEnumerable<KeyState> keys, ImmutableArray<ShareTarget> targets, List<PlanFinding> findings)
    {
        foreach (var target in targets.Where(t => !t.IsAccount))
        {
            findings.Add(PlanFinding.Warning("AsgNeedsAccounts", target.Value, $"--asg: each account in {target.Value} must create its own grant for its {AwsServicePrincipals.AutoScalingServiceRoleName}, and the key policy allows that only for named accounts; name the accounts that use Auto Scaling with --with."));
        }

        foreach (var key in keys)
        {
            foreach (var target in targets.Where(t => t.IsAccount))
            {
                var role = AwsServicePrincipals.AutoScalingServiceRole(target.Value, Arns.PartitionOf(key.Arn));
                var existing = key.GrantsOrEmpty.FirstOrDefault(g => g.GranteePrincipal == role);
                var command = $"aws kms create-grant --region {key.Region} --key-id {key.Arn} --grantee-principal {role} --operations {string.Join(' ', Ec2KmsUse.AutoScalingGrantOperations)}";
                yield return new PlanStep(
                    PlanAction.CreateAsgGrant,
                    key.Arn,
                    target.Value,
                    existing is null
                        ? $"Auto Scaling launches with {target.Value}'s {AwsServicePrincipals.AutoScalingServiceRoleName}, which no key-policy statement covers; a grant on the key for that role, created from {target.Value}, does."
                        : $"The Auto Scaling role of {target.Value} already has grant {existing.GrantId} on the key.",
                    existing is null ? StepStatus.Pending : StepStatus.AlreadyDone,
                    new AsgGrantDetails(key.Arn, role, target.Value, Ec2KmsUse.AutoScalingGrantOperations, command, existing?.GrantId));
            }
        }
    }

    private static string Join(IEnumerable<ShareTarget> targets) => string.Join(", ", targets.Select(t => t.Value));
}
