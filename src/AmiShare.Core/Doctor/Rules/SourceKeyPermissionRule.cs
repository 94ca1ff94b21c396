using AmiShare.Core.Model;
using AmiShare.Policy.Catalogue;

namespace AmiShare.Core.Doctor.Rules;

/// <summary>
/// For each usable source key, every call EC2 makes on it for the launch must be allowed for the principal through
/// EC2: by the key policy or a grant, and by the principal's own policies and boundary.
/// </summary>
internal sealed class SourceKeyPermissionRule : IDoctorRule
{
    public string Id => DoctorRuleIds.SourceKeyPermission;

    public IEnumerable<Requirement> Evaluate(DoctorScope scope)
    {
        var image = scope.Facts.Image;
        var target = scope.Facts.Target.Account;
        var shareFix = $"amishare share {image.Id} --with {target} --region {image.Region}";
        foreach (var key in scope.UsableSourceKeys)
        {
            var admitted = Arns.AccountRoot(target, Arns.PartitionOf(key.Arn));
            string KeySideFix(bool createGrant) =>
                $"add to the key policy of {key.Arn} (in {key.Account}), or run `{shareFix}`, which writes the equivalent statement:\n"
                + Ec2KeyUse.KeyPolicyStatement(
                    createGrant ? $"AllowGrantsFor{target}ThroughEc2" : $"AllowUseBy{target}ThroughEc2", admitted, key.Region, createGrant);

            foreach (var requirement in KeyPermission.Check(scope, Id, key, Ec2KmsUse.SourceKeyActions, destination: false, KeySideFix))
            {
                yield return requirement;
            }
        }
    }
}
