using AmiShare.Core.Model;

namespace AmiShare.Core.Audit.Rules;

/// <summary>
/// An image under the AWS managed key (<c>alias/aws/ebs</c>): its fixed policy admits only its own account, so a share
/// is refused, and one already made cannot launch. High when shared, low otherwise.
/// </summary>
internal sealed class UnshareableRule : IAuditRule
{
    public AuditFindingKind Kind => AuditFindingKind.Unshareable;

    public IEnumerable<AuditFinding> Evaluate(AccountInventory inventory)
    {
        foreach (var image in inventory.Images.Where(i => i.State != ImageAvailability.Deregistered))
        {
            var awsManaged = inventory.KeyArnsOf(image).Select(inventory.FindKey).OfType<AuditKey>().Where(k => k.Manager == KeyManager.Aws).ToList();
            if (awsManaged.Count == 0)
            {
                continue;
            }

            var shared = !image.LaunchPermissions.IsEmpty || image.IsPublic;
            var with = shared ? string.Join(", ", image.LaunchPermissions.Select(t => t.Value).Concat(image.IsPublic ? ["all"] : [])) : null;
            var key = awsManaged[0].Arn;
            yield return new AuditFinding(
                Kind,
                shared ? AuditSeverity.High : AuditSeverity.Low,
                inventory.AccountId,
                image.Region,
                image.Id,
                with,
                shared
                    ? $"{image.Id} ({image.Name}) is encrypted with the AWS managed key {key} (alias/aws/ebs) yet shared with {with}: "
                        + $"no other account can launch it, since that key's fixed policy admits only {inventory.AccountId}."
                    : $"{image.Id} ({image.Name}) is encrypted with the AWS managed key {key} (alias/aws/ebs): "
                        + "a share of it will be refused until it is copied under a customer managed key.",
                $"amishare share {image.Id} --with TARGET --region {image.Region} --reencrypt-key KEY "
                + "(shares a copy under the customer managed key KEY)");
        }
    }
}
