using System.Collections.Immutable;
using AmiShare.Core.Model;
using AmiShare.Core.Planning;
using AmiShare.Core.Ports;
using static AmiShare.Core.Tests.Fixtures;

namespace AmiShare.Core.Tests;

public sealed class ParameterWithdrawalPlannerTests
{
    private const string Image = "ami-0123456789abcdef0";
    private const string Copy = "ami-0aaaaaaaaaaaaaaa1";
    private const string Other = "ami-0fedcba9876543210";
    private const string Eu = "eu-west-1";
    private const string Name = "/golden/ami-id";
    private const string Mark = ImageParameterDetails.MarkPrefix + " for " + Image + "; overwritten by later shares of it.";

    private static readonly ImmutableArray<WithdrawnImage> Withdrawn = [new(Image, Region), new(Copy, Eu)];

    /// <summary>What is found in TargetA (us-east-1), and what the plan then says: a pending deletion, a finding, or nothing.</summary>
    public static TheoryData<string, ParameterState?, StepStatus?, string?> Cases => new()
    {
        { "absent: nothing to do", null, null, null },
        { "AmiShare's, holding the image: deleted", new(Name, Image, "aws:ec2:image", Mark, 1), StepStatus.Pending, null },
        { "someone else's: left", new(Name, Image, "aws:ec2:image", "the platform team's", 4), null, $"{Name} in {TargetA} ({Region}) was written by someone else, left." },
        { "no description at all: left", new(Name, Image, "text", null, 1), null, "written by someone else, left" },
        { "AmiShare's, holding another image: left", new(Name, Other, "aws:ec2:image", Mark, 2), null, $"{Name} in {TargetA} ({Region}) now holds {Other}, left." },
        { "AmiShare's, holding the other Region's copy: left", new(Name, Copy, "aws:ec2:image", Mark, 2), null, $"now holds {Copy}, left." },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Prepend_ParameterFound_DeletesOnlyAmiSharesHoldingAWithdrawnImage(string because, ParameterState? found, StepStatus? status, string? finding)
    {
        var facts = new ParameterFacts(ImmutableDictionary<(string, string), ParameterState?>.Empty.Add((TargetA, Region), found), ImmutableDictionary<string, string>.Empty);
        var plan = ParameterWithdrawalPlanner.Prepend(Existing(), Name, Withdrawn, [new ParameterHolder(TargetA, "unshare takes it back")], facts);

        var deletion = plan.Steps.SingleOrDefault(s => s.Action == PlanAction.DeleteImageParameter);
        Assert.True(status == deletion?.Status, because);
        if (deletion is not null)
        {
            Assert.Equal((Image, TargetA), (deletion.Resource, deletion.Target));
            Assert.Same(deletion, plan.Steps[0]);
            var details = Assert.IsType<ImageParameterDeletionDetails>(deletion.Details);
            Assert.Equal((Name, Region, TargetA), (details.Name, details.Region, details.Account));
        }

        if (finding is null)
        {
            Assert.DoesNotContain(plan.Findings, f => f.Code == "ParameterLeft");
        }
        else
        {
            Assert.Contains(plan.Findings, f => f.Code == "ParameterLeft" && f.Severity == FindingSeverity.Warning && f.Message.Contains(finding, StringComparison.Ordinal));
        }

        Assert.False(plan.IsBlocked);
    }

    [Fact]
    public void Append_DepartedAccountUnreachable_ReportsItLeftWithTheCommandAndPlansNoDeletion()
    {
        var facts = new ParameterFacts(ImmutableDictionary<(string, string), ParameterState?>.Empty, ImmutableDictionary<string, string>.Empty.Add(TargetB, "AssumeRole: AccessDenied"));
        var plan = ParameterWithdrawalPlanner.Append(Existing(), Name, Withdrawn, [new ParameterHolder(TargetB, "it left the OU", Departed: true)], facts);

        var left = plan.Steps.Where(s => s.Action == PlanAction.DeleteImageParameter).ToList();
        Assert.Equal(2, left.Count);
        Assert.All(left, s => Assert.Equal((StepStatus.Informational, TargetB), (s.Status, s.Target)));
        Assert.Contains(left, s => s.Reason.Contains($"{Name} in {TargetB} ({Eu}) is left", StringComparison.Ordinal) && s.Reason.Contains($"aws ssm delete-parameter --name {Name} --region {Eu}", StringComparison.Ordinal));
        Assert.Equal(PlanAction.AddLaunchPermission, plan.Steps[0].Action);
        Assert.DoesNotContain(plan.Pending, s => s.Action == PlanAction.DeleteImageParameter);
    }

    [Fact]
    public void UnsharedImages_UnsharePlan_EveryImageItTakesBackPerRegion()
    {
        var plan = new SharePlan(
            [
                new PlanStep(PlanAction.RemoveLaunchPermission, Image, TargetA, "why", StepStatus.Pending, new PermissionDetails(Targets(TargetA), Region: Region)),
                new PlanStep(PlanAction.RemoveLaunchPermission, Copy, TargetA, "why", StepStatus.AlreadyDone, new PermissionDetails(Targets(TargetA), Region: Eu)),
                new PlanStep(PlanAction.PutKeyPolicy, CmkArn, TargetA, "why", StepStatus.Pending),
            ],
            []);

        Assert.Equal(Withdrawn.AsEnumerable(), ParameterWithdrawalPlanner.UnsharedImages(plan).AsEnumerable());
    }

    [Fact]
    public void Departed_MemberLeftTheExpandedOu_OnlyRecordedAccountsNotStillReached()
    {
        var ou = Target(OuArn);
        var images = ImmutableArray.Create(new SharedImageRef(Image, Region, Image));
        var expansions = ImmutableArray.Create(new TargetExpansion(ou, [TargetA]));
        var recorded = ImmutableArray.Create(new RecordedExpansion(Image, OuArn, [TargetA, TargetB, Outsider]), new RecordedExpansion(Image, OrgArn, [Outsider]));

        var departed = TargetExpansionPlanner.Departed(images, expansions, [ou], Source, recorded);

        // TargetA is still a member; the outsider is still held through the organization's record.
        Assert.Equal([TargetB], departed.AsEnumerable());
    }

    [Fact]
    public void WarnGroups_OuTarget_WarnsThatItsMembersParametersAreLeft()
    {
        var plan = ParameterWithdrawalPlanner.WarnGroups(Existing(), Name, Targets(TargetA, OuArn));
        var warning = Assert.Single(plan.Findings);
        Assert.Equal(("ParameterInGroupLeft", OuArn, FindingSeverity.Warning), (warning.Code, warning.Resource, warning.Severity));
    }

    private static SharePlan Existing() =>
        new([new PlanStep(PlanAction.AddLaunchPermission, Image, TargetA, "why", StepStatus.Pending, new PermissionDetails(Targets(TargetA), Region: Region))], []);
}
