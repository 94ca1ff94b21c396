using AmiShare.Core.Model;
using AmiShare.Policy.Catalogue;
using AmiShare.Policy.Evaluation;
using AmiShare.Policy.Sharing;

namespace AmiShare.Core.Doctor.Rules;

/// <summary>
/// With <c>--copy</c>: CopyImage needs createVolumePermission for the target on every snapshot of the image (accounts
/// only, or public); a public-only snapshot is private again under the source's snapshot block-all-sharing.
/// </summary>
internal sealed class CopySnapshotPermissionRule : IDoctorRule
{
    public string Id => DoctorRuleIds.CopySnapshotPermission;

    public IEnumerable<Requirement> Evaluate(DoctorScope scope)
    {
        var facts = scope.Facts;
        if (!facts.Options.Copy)
        {
            yield break;
        }

        var image = facts.Image;
        var target = facts.Target.Account;
        var caller = CallerPrincipal.Parse(Arns.AccountRoot(target, image.Partition))!;
        foreach (var snapshot in image.Snapshots)
        {
            var name = $"createVolumePermission: {snapshot.Id} for {target}";
            var fix = $"amishare share {image.Id} --with {target} --region {image.Region} --allow-copy (or: aws ec2 modify-snapshot-attribute "
                + $"--region {image.Region} --snapshot-id {snapshot.Id} --attribute createVolumePermission --operation-type add --user-ids {target})";
            var entries = snapshot.CreateVolumePermissionsOrEmpty.Select(a => new SharingEntry(UserId: a)).ToList();
            if (snapshot.IsPublic)
            {
                entries.Add(new SharingEntry(Group: "all"));
            }

            var request = AuthorizationRequest.Create(caller, Ec2Actions.CopySnapshot, snapshot.Arn(image.Region, image.Partition));
            var result = PolicyEvaluator.Evaluate(request, new PolicyInputs
            {
                IdentityPolicies = [Ec2KeyUse.AllowAllEc2],
                CreateVolumePermissions = new ResourceSharing(image.OwnerId, [.. entries]),
            });
            var deciding = result.Statements
                .Where(s => s.Policy.StartsWith("createVolumePermission[", StringComparison.Ordinal) && s.StatementIndex < entries.Count)
                .Select(s => $"{s.Label} ({entries[s.StatementIndex]})")
                .ToList();
            var onlyPublic = result.IsAllowed && !snapshot.CreateVolumePermissionsOrEmpty.Contains(target) && image.OwnerId != target;
            var blockState = facts.SourceSettings?.SnapshotState;
            if (!result.IsAllowed)
            {
                yield return Requirement.Fail(
                    Id,
                    name,
                    $"{result.Explanation} CopyImage needs it on every snapshot of {image.Id}; organizations and OUs cannot be named here.",
                    fix);
            }
            else if (onlyPublic && blockState is null)
            {
                yield return Requirement.Unknown(
                    Id,
                    name,
                    $"{snapshot.Id} reaches {target} only by being public, and the source's block public access for snapshots could not be read.",
                    fix,
                    deciding);
            }
            else if (onlyPublic && string.Equals(blockState, PublicAccessSettings.BlockAllSharing, StringComparison.OrdinalIgnoreCase))
            {
                yield return Requirement.Fail(
                    Id,
                    name,
                    $"{snapshot.Id} reaches {target} only by being public, "
                    + $"and block public access for snapshots (block-all-sharing) in {image.OwnerId} makes it private.",
                    fix,
                    [.. deciding, $"snapshot-block-public-access:{PublicAccessSettings.BlockAllSharing}"]);
            }
            else
            {
                yield return Requirement.Pass(Id, name, $"{target} may copy {snapshot.Id} through {string.Join(", ", deciding)}.", deciding);
            }
        }
    }
}
