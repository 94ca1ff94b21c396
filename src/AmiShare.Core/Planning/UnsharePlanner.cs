using System.Collections.Immutable;
using AmiShare.Core.KeyPolicies;
using AmiShare.Core.Model;
using AmiShare.Policy.Catalogue;

namespace AmiShare.Core.Planning;

/// <summary>
/// Reverses what AmiShare added for some targets (design "Data flow", step 7): launch permissions first,
/// so nobody starts a launch that is about to break, then volume permissions, key-policy principals and
/// Auto Scaling grants. A key keeps a target when another image under that key is still shared with it.
/// </summary>
public static class UnsharePlanner
{
    public static SharePlan Plan(UnshareRequest request, DiscoveredState state)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(state);
        var findings = new List<PlanFinding>();
        if (request.Targets.IsDefaultOrEmpty)
        {
            findings.Add(PlanFinding.Blocking("NoTargets", "targets", "No target was given. Name the accounts, organization ARNs or OU ARNs to unshare from with --from."));
        }

        var originals = ImageResolution.Resolve(request.Images, request.RegionsOrEmpty, state, findings);

        // What was shared for an aws/ebs image is AmiShare's copy of it, so the copy is unshared too.
        var images = originals
            .Concat(state.Images.Where(i => i.SourceImageId is not null && originals.Any(o => o.Id == i.SourceImageId)))
            .Distinct()
            .ToList();
        var keys = new SortedDictionary<string, KeyState>(StringComparer.Ordinal);
        var snapshots = new List<SnapshotState>();
        foreach (var image in images)
        {
            if (ImageResolution.SnapshotsAndKeys(image, state, findings) is { } resolved)
            {
                snapshots.AddRange(resolved.Snapshots);
                foreach (var key in resolved.Keys.Where(k => k.Manager == KeyManager.Customer))
                {
                    keys[key.Arn] = key;
                    foreach (var replica in key.ReplicaArnsOrEmpty.Select(arn => state.Keys.FirstOrDefault(k => k.Arn == arn)).OfType<KeyState>())
                    {
                        keys[replica.Arn] = replica;
                    }
                }
            }
        }

        if (findings.Any(f => f.Severity == FindingSeverity.Blocking))
        {
            return new SharePlan([], [.. findings]);
        }

        var steps = new List<PlanStep>();
        foreach (var image in images)
        {
            var present = request.Targets.Where(image.IsSharedWith).ToImmutableArray();
            steps.Add(present.IsEmpty
                ? new PlanStep(PlanAction.RemoveLaunchPermission, image.Id, Join(request.Targets), $"{image.Id} is not shared with {Join(request.Targets)}.", StepStatus.AlreadyDone, new PermissionDetails(request.Targets, Region: image.Region))
                : new PlanStep(PlanAction.RemoveLaunchPermission, image.Id, Join(present), $"Removing the launch permission stops {Join(present)} from seeing and launching {image.Id}; one ModifyImageAttribute does it.", StepStatus.Pending, new PermissionDetails(present, Region: image.Region)));
        }

        var accounts = request.Targets.Where(t => t.IsAccount).ToImmutableArray();
        foreach (var snapshot in snapshots.Distinct())
        {
            var present = accounts.Where(a => snapshot.CreateVolumePermissions.Contains(a.Value)).ToImmutableArray();
            if (!present.IsEmpty)
            {
                steps.Add(new PlanStep(PlanAction.RemoveCreateVolumePermission, snapshot.Id, Join(present), $"{snapshot.Id} lets {Join(present)} copy it; removing createVolumePermission takes that back.", StepStatus.Pending, new PermissionDetails(present, [snapshot.Id], snapshot.Region)));
            }
        }

        var unsharedIds = images.Select(i => i.Id).ToHashSet(StringComparer.Ordinal);
        foreach (var key in keys.Values)
        {
            var family = key.ReplicaArnsOrEmpty.Add(key.Arn).ToHashSet(StringComparer.Ordinal);
            var stillShared = StillShared(family, unsharedIds, request.Targets, state, out var because);
            var current = KeyPolicyBuilder.Read(key.PolicyJson).AudienceIn(key.Region);
            var remove = Matching(current, request.Targets);
            foreach (var account in accounts.Where(a => state.Organization is { } org && current.OrganizationIds.Contains(org.OrganizationId) && org.ContainsAccount(a.Value)))
            {
                // A fold (or an org share) admits the account through aws:PrincipalOrgID; removing its name changes nothing.
                findings.Add(PlanFinding.Warning(
                    "AccountCoveredByOrganization",
                    key.Arn,
                    $"{account.Value} is a member of {state.Organization!.OrganizationId}, which AmiShare's statements on {key.Arn} admit as a whole, so the key stays usable for it. Unshare {state.Organization.OrganizationId} too if that account must lose access."));
            }

            var change = KeyPolicyBuilder.Unshare(key.PolicyJson, key.Region, remove, Matching(current, stillShared));
            findings.AddRange(change.Findings.Select(f => f with { Resource = key.Arn }));
            var kept = stillShared.IsEmpty ? string.Empty : $" {Join(stillShared)} stay(s) because {because} still use(s) this key and remain(s) shared with them.";
            steps.Add(new PlanStep(
                PlanAction.PutKeyPolicy,
                key.Arn,
                Join(request.Targets),
                (change.Changed
                    ? $"AmiShare's statements in the key policy stop admitting the removed targets; every other statement stays as it is."
                    : $"AmiShare's statements in the key policy admit none of the removed targets that could be dropped.") + kept,
                change.Changed ? StepStatus.Pending : StepStatus.AlreadyDone,
                new KeyPolicyDetails(key.Arn, key.Region, key.PolicyJson, change.PolicyJson, KeyAudience.Empty, remove.Except(Matching(current, stillShared)))));

            foreach (var target in accounts.Where(a => !stillShared.Contains(a)))
            {
                var role = AwsServicePrincipals.AutoScalingServiceRole(target.Value, Arns.PartitionOf(key.Arn));
                foreach (var grant in key.GrantsOrEmpty.Where(g => g.GranteePrincipal == role))
                {
                    steps.Add(new PlanStep(
                        PlanAction.RevokeAsgGrant,
                        key.Arn,
                        target.Value,
                        $"Grant {grant.GrantId} lets {target.Value}'s Auto Scaling role use the key without any key-policy statement; revoking it completes the unshare.",
                        StepStatus.Pending,
                        new AsgGrantDetails(key.Arn, role, target.Value, grant.Operations, $"aws kms revoke-grant --region {key.Region} --key-id {key.Arn} --grant-id {grant.GrantId}", grant.GrantId)));
                }
            }
        }

        if (request.DeregisterCopies)
        {
            RegionalSteps.PlanCopyRemoval(images, request, state, steps, findings);
        }

        return findings.Any(f => f.Severity == FindingSeverity.Blocking)
            ? new SharePlan([], [.. findings])
            : new SharePlan([.. steps], [.. findings]);
    }

    /// <summary>The requested targets that another, still-shared image under the same key (family) keeps needing.</summary>
    private static ImmutableArray<ShareTarget> StillShared(HashSet<string> keyFamily, HashSet<string> unsharedIds, ImmutableArray<ShareTarget> targets, DiscoveredState state, out string because)
    {
        var others = state.Images
            .Where(i => !unsharedIds.Contains(i.Id) && i.OwnerId == state.SourceAccount)
            .Where(i => i.SnapshotIds.Any(id => state.FindSnapshot(id)?.KeyArn is { } arn && keyFamily.Contains(arn)))
            .ToList();
        var kept = targets.Where(t => others.Any(i => i.IsSharedWith(t))).ToImmutableArray();
        because = string.Join(", ", others.Where(i => kept.Any(i.IsSharedWith)).Select(i => i.Id));
        return kept;
    }

    /// <summary>The entries of AmiShare's statements that belong to these targets, principals matched by account.</summary>
    internal static KeyAudience Matching(KeyAudience current, IEnumerable<ShareTarget> targets)
    {
        var list = targets.ToList();
        var accounts = list.Where(t => t.IsAccount).Select(t => t.Value).ToHashSet(StringComparer.Ordinal);
        var orgs = list.Where(t => t.Kind == ShareTargetKind.Organization).Select(t => t.OrganizationId!).ToHashSet(StringComparer.Ordinal);
        var ous = list.Where(t => t.Kind == ShareTargetKind.OrganizationalUnit).Select(t => "/" + t.OuId + "/").ToList();
        return KeyAudience.Of(
            current.Principals.Where(p => accounts.Contains(Arns.AccountOf(p))),
            current.OrganizationIds.Where(orgs.Contains),
            current.OrgPaths.Where(p => ous.Any(ou => p.Contains(ou, StringComparison.Ordinal))),
            current.AsgPrincipals.Where(p => accounts.Contains(Arns.AccountOf(p))));
    }

    private static string Join(IEnumerable<ShareTarget> targets) => string.Join(", ", targets.Select(t => t.Value));
}
