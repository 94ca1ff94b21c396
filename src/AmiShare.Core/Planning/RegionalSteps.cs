using System.Collections.Immutable;
using AmiShare.Core.KeyPolicies;
using AmiShare.Core.Model;

namespace AmiShare.Core.Planning;

/// <summary>A multi-Region key's replica to create in <paramref name="Region"/> (ReplicateKey, called on the primary), with its policy.</summary>
/// <param name="ReplicaKeyArn">The ARN the replica will have: the primary's key id in <paramref name="Region"/>.</param>
/// <param name="Policy">The primary's policy with AmiShare's statements for <paramref name="Region"/> added.</param>
public sealed record ReplicateKeyDetails(string PrimaryKeyArn, string Region, string ReplicaKeyArn, string Policy) : StepDetails;

/// <summary>An image AmiShare copied, to deregister, and its snapshots to delete afterwards.</summary>
public sealed record DeregisterCopyDetails(string ImageId, string Region, string SourceImageId, ImmutableArray<string> Snapshots) : StepDetails;

/// <summary>
/// The planning of the two multi-Region steps that are not permissions: <c>--replicate-key</c> (a destination where a
/// multi-Region key has no replica gets one, with the same AmiShare statements, docs/aws-facts.md §2) and
/// <c>unshare --deregister-copies</c>. Pure, like the planners that call it.
/// </summary>
public static class RegionalSteps
{
    /// <summary>
    /// The replica of the multi-Region key <paramref name="keyId"/> that a ReplicateKey step (added to
    /// <paramref name="steps"/> once per Region) will create in <paramref name="destination"/>, as the planner will
    /// see it afterwards; null when <paramref name="keyId"/> is not a discovered multi-Region key.
    /// </summary>
    public static KeyState? PlanReplica(string keyId, string destination, ShareRequest request, DiscoveredState state, List<PlanStep> steps)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(steps);
        var primary = state.Keys.Where(k => k.KeyId == keyId && k.PrimaryArn is not null)
            .Select(k => state.Keys.FirstOrDefault(p => p.Arn == k.PrimaryArn))
            .FirstOrDefault(p => p is not null);
        if (primary is null || primary.Manager != KeyManager.Customer)
        {
            return null;
        }

        var partition = Arns.PartitionOf(primary.Arn);
        var replicaArn = $"arn:{partition}:kms:{destination}:{Arns.AccountOf(primary.Arn)}:key/{primary.KeyId}";
        var planned = steps.FirstOrDefault(s => s.Details is ReplicateKeyDetails r && r.ReplicaKeyArn == replicaArn)?.Details as ReplicateKeyDetails;
        if (planned is null)
        {
            var audience = KeyPolicyBuilder.AudienceFor(request.Targets, request.PrincipalsOrEmpty, request.Asg, state.Organization, partition);
            var policy = KeyPolicyBuilder.Share(primary.PolicyJson, destination, audience, state.Organization).PolicyJson;
            planned = new ReplicateKeyDetails(primary.Arn, destination, replicaArn, policy);
            steps.Add(new PlanStep(
                PlanAction.ReplicateKey,
                replicaArn,
                string.Empty,
                $"{primary.Arn} is multi-Region but has no replica in {destination}; ReplicateKey (--replicate-key) creates one there with the same key material and the primary's policy plus AmiShare's statements for {destination}, so the copy there is encrypted under it.",
                StepStatus.Pending,
                planned));
        }

        return new KeyState(replicaArn, KeyManager.Customer, KeyStatus.Enabled, planned.Policy) { PrimaryArn = primary.Arn };
    }

    /// <summary>
    /// <c>--deregister-copies</c>: one DeregisterCopy step per AmiShare copy being unshared. A copy that stays shared
    /// with a target not being removed is refused (deleting it would break that target's launches).
    /// </summary>
    public static void PlanCopyRemoval(IEnumerable<ImageState> images, UnshareRequest request, DiscoveredState state, List<PlanStep> steps, List<PlanFinding> findings)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(steps);
        ArgumentNullException.ThrowIfNull(findings);
        foreach (var copy in images.Where(i => i.SourceImageId is not null && i.OwnerId == state.SourceAccount))
        {
            var others = copy.LaunchPermissions.Where(p => !request.Targets.Any(t => t.Value == p.Value)).ToList();
            if (others.Count > 0 || copy.IsPublic)
            {
                var who = copy.IsPublic ? "everyone (public)" : string.Join(", ", others.Select(o => o.Value));
                findings.Add(PlanFinding.Blocking(
                    "CopyStillShared",
                    copy.Id,
                    $"AmiShare's copy {copy.Id} in {copy.Region} is also shared with {who}; deregistering it would break their launches. Add them to --from, or drop --deregister-copies."));
                continue;
            }

            steps.Add(new PlanStep(
                PlanAction.DeregisterCopy,
                copy.Id,
                string.Empty,
                $"{copy.Id} in {copy.Region} is AmiShare's copy of {copy.SourceImageId} (tag amishare:copy-of) and --deregister-copies was given: DeregisterImage, then DeleteSnapshot of {copy.SnapshotIds.Length} snapshot(s), after its permissions are gone.",
                StepStatus.Pending,
                new DeregisterCopyDetails(copy.Id, copy.Region, copy.SourceImageId!, copy.SnapshotIds)));
        }
    }
}
