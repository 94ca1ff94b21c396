using AmiShare.Core.KeyPolicies;
using AmiShare.Core.Model;
using AmiShare.Core.Planning;
using AmiShare.Policy.Catalogue;
using static AmiShare.Core.Tests.Fixtures;

namespace AmiShare.Core.Tests;

public sealed class UnsharePlannerTests
{
    private static DiscoveredState Shared(ShareRequest request, DiscoveredState? state = null)
    {
        state ??= State();
        return Apply(state, SharePlanner.Plan(request, state));
    }

    [Fact]
    public void Plan_UnshareOneOfTwo_RemovesOnlyThatTargetAndKeepsForeignStatements()
    {
        var state = Shared(Share("ami-cmk", TargetA, TargetB) with { AllowCopy = true, Asg = true });

        var plan = UnsharePlanner.Plan(new UnshareRequest(["ami-cmk"], Targets(TargetA)), state);
        var after = Apply(state, plan);

        Assert.False(plan.IsBlocked, string.Join("; ", plan.Findings));
        Assert.Equal([TargetB], after.Images.Single(i => i.Id == "ami-cmk").LaunchPermissions.Select(t => t.Value).ToArray());
        Assert.Equal([TargetB], after.Snapshots.Single(s => s.Id == "snap-cmk").CreateVolumePermissions.ToArray());
        var key = after.Keys.Single(k => k.Arn == CmkArn);
        var reading = KeyPolicyBuilder.Read(key.PolicyJson);
        Assert.Equal(["arn:aws:iam::333333333333:root"], reading.AudienceIn(Region).Principals);
        Assert.Equal(["arn:aws:iam::333333333333:root"], reading.AudienceIn(Region).AsgPrincipals);
        Assert.Equal(KeyPolicyBuilder.Read(DefaultPolicy).ForeignStatements.ToArray(), reading.ForeignStatements.ToArray());
        Assert.DoesNotContain(key.GrantsOrEmpty, g => g.GranteePrincipal == AwsServicePrincipals.AutoScalingServiceRole(TargetA));
        Assert.False(UnsharePlanner.Plan(new UnshareRequest(["ami-cmk"], Targets(TargetA)), after).HasPendingSteps);
    }

    [Fact]
    public void Plan_OtherImageUnderSameKeyStillShared_KeepsKeyStatement()
    {
        var state = State();
        state = state with
        {
            Images = state.Images.Add(new ImageState("ami-cmk2", "golden-cmk-2", Source, Region, ImageAvailability.Available, [], ["snap-cmk2"])),
            Snapshots = state.Snapshots.Add(new SnapshotState("snap-cmk2", Region, true, CmkArn, [])),
        };
        state = Shared(new ShareRequest(["ami-cmk", "ami-cmk2"], Targets(TargetA)), state);

        var plan = UnsharePlanner.Plan(new UnshareRequest(["ami-cmk"], Targets(TargetA)), state);

        var key = plan.Steps.Single(s => s.Action == PlanAction.PutKeyPolicy);
        Assert.Equal(StepStatus.AlreadyDone, key.Status);
        Assert.Contains("ami-cmk2", key.Reason, StringComparison.Ordinal);
        Assert.Equal(StepStatus.Pending, plan.Steps.Single(s => s.Action == PlanAction.RemoveLaunchPermission).Status);
    }

    public static TheoryData<string, string> OrgTargets => new()
    {
        { "organization", OrgArn },
        { "ou", OuArn },
    };

    [Theory]
    [MemberData(nameof(OrgTargets))]
    public void Plan_UnshareOrgTarget_DropsItsStatements(string name, string target)
    {
        var state = Shared(Share("ami-cmk", target));

        var after = Apply(state, UnsharePlanner.Plan(new UnshareRequest(["ami-cmk"], Targets(target)), state));

        var policy = after.Keys.Single(k => k.Arn == CmkArn).PolicyJson;
        Assert.True(!policy.Contains("AmiShare", StringComparison.Ordinal), name);
        Assert.Empty(after.Images.Single(i => i.Id == "ami-cmk").LaunchPermissions);
    }

    [Fact]
    public void Plan_AwsEbsOriginal_UnsharesItsCopy()
    {
        var state = Shared(Share("ami-ebs", TargetA) with { ReencryptKey = CmkArn });

        var plan = UnsharePlanner.Plan(new UnshareRequest(["ami-ebs"], Targets(TargetA)), state);

        Assert.Contains(plan.Steps, s => s.Action == PlanAction.RemoveLaunchPermission && s.Resource == "ami-copy-ami-ebs" && s.Status == StepStatus.Pending);
        Assert.Contains(plan.Steps, s => s.Action == PlanAction.PutKeyPolicy && s.Resource == CmkArn && s.Status == StepStatus.Pending);
    }

    [Fact]
    public void Plan_AccountInsideSharedOrganization_WarnsThatKeyStaysUsable()
    {
        var state = Shared(Share("ami-cmk", TargetA, OrgArn));

        var plan = UnsharePlanner.Plan(new UnshareRequest(["ami-cmk"], Targets(TargetA)), state);

        Assert.Contains(plan.Findings, f => f.Code == "AccountCoveredByOrganization" && f.Severity == FindingSeverity.Warning);
    }
}
