using AmiShare.Core.Model;
using AmiShare.Policy.Catalogue;

namespace AmiShare.Core.Doctor.Rules;

/// <summary>
/// A launch re-encrypts the new volumes under the target's default EBS key (unless the launch names one): it must be
/// Enabled, and EC2 must be allowed to use it for the principal.
/// </summary>
internal sealed class DefaultEbsKeyRule : IDoctorRule
{
    public string Id => DoctorRuleIds.DefaultEbsKey;

    public IEnumerable<Requirement> Evaluate(DoctorScope scope)
    {
        var facts = scope.Facts;
        var target = facts.Target.Account;
        var region = facts.Image.Region;
        var repoint = $"aws ec2 modify-ebs-default-kms-key-id --region {region} --kms-key-id KEY";
        if (facts.Target.DefaultEbsKey is not { } key)
        {
            yield return Requirement.Unknown(
                Id,
                $"default EBS key of {target} in {region}",
                "A launch re-encrypts the new volumes under the target's default EBS key (unless the launch names one), "
                + "and that key could not be read.",
                $"rerun with target credentials that may call {Ec2Actions.GetEbsDefaultKmsKeyId}, {KmsActions.DescribeKey}, "
                + $"{KmsActions.GetKeyPolicy} and {KmsActions.ListGrants} in {region}");
            yield break;
        }

        if (key.State != KeyStatus.Enabled)
        {
            yield return Requirement.Fail(
                Id,
                $"default EBS key state: {key.Arn}",
                $"The default EBS key {key.Arn} of {target} is {key.State}; "
                + "EC2 cannot encrypt the new volumes and the instance would terminate on launch.",
                $"run in {target}: aws kms enable-key --region {key.Region} --key-id {key.Arn}, or point the default at a usable key: {repoint}");
            yield break;
        }

        string KeySideFix(bool createGrant) =>
            $"add to the key policy of {key.Arn} (in {target}), or point the default at a key the launcher may use ({repoint}):\n"
            + Ec2KeyUse.KeyPolicyStatement(
                createGrant ? "AllowLauncherGrantsThroughEc2" : "AllowLauncherThroughEc2", scope.PrincipalArn, key.Region, createGrant, target);

        foreach (var requirement in KeyPermission.Check(scope, Id, key, Ec2KmsUse.DestinationKeyActions, destination: true, KeySideFix))
        {
            yield return requirement;
        }
    }
}
