using AmiShare.Policy.Catalogue;
using AmiShare.Policy.Evaluation;
using AmiShare.Policy.Kms;

namespace AmiShare.Policy.Tests.Catalogue;

public sealed class Ec2KmsUseTests
{
    private const string KeyArn = "arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab";

    [Fact]
    public void RequestContext_CreateGrant_AddsGrantIsForAwsResourceAndViaServiceOfTheKeysRegion()
    {
        var context = Ec2KmsUse.RequestContext(KmsActions.CreateGrant, "eu-west-1", "222222222222").ToDictionary(p => p.Key, p => p.Value);

        Assert.Equal(["ec2.eu-west-1.amazonaws.com"], context[ConditionKeys.KmsViaService]);
        Assert.Equal(["true"], context[ConditionKeys.KmsGrantIsForAwsResource]);
        Assert.Equal(["222222222222"], context[ConditionKeys.KmsCallerAccount]);
    }

    [Fact]
    public void RequestContext_Decrypt_HasNoGrantKeyAndNoAccountWhenUnknown()
    {
        var context = Ec2KmsUse.RequestContext(KmsActions.Decrypt, "us-east-1", null).ToDictionary(p => p.Key, p => p.Value);

        Assert.Equal([ConditionKeys.KmsViaService], context.Keys);
    }

    [Theory]
    [InlineData(Ec2KeyRole.Source, "kms:ReEncryptFrom", "kms:ReEncryptTo")]
    [InlineData(Ec2KeyRole.Destination, "kms:ReEncryptTo", "kms:ReEncryptFrom")]
    public void ActionsOn_Role_ReEncryptsInTheRightDirection(Ec2KeyRole role, string included, string excluded)
    {
        var actions = Ec2KmsUse.ActionsOn(role);

        Assert.Contains(included, actions);
        Assert.DoesNotContain(excluded, actions);
        Assert.Contains(KmsActions.CreateGrant, actions);
    }

    [Fact]
    public void KeyPolicyCryptoActions_CoverEveryNonGrantActionOfBothRoles()
    {
        var needed = Ec2KmsUse.SourceKeyActions.Concat(Ec2KmsUse.DestinationKeyActions).Where(a => a != KmsActions.CreateGrant).Distinct();

        foreach (var action in needed)
        {
            Assert.Contains(Ec2KmsUse.KeyPolicyCryptoActions, pattern => AmiShare.Policy.Matching.Glob.IsMatch(pattern, action, ignoreCase: true));
        }
    }

    [Fact]
    public void VolumeGrantOperations_AreGrantableAndCoverWhatEc2DoesWithTheVolume()
    {
        Assert.All(Ec2KmsUse.VolumeGrantOperations, op => Assert.True(KmsActions.GrantableOperations.Contains(op), op));
        Assert.All(Ec2KmsUse.AutoScalingGrantOperations, op => Assert.True(KmsActions.GrantableOperations.Contains(op), op));
        foreach (var action in Ec2KmsUse.SourceKeyActions)
        {
            Assert.Contains(KmsActions.OperationOf(action), Ec2KmsUse.AutoScalingGrantOperations);
        }
    }

    [Fact]
    public void AutoScalingGrant_AdmitsTheServiceLinkedRoleForEveryCallEc2Makes()
    {
        var role = AwsServicePrincipals.AutoScalingServiceRole("222222222222");
        var grant = new KmsGrant(role, Ec2KmsUse.AutoScalingGrantOperations, KeyId: KeyArn);
        var caller = CallerPrincipal.Parse(role.Replace(":iam::", ":sts::", StringComparison.Ordinal).Replace(":role/aws-service-role/autoscaling.amazonaws.com/", ":assumed-role/", StringComparison.Ordinal) + "/AutoScaling")!;

        foreach (var call in Ec2KmsUse.CallsFor(Ec2KeyScenario.AutoScalingLaunch).Where(c => c.Key == Ec2KeyRole.Source))
        {
            var context = Ec2KmsUse.RequestContext(call.Action, "eu-west-1", "222222222222").ToList();
            var request = AuthorizationRequest.Create(caller, call.Action, KeyArn, context);
            var result = PolicyEvaluator.Evaluate(request, new PolicyInputs { Grants = [grant] });
            Assert.True(result.IsAllowed, $"{call.Action}: {result.Explanation}");
        }

        Assert.True(Ec2KmsUse.NeedsAutoScalingGrant(Ec2KeyScenario.AutoScalingLaunch));
        Assert.False(Ec2KmsUse.NeedsAutoScalingGrant(Ec2KeyScenario.Launch));
    }

    [Theory]
    [InlineData("kms:Decrypt", "Decrypt")]
    [InlineData("Decrypt", "Decrypt")]
    [InlineData("KMS:CreateGrant", "CreateGrant")]
    public void OperationOf_Action_StripsThePrefix(string action, string operation) =>
        Assert.Equal(operation, KmsActions.OperationOf(action));
}
