using AmiShare.Core.Model;
using AmiShare.Policy.Catalogue;
using AmiShare.Policy.Evaluation;
using AmiShare.Policy.Sharing;

namespace AmiShare.Core.Doctor.Rules;

/// <summary>
/// The image's launch permissions must cover the target account: by account, by its organization or an OU above it
/// (the engine matches the target's organization path), or publicly. Without the owner's view of the permissions,
/// whether the target sees the image decides.
/// </summary>
internal sealed class LaunchPermissionRule : IDoctorRule
{
    public string Id => DoctorRuleIds.LaunchPermission;

    public IEnumerable<Requirement> Evaluate(DoctorScope scope)
    {
        var facts = scope.Facts;
        var image = facts.Image;
        var target = facts.Target.Account;
        var name = $"launch permission: {image.Id} for {target}";
        var shareFix = $"amishare share {image.Id} --with {target} --region {image.Region} (or: aws ec2 modify-image-attribute "
            + $"--region {image.Region} --image-id {image.Id} --launch-permission \"Add=[{{UserId={target}}}]\")";
        if (image.OwnerId == target)
        {
            yield return Requirement.Pass(Id, name, $"{target} owns {image.Id}.", ["owner"]);
            yield break;
        }

        if (image.LaunchPermissions is not { } permissions)
        {
            yield return facts.Target.ImageVisible switch
            {
                true => Requirement.Pass(
                    Id,
                    name,
                    $"{image.Id} is visible to {target} (DescribeImages from the target), so a launch permission covers it; "
                    + "only the owner can list which one."),
                false => Requirement.Fail(
                    Id,
                    name,
                    $"{image.Id} is not visible to {target}: no launch permission covers the account, its organization or an OU above it.",
                    shareFix),
                _ => Requirement.Unknown(
                    Id,
                    name,
                    "The image's launch permissions can only be read by its owner, and the target's view of the image was not checked.",
                    $"rerun with the source account's credentials (DescribeImageAttribute on {image.Id}) or with the target's"),
            };
            yield break;
        }

        var entries = permissions.Targets.Select(Entry).ToList();
        if (permissions.IsPublic)
        {
            entries.Add(new SharingEntry(Group: "all"));
        }

        var caller = CallerPrincipal.Parse(Arns.AccountRoot(target, image.Partition))!;
        var org = facts.Target.Organization;
        var paths = org?.OrgPathsOrEmpty ?? [];
        var request = AuthorizationRequest.Create(
            caller, Ec2Actions.RunInstances, image.Arn, null, org?.OrganizationId, paths.IsEmpty ? null : paths);
        var result = PolicyEvaluator.Evaluate(request, new PolicyInputs
        {
            IdentityPolicies = [Ec2KeyUse.AllowAllEc2],
            LaunchPermissions = new ResourceSharing(image.OwnerId, [.. entries]),
            PrincipalOrgId = org?.OrganizationId,
            PrincipalOrgPaths = paths,
        });
        var deciding = result.Statements
            .Where(s => s.Policy.StartsWith("launchPermission[", StringComparison.Ordinal) && s.StatementIndex < entries.Count)
            .Select(s => $"{s.Label} ({entries[s.StatementIndex]})")
            .ToList();
        if (result.IsAllowed)
        {
            yield return Requirement.Pass(Id, name, $"{image.Id} is shared with {target} through {string.Join(", ", deciding)}.", deciding);
        }
        else if (org is null && permissions.Targets.Any(t => !t.IsAccount))
        {
            yield return Requirement.Unknown(
                Id,
                name,
                $"{image.Id} is shared with {string.Join(", ", permissions.Targets.Where(t => !t.IsAccount))}, "
                + $"but whether {target} is in that organization or OU is not known.",
                $"rerun with the target's credentials (organizations:DescribeOrganization), or share with the account itself: {shareFix}");
        }
        else
        {
            yield return Requirement.Fail(Id, name, result.Explanation, shareFix);
        }
    }

    private static SharingEntry Entry(ShareTarget target) => target.Kind switch
    {
        ShareTargetKind.Organization => new SharingEntry(OrganizationArn: target.Value),
        ShareTargetKind.OrganizationalUnit => new SharingEntry(OrganizationalUnitArn: target.Value),
        _ => new SharingEntry(UserId: target.Value),
    };
}
