using AmiShare.Core.Model;
using AmiShare.Policy.Catalogue;

namespace AmiShare.Core.Doctor.Rules;

/// <summary>
/// Each key the image's snapshots are encrypted under must be readable, customer managed (the AWS managed key admits
/// only its own account) and Enabled; EC2 cannot decrypt under any other state.
/// </summary>
internal sealed class SourceKeyStateRule : IDoctorRule
{
    private const string InvalidStateOutcome = "the instance would go from pending to terminated (Client.InvalidKMSKey.InvalidState)";

    public string Id => DoctorRuleIds.SourceKeyState;

    public IEnumerable<Requirement> Evaluate(DoctorScope scope)
    {
        var facts = scope.Facts;
        var image = facts.Image;
        foreach (var (keyArn, snapshots) in scope.EncryptedSnapshotsByKey)
        {
            var snapshotList = string.Join(", ", snapshots);
            var name = $"source key: {keyArn ?? snapshotList}";
            var key = keyArn is null ? null : facts.FindSourceKey(keyArn);
            if (key is null)
            {
                yield return Requirement.Unknown(
                    Id,
                    name,
                    $"The key of {snapshotList} could not be read (EC2 shows a shared snapshot's key only to its owner, "
                    + "and DescribeKey needs the key owner's consent).",
                    $"rerun with the source account's credentials ({image.OwnerId}) "
                    + "so doctor can read the snapshots, DescribeKey, GetKeyPolicy and ListGrants");
                continue;
            }

            if (key.Manager == KeyManager.Aws && key.Account != facts.Target.Account)
            {
                yield return Requirement.Fail(
                    Id,
                    name,
                    $"{snapshotList} are encrypted with the AWS managed key alias/aws/ebs, whose fixed policy admits only its own account: "
                    + $"no other account can launch {image.Id}.",
                    $"amishare share {image.Id} --with {facts.Target.Account} --region {image.Region} --reencrypt-key KEY "
                    + "(shares a copy encrypted under the customer managed key KEY)");
                continue;
            }

            var enable = $"aws kms enable-key --region {key.Region} --key-id {key.Arn}";
            yield return key.State switch
            {
                KeyStatus.Enabled => Requirement.Pass(Id, name, $"{key.Arn} is Enabled."),
                KeyStatus.PendingDeletion => Requirement.Fail(
                    Id,
                    name,
                    $"{key.Arn} is scheduled for deletion: EC2 cannot decrypt {snapshotList}, and {InvalidStateOutcome}.",
                    $"run in {key.Account}: aws kms cancel-key-deletion --region {key.Region} --key-id {key.Arn} && {enable}"),
                _ => Requirement.Fail(
                    Id,
                    name,
                    $"{key.Arn} is {key.State}: EC2 cannot decrypt {snapshotList}, and {InvalidStateOutcome}.",
                    $"run in {key.Account}: {enable}"),
            };
        }
    }
}
