using AmiShare.Core.KeyPolicies;
using AmiShare.Core.Model;
using AmiShare.Policy.Catalogue;

namespace AmiShare.Core.Audit.Rules;

/// <summary>
/// A customer key policy above <see cref="AuditRules.NearLimitRatio"/> of KMS's fixed size limit, or an image with that
/// share of its launch-permission entities used: a few more named accounts and the next share fails.
/// </summary>
internal sealed class NearLimitRule : IAuditRule
{
    public AuditFindingKind Kind => AuditFindingKind.NearLimit;

    public IEnumerable<AuditFinding> Evaluate(AccountInventory inventory)
    {
        const int maxPolicyBytes = AwsLimits.KeyPolicyMaxBytes;
        var keyLimit = (int)(maxPolicyBytes * AuditRules.NearLimitRatio);
        foreach (var key in inventory.Keys.Where(k => k.Manager == KeyManager.Customer))
        {
            var bytes = KeyPolicyBuilder.ByteCount(key.PolicyJson);
            if (bytes > keyLimit)
            {
                yield return new AuditFinding(
                    Kind,
                    AuditSeverity.Medium,
                    inventory.AccountId,
                    key.Region,
                    key.Arn,
                    null,
                    $"The key policy of {key.Arn} is {bytes:N0} bytes, {bytes * 100 / maxPolicyBytes}% of the fixed {maxPolicyBytes:N0}-byte limit: "
                    + "a few more named accounts and PutKeyPolicy fails.",
                    "share with the organization or OUs instead of accounts (amishare share IMAGE --with ORGANIZATION_ARN), "
                    + "which needs one statement whatever the number of accounts; "
                    + "remove statements for accounts no longer shared with (see STALE findings)");
            }
        }

        const int maxEntities = AwsLimits.LaunchPermissionEntitiesPerImage;
        var imageLimit = (int)(maxEntities * AuditRules.NearLimitRatio);
        foreach (var image in inventory.Images.Where(i => i.SharingEntityCount > imageLimit))
        {
            yield return new AuditFinding(
                Kind,
                AuditSeverity.Medium,
                inventory.AccountId,
                image.Region,
                image.Id,
                null,
                $"{image.Id} ({image.Name}) has {image.SharingEntityCount:N0} launch permission entities "
                + $"of the {maxEntities:N0} allowed per image and region.",
                "share with the organization or OUs instead of single accounts (an organization or OU counts as one): "
                + $"amishare share {image.Id} --with ORGANIZATION_OR_OU_ARN --region {image.Region}, "
                + $"then amishare unshare {image.Id} --from ACCOUNT for the accounts it covers");
        }
    }
}
