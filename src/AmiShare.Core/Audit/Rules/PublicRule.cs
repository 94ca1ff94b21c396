namespace AmiShare.Core.Audit.Rules;

/// <summary>A public image (launch permission <c>Group=all</c>) or a public snapshot: every AWS account can read it.</summary>
internal sealed class PublicRule : IAuditRule
{
    public AuditFindingKind Kind => AuditFindingKind.Public;

    public IEnumerable<AuditFinding> Evaluate(AccountInventory inventory)
    {
        foreach (var image in inventory.Images.Where(i => i.IsPublic))
        {
            yield return new AuditFinding(
                Kind,
                AuditSeverity.High,
                inventory.AccountId,
                image.Region,
                image.Id,
                "all",
                $"{image.Id} ({image.Name}) is public: every AWS account can launch it and read what it contains.",
                $"aws ec2 modify-image-attribute --region {image.Region} --image-id {image.Id} --launch-permission \"Remove=[{{Group=all}}]\"; "
                + $"to stop new public shares: aws ec2 enable-image-block-public-access --region {image.Region} "
                + "--image-block-public-access-state block-new-sharing");
        }

        foreach (var snapshot in inventory.Snapshots.Where(s => s.IsPublic))
        {
            yield return new AuditFinding(
                Kind,
                AuditSeverity.High,
                inventory.AccountId,
                snapshot.Region,
                snapshot.Id,
                "all",
                $"{snapshot.Id} is public{(snapshot.Encrypted ? string.Empty : " and unencrypted")}: "
                + "every AWS account can create a volume from it and read its data.",
                $"aws ec2 modify-snapshot-attribute --region {snapshot.Region} --snapshot-id {snapshot.Id} --attribute createVolumePermission "
                + "--operation-type remove --group-names all; "
                + $"to block it for good: aws ec2 enable-snapshot-block-public-access --region {snapshot.Region} --state block-all-sharing");
        }
    }
}
