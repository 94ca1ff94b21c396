using System.Collections.Immutable;
using AmiShare.Core.KeyPolicies;
using AmiShare.Core.Model;
using AmiShare.Core.Planning;
using AmiShare.Policy.Catalogue;
using static AmiShare.Core.Tests.Fixtures;

namespace AmiShare.Core.Tests;

public sealed class SharePlannerTests
{
    [Fact]
    public void Plan_AwsEbsImageWithoutReencryptKey_StopsWithExactFix()
    {
        var plan = SharePlanner.Plan(Share("ami-ebs", TargetA), State());

        Assert.True(plan.IsBlocked);
        Assert.Empty(plan.Steps);
        var finding = Assert.Single(plan.Findings);
        Assert.Equal("AwsManagedKey", finding.Code);
        Assert.EndsWith("alias/aws/ebs is AWS managed and cannot be shared; rerun with --reencrypt-key KEY to share a copy under a customer managed key.", finding.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_AwsEbsImageWithReencryptKey_CopiesFirstAndSharesTheCopy()
    {
        var plan = SharePlanner.Plan(Share("golden", TargetA) with { ReencryptKey = "alias/golden" }, State());

        Assert.False(plan.IsBlocked, string.Join("; ", plan.Findings));
        var copy = plan.Steps[0];
        Assert.Equal(PlanAction.CopyImageUnderCustomerKey, copy.Action);
        Assert.Equal(StepStatus.Pending, copy.Status);
        Assert.Equal(CmkArn, Assert.IsType<CopyImageDetails>(copy.Details).KeyArn);
        var launch = plan.Steps.Single(s => s.Action == PlanAction.AddLaunchPermission);
        Assert.Equal(PlanStep.CopyOf("ami-ebs"), launch.Resource);
        var key = plan.Steps.Single(s => s.Action == PlanAction.PutKeyPolicy);
        Assert.Equal(CmkArn, key.Resource);
        Assert.DoesNotContain(plan.Steps, s => s.Resource == AwsEbsArn);
    }

    public static TheoryData<string, ShareRequest> RerunCases => new()
    {
        { "cmk account", Share("ami-cmk", TargetA, TargetB) },
        { "cmk org", Share("ami-cmk", OrgArn) },
        { "cmk ou", Share("ami-cmk", OuArn) },
        { "cmk copy asg", Share("ami-cmk", TargetA) with { AllowCopy = true, Asg = true } },
        { "cmk principal", Share("ami-cmk", TargetA) with { Principals = ["arn:aws:iam::222222222222:role/Launcher"] } },
        { "aws/ebs re-encrypted", Share("ami-ebs", TargetA) with { ReencryptKey = CmkArn, AllowCopy = true } },
        { "multi-Region key", Share("ami-mrk", TargetA, OrgArn) },
    };

    [Theory]
    [MemberData(nameof(RerunCases))]
    public void Plan_AfterApplyingFirstPlan_HasNoPendingSteps(string name, ShareRequest request)
    {
        var state = State();
        var first = SharePlanner.Plan(request, state);
        Assert.False(first.IsBlocked, $"{name}: {string.Join("; ", first.Findings)}");
        Assert.True(first.HasPendingSteps, name);

        var second = SharePlanner.Plan(request, Apply(state, first));

        Assert.False(second.IsBlocked, name);
        Assert.False(second.HasPendingSteps, $"{name}: {string.Join("; ", second.Pending.Select(s => s.Action + " " + s.Resource))}");
    }

    public static TheoryData<string, ShareRequest, string> BlockingCases => new()
    {
        { "allow copy with OU", Share("ami-cmk", OuArn) with { AllowCopy = true }, "createVolumePermission takes only account ids; name the accounts with --with" },
        { "allow copy with org", Share("ami-cmk", TargetA, OrgArn) with { AllowCopy = true }, "createVolumePermission takes only account ids; name the accounts with --with" },
        { "image not owned", Share("ami-foreign", TargetA), "only an image's owner can share it" },
        { "image missing", Share("ami-nope", TargetA), "No image with id or exact name" },
        { "reencrypt key is aws managed", Share("ami-ebs", TargetA) with { ReencryptKey = "alias/aws/ebs" }, "pass a customer managed key" },
        { "reencrypt key missing", Share("ami-ebs", TargetA) with { ReencryptKey = "alias/nope" }, "No KMS key alias/nope" },
        { "principal outside targets", Share("ami-cmk", TargetA) with { Principals = ["arn:aws:iam::333333333333:role/Launcher"] }, "add --with 333333333333" },
        { "target is source", Share("ami-cmk", Source), "needs no share" },
    };

    [Theory]
    [MemberData(nameof(BlockingCases))]
    public void Plan_InvalidRequest_StopsWithFix(string name, ShareRequest request, string fix)
    {
        var plan = SharePlanner.Plan(request, State());

        Assert.True(plan.IsBlocked, name);
        Assert.Empty(plan.Steps);
        Assert.Contains(plan.Findings, f => f.Severity == FindingSeverity.Blocking && f.Message.Contains(fix, StringComparison.Ordinal));
    }

    public static TheoryData<KeyStatus, string> DisabledKeys => new()
    {
        { KeyStatus.Disabled, "aws kms enable-key" },
        { KeyStatus.PendingDeletion, "aws kms cancel-key-deletion" },
    };

    [Theory]
    [MemberData(nameof(DisabledKeys))]
    public void Plan_KeyNotEnabled_StopsWithFix(KeyStatus status, string fix)
    {
        var state = State();
        var key = state.Keys.Single(k => k.Arn == CmkArn);
        state = state with { Keys = state.Keys.Replace(key, key with { Status = status }) };

        var plan = SharePlanner.Plan(Share("ami-cmk", TargetA), state);

        var finding = Assert.Single(plan.Findings);
        Assert.Equal("KeyNotEnabled", finding.Code);
        Assert.Contains(fix, finding.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_SomeTargetsAlreadyLaunchable_AddsOnlyMissingInOneStep()
    {
        var state = State();
        var image = state.Images.Single(i => i.Id == "ami-cmk");
        state = state with { Images = state.Images.Replace(image, image with { LaunchPermissions = [Target(TargetA)] }) };

        var plan = SharePlanner.Plan(Share("ami-cmk", TargetA, TargetB, OrgArn), state);

        var launch = Assert.Single(plan.Steps, s => s.Action == PlanAction.AddLaunchPermission);
        Assert.Equal(StepStatus.Pending, launch.Status);
        Assert.Equal([TargetB, OrgArn], Assert.IsType<PermissionDetails>(launch.Details).Targets.Select(t => t.Value).ToArray());
    }

    [Fact]
    public void Plan_MultiRegionKey_PutsPolicyOnPrimaryAndEachReplica()
    {
        var plan = SharePlanner.Plan(Share("ami-mrk", TargetA), State());

        var puts = plan.Steps.Where(s => s.Action == PlanAction.PutKeyPolicy).ToList();
        Assert.Equal([MrkReplicaArn, MrkArn], puts.Select(s => s.Resource).Order(StringComparer.Ordinal).ToArray());
        Assert.All(puts, s => Assert.Equal(StepStatus.Pending, s.Status));
        var replica = Assert.IsType<KeyPolicyDetails>(puts.Single(s => s.Resource == MrkReplicaArn).Details);
        Assert.Contains("ec2.eu-west-1.amazonaws.com", replica.NewPolicy, StringComparison.Ordinal);
        Assert.Equal(KeyPolicyBuilder.Read(DefaultPolicy).ForeignStatements.ToArray(), KeyPolicyBuilder.Read(replica.NewPolicy).ForeignStatements.ToArray());
    }

    [Fact]
    public void Plan_ReplicaNotDiscovered_WarnsWithRegionToAdd()
    {
        var state = State();
        state = state with { Keys = [.. state.Keys.Where(k => k.Arn != MrkReplicaArn)] };

        var plan = SharePlanner.Plan(Share("ami-mrk", TargetA), state);

        Assert.False(plan.IsBlocked);
        Assert.Contains(plan.Findings, f => f.Code == "ReplicaNotDiscovered" && f.Message.Contains("--region eu-west-1", StringComparison.Ordinal));
    }

    [Fact]
    public void Plan_Share_OrdersCopyKeyLaunchVolumeGrantIam()
    {
        var plan = SharePlanner.Plan(Share("ami-ebs", TargetA) with { ReencryptKey = CmkArn, AllowCopy = true, Asg = true }, State());

        Assert.Equal(
            [PlanAction.CopyImageUnderCustomerKey, PlanAction.PutKeyPolicy, PlanAction.AddLaunchPermission, PlanAction.AddCreateVolumePermission, PlanAction.CreateAsgGrant, PlanAction.EmitTargetIamPolicy],
            plan.Steps.Select(s => s.Action).ToArray());
        Assert.All(plan.Steps, s => Assert.False(string.IsNullOrWhiteSpace(s.Reason)));
        var grant = Assert.IsType<AsgGrantDetails>(plan.Steps.Single(s => s.Action == PlanAction.CreateAsgGrant).Details);
        Assert.Equal(AwsServicePrincipals.AutoScalingServiceRole(TargetA), grant.GranteePrincipal);
        Assert.Contains("aws kms create-grant", grant.TargetCommand, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_OuTargetWithKnownPath_UsesFullOrgPath()
    {
        var plan = SharePlanner.Plan(Share("ami-cmk", OuArn), State());

        var key = Assert.IsType<KeyPolicyDetails>(plan.Steps.Single(s => s.Action == PlanAction.PutKeyPolicy).Details);
        Assert.Equal([$"{OrgId}/r-ab12/{OuId}/*"], KeyPolicyBuilder.Read(key.NewPolicy).AudienceIn(Region).OrgPaths);
    }

    [Fact]
    public void Plan_SameInputs_SamePlan()
    {
        var request = Share("ami-cmk", TargetB, TargetA, OuArn) with { Asg = true };

        Assert.Equal(SharePlanJson.Write(SharePlanner.Plan(request, State())), SharePlanJson.Write(SharePlanner.Plan(request, State())));
    }

    [Fact]
    public void Plan_ImageByName_ResolvesOwnedImage()
    {
        var plan = SharePlanner.Plan(new ShareRequest(["golden-cmk"], Targets(TargetA), Regions: ImmutableArray.Create(Region)), State());

        Assert.Equal("ami-cmk", plan.Steps.Single(s => s.Action == PlanAction.AddLaunchPermission).Resource);
    }
}
