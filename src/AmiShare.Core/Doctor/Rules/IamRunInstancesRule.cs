using System.Text.Json.Nodes;
using AmiShare.Policy.Catalogue;

namespace AmiShare.Core.Doctor.Rules;

/// <summary>The principal's own policies (and boundary) must allow <c>ec2:RunInstances</c> on the shared image.</summary>
internal sealed class IamRunInstancesRule : IDoctorRule
{
    public string Id => DoctorRuleIds.IamRunInstances;

    public IEnumerable<Requirement> Evaluate(DoctorScope scope)
    {
        var image = scope.Facts.Image;
        var statement = new JsonObject
        {
            ["Sid"] = "AmiShareLaunchSourceImages",
            ["Effect"] = "Allow",
            ["Action"] = Ec2Actions.RunInstances,
            ["Resource"] = $"arn:{image.Partition}:ec2:{image.Region}::image/*",
            ["Condition"] = new JsonObject { ["StringEquals"] = new JsonObject { [ConditionKeys.Ec2Owner] = image.OwnerId } },
        }.ToJsonString(Ec2KeyUse.Indented);
        var name = $"IAM {Ec2Actions.RunInstances} on {image.Id} for {scope.PrincipalArn}";
        yield return IdentityPermission.Check(scope, Id, name, Ec2Actions.RunInstances, statement);
    }
}
