using System.Text.Json.Nodes;
using AmiShare.Policy.Catalogue;

namespace AmiShare.Core.Doctor.Rules;

/// <summary>With <c>--copy</c>: the principal's own policies (and boundary) must allow <c>ec2:CopyImage</c>.</summary>
internal sealed class IamCopyImageRule : IDoctorRule
{
    public string Id => DoctorRuleIds.IamCopyImage;

    public IEnumerable<Requirement> Evaluate(DoctorScope scope)
    {
        if (!scope.Facts.Options.Copy)
        {
            yield break;
        }

        var image = scope.Facts.Image;
        var statement = new JsonObject
        {
            ["Sid"] = "AmiShareCopySourceImages",
            ["Effect"] = "Allow",
            ["Action"] = Ec2Actions.CopyImage,
            ["Resource"] = "*",
        }.ToJsonString(Ec2KeyUse.Indented);
        var name = $"IAM {Ec2Actions.CopyImage} on {image.Id} for {scope.PrincipalArn}";
        yield return IdentityPermission.Check(scope, Id, name, Ec2Actions.CopyImage, statement);
    }
}
