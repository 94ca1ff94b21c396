using System.Collections.Immutable;
using AmiShare.Core.Model;
using AmiShare.Core.Planning;
using AmiShare.Core.Ports;
using static AmiShare.Core.Tests.Fixtures;

namespace AmiShare.Core.Tests;

public sealed class PublishingAndRetirePlannerTests
{
    private const string Image = "ami-0123456789abcdef0";
    private const string Name = "/golden/ami-id";
    private static readonly DateTimeOffset Now = new(2026, 12, 4, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("/golden/al2023/ami-id", null)]
    [InlineData("golden-ami", null)]
    [InlineData("/aws/golden", "begins with aws or ssm")]
    [InlineData("SSM-golden", "begins with aws or ssm")]
    [InlineData("golden/ami", "does not begin with /")]
    [InlineData("/golden//ami", "empty level")]
    [InlineData("/golden ami", "letters, digits")]
    [InlineData("/a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p", "more than 15 levels")]
    public void Problem_ParameterName_NamesTheRuleAndTheFix(string name, string? rule)
    {
        var problem = ParameterNames.Problem(name, "--ssm-parameter");
        if (rule is null)
        {
            Assert.Null(problem);
        }
        else
        {
            Assert.Contains(rule, problem, StringComparison.Ordinal);
            Assert.Contains("Pass --ssm-parameter a name like", problem, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Extend_ParametersInTargets_CreatesMissingSkipsCurrentOverwritesOwnRefusesForeign()
    {
        var plan = SharedPlan();
        var request = new PublishingRequest(Name, null, Protect: false, WithCooldown: false, HasTargetCredentials: true);
        var images = PublishingPlanner.SharedImages(plan, State());
        var targets = ImmutableArray.Create(ShareTarget.Account(TargetA), ShareTarget.Account(TargetB));

        var fresh = PublishingPlanner.Extend(plan, request, images, targets, Facts());
        Assert.Equal(2, fresh.Steps.Count(s => s.Action == PlanAction.PublishImageParameter && s.Status == StepStatus.Pending));

        var mine = Parameter(Image, ImageParameterDetails.MarkPrefix + " for " + Image);
        var stale = Parameter("ami-0fedcba9876543210", ImageParameterDetails.MarkPrefix + " for " + Image);
        var mixed = PublishingPlanner.Extend(plan, request, images, targets, Facts((TargetA, mine), (TargetB, stale)));
        var steps = mixed.Steps.Where(s => s.Action == PlanAction.PublishImageParameter).ToDictionary(s => s.Target);
        Assert.Equal(StepStatus.AlreadyDone, steps[TargetA].Status);
        Assert.Equal(StepStatus.Pending, steps[TargetB].Status);
        Assert.True(((ImageParameterDetails)steps[TargetB].Details!).Overwrite);

        var foreign = PublishingPlanner.Extend(plan, request, images, targets, Facts((TargetB, Parameter(Image, "the platform team's"))));
        Assert.True(foreign.IsBlocked);
        Assert.Contains(foreign.Findings, f => f.Code == "ParameterNotAmiShares" && f.Message.Contains(TargetB, StringComparison.Ordinal));
    }

    [Fact]
    public void Extend_NoTargetCredentials_PrintsTheRamStepsInstead()
    {
        var plan = SharedPlan();
        var request = new PublishingRequest(Name, null, Protect: false, WithCooldown: false, HasTargetCredentials: false);
        var extended = PublishingPlanner.Extend(plan, request, PublishingPlanner.SharedImages(plan, State()), [ShareTarget.Account(TargetA)], Facts());
        var step = Assert.Single(extended.Steps, s => s.Action == PlanAction.PublishImageParameter);
        Assert.Equal((StepStatus.Informational, "RAM"), (step.Status, step.Target));
        Assert.Contains("aws ram create-resource-share", step.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Extend_DeprecationAndProtectionAlreadyInPlace_AlreadyDone()
    {
        var plan = SharedPlan();
        var at = new DateTimeOffset(2027, 6, 30, 0, 0, 20, TimeSpan.Zero);
        var request = new PublishingRequest(null, at, Protect: true, WithCooldown: false, HasTargetCredentials: false);
        var images = PublishingPlanner.SharedImages(plan, State());
        var done = new ImageLifecycleState(Image, Region, at.AddSeconds(-20), "enabled", null, []);
        var extended = PublishingPlanner.Extend(plan, request, images, [], Facts() with { Images = ImmutableDictionary<string, ImageLifecycleState>.Empty.Add(Image, done) });
        Assert.All(extended.Steps.Where(s => s.Action is PlanAction.DeprecateImage or PlanAction.ProtectImageFromDeregistration), s => Assert.Equal(StepStatus.AlreadyDone, s.Status));

        var pending = PublishingPlanner.Extend(plan, request with { WithCooldown = true }, images, [], Facts());
        Assert.Equal(2, pending.Steps.Count(s => s.Status == StepStatus.Pending && s.Details is LifecycleDetails));
    }

    [Fact]
    public void Plan_Retire_RefusedWhileRunningForcedWithWarningCooldownBlocks()
    {
        var request = new RetireRequest(Image, ["eu-west-1"], Force: false, TimeSpan.FromDays(30));
        var copy = new RetiredImage("ami-0aaaaaaaaaaaaaaaa", "eu-west-1", IsCopy: true, [ShareTarget.Account(TargetA)], new ImageLifecycleState("ami-0aaaaaaaaaaaaaaaa", "eu-west-1", null, "enabled", null, ["snap-0aaaaaaaaaaaaaaaa"]));
        var original = new RetiredImage(Image, Region, IsCopy: false, [ShareTarget.Account(TargetA)], new ImageLifecycleState(Image, Region, null, "disabled", null, ["snap-0bbbbbbbbbbbbbbbb"]));
        var use = new ImageUse(copy.Id, copy.Region, TargetA, ["i-0123456789abcdef0"]);
        var facts = new RetireFacts(Image, [original, copy], [use], TargetsChecked: true, Now);

        var refused = RetirePlanner.Plan(request, facts);
        Assert.True(refused.IsBlocked);
        Assert.Contains(refused.Findings, f => f.Code == "ImageInUse" && f.Message.Contains("i-0123456789abcdef0", StringComparison.Ordinal));

        var forced = RetirePlanner.Plan(request with { Force = true }, facts);
        Assert.False(forced.IsBlocked);
        Assert.Equal(
            [PlanAction.DeprecateImage, PlanAction.RemoveLaunchPermission, PlanAction.RemoveLaunchPermission, PlanAction.UnprotectImage, PlanAction.DeregisterCopy, PlanAction.DeleteCopySnapshot],
            forced.Steps.Select(s => s.Action));
        Assert.DoesNotContain(forced.Steps, s => s.Resource == "snap-0bbbbbbbbbbbbbbbb");

        var cooling = facts with { Uses = [], Images = [original, copy with { Lifecycle = copy.Lifecycle with { DeregistrationProtection = "enabled-with-cooldown" } }] };
        Assert.Contains(RetirePlanner.Plan(request, cooling).Findings, f => f.Code == "DeregistrationCooldown");
    }

    [Fact]
    public void Plan_RetireWithoutTargetCredentials_RecentLaunchCountsAsUse()
    {
        var request = new RetireRequest(Image, [], Force: false, TimeSpan.FromDays(30));
        RetiredImage Launched(DateTimeOffset at) => new(Image, Region, IsCopy: false, [ShareTarget.Account(TargetA)], new ImageLifecycleState(Image, Region, null, "disabled", at, []));

        Assert.True(RetirePlanner.Plan(request, new RetireFacts(Image, [Launched(Now.AddDays(-2))], [], TargetsChecked: false, Now)).IsBlocked);
        Assert.False(RetirePlanner.Plan(request, new RetireFacts(Image, [Launched(Now.AddDays(-60))], [], TargetsChecked: false, Now)).IsBlocked);
    }

    private static ParameterState Parameter(string value, string description) => new(Name, value, "aws:ec2:image", description, 3);

    private static PublishingFacts Facts(params (string Account, ParameterState State)[] parameters) => new(
        parameters.ToImmutableDictionary(p => (p.Account, Region), p => (ParameterState?)p.State),
        ImmutableDictionary<string, ImageLifecycleState>.Empty);

    private static DiscoveredState State() => new(Source, [], [], []);

    private static SharePlan SharedPlan() => new(
        [new PlanStep(PlanAction.AddLaunchPermission, Image, TargetA, "share", StepStatus.Pending, new PermissionDetails([ShareTarget.Account(TargetA)], Region: Region))],
        []);
}
