using System.Collections.Immutable;
using AmiShare.Core.Model;
using AmiShare.Core.Planning;
using AmiShare.Core.Ports;
using static AmiShare.Core.Tests.Fixtures;

namespace AmiShare.Core.Tests;

/// <summary>
/// The record of whom <c>share --expand-targets --ssm-parameter</c> published to, per name and Region: which departed
/// member's parameter a later run (sharing a newer image) deletes, and what it records once the run succeeded.
/// </summary>
public sealed class PublishedParameterRecordTests
{
    private const string Name = "/golden/ami-id";
    private const string V1 = "ami-0111111111111111a";
    private const string V2 = "ami-0222222222222222b";
    private const string Other = "ami-0fedcba9876543210";
    private const string Mark = ImageParameterDetails.MarkPrefix + " for " + V1 + "; overwritten by later shares of it.";

    private static readonly string Key = PublishedParameterRecord.Key(Region, Name);

    /// <summary>v1 went to TargetA and TargetB through the OU; this run shares v2.</summary>
    private static readonly ImmutableArray<RecordedExpansion> Published =
    [
        new(Key, OuArn, [TargetA, TargetB]),
        new(Key, PublishedParameterRecord.ImagesTarget, [V1]),
    ];

    /// <summary>The OU's members now, the accounts named with --with, TargetA's parameter → the deletion's status, or the finding's text.</summary>
    public static TheoryData<string, string, string, ParameterState?, StepStatus?, string?> Cases => new()
    {
        { "departed, AmiShare's holding the recorded v1: deleted", TargetB, "", new(Name, V1, "aws:ec2:image", Mark, 1), StepStatus.Pending, null },
        { "departed, AmiShare's holding v2 (a failed run wrote it): deleted", TargetB, "", new(Name, V2, "aws:ec2:image", Mark, 2), StepStatus.Pending, null },
        { "departed, AmiShare's holding an image never published under the name: left", TargetB, "", new(Name, Other, "aws:ec2:image", Mark, 3), null, $"{Name} in {TargetA} ({Region}) now holds {Other}, left." },
        { "departed, someone else's: left", TargetB, "", new(Name, V1, "aws:ec2:image", "the platform team's", 4), null, "written by someone else, left." },
        { "departed, no parameter: nothing", TargetB, "", null, null, null },
        { "still a member: nothing", $"{TargetA},{TargetB}", "", new(Name, V1, "aws:ec2:image", Mark, 1), null, null },
        { "left the OU but named with --with: nothing", TargetB, TargetA, new(Name, V1, "aws:ec2:image", Mark, 1), null, null },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Withdraw_DepartedMemberParameterFound_DeletesOnlyAmiSharesHoldingARecordedImage(string because, string members, string named, ParameterState? found, StepStatus? status, string? finding)
    {
        var facts = new ParameterFacts(ImmutableDictionary<(string, string), ParameterState?>.Empty.Add((TargetA, Region), found), ImmutableDictionary<string, string>.Empty);
        var withdrawals = PublishedParameterRecord.Withdrawals(Name, [new SharedImageRef(V2, Region, V2)], Expansion(members), TargetsOf(named), Source, [], Published);

        var plan = PublishedParameterRecord.Withdraw(new SharePlan([], []), Name, withdrawals, "it left the OU", facts);

        var deletion = plan.Steps.SingleOrDefault(s => s.Action == PlanAction.DeleteImageParameter);
        Assert.True(status == deletion?.Status, because);
        Assert.Equal(deletion is null ? null : found!.Value, deletion?.Resource);
        Assert.Equal(deletion is null ? null : TargetA, deletion?.Target);
        if (finding is null)
        {
            Assert.Empty(plan.Findings);
        }
        else
        {
            Assert.Contains(finding, Assert.Single(plan.Findings).Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Withdraw_DepartedMemberRoleGone_ReportsTheDeleteCommandAsInformational()
    {
        var facts = new ParameterFacts(ImmutableDictionary<(string, string), ParameterState?>.Empty, ImmutableDictionary<string, string>.Empty.Add(TargetA, "AssumeRole: AccessDenied"));
        var withdrawals = PublishedParameterRecord.Withdrawals(Name, [new SharedImageRef(V2, Region, V2)], Expansion(TargetB), TargetsOf(""), Source, [], Published);

        var step = Assert.Single(PublishedParameterRecord.Withdraw(new SharePlan([], []), Name, withdrawals, "it left the OU", facts).Steps);

        Assert.Equal((StepStatus.Informational, TargetA), (step.Status, step.Target));
        Assert.Contains($"aws ssm delete-parameter --name {Name} --region {Region}", step.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Withdrawals_OnlyACreateVolumePermissionRecord_ParameterRecordIgnoresItButTheImagesDepartedStillCount()
    {
        // An image's createVolumePermission record handed to the parameter path as if it were its record: not read.
        ImmutableArray<RecordedExpansion> imageRecord = [new(V2, OuArn, [TargetA, TargetB])];
        Assert.Empty(PublishedParameterRecord.Departed(Name, Region, Expansion(TargetB), TargetsOf(""), Source, imageRecord));
        Assert.Empty(PublishedParameterRecord.PublishedImages(Name, Region, imageRecord));

        // Passed as what it is (a ledger from an --allow-copy run), its departed member's parameter is still looked at.
        var withdrawal = Assert.Single(PublishedParameterRecord.Withdrawals(Name, [new SharedImageRef(V2, Region, V2)], Expansion(TargetB), TargetsOf(""), Source, imageRecord, []));
        Assert.Equal([TargetA], withdrawal.Departed.ToArray());
        Assert.Equal([new WithdrawnImage(V2, Region)], withdrawal.Images.ToArray());
    }

    [Fact]
    public void Extend_OnlyAParameterRecord_CreateVolumePermissionPlannerIgnoresIt()
    {
        // The parameter record names TargetA, which left: its createVolumePermission is not AmiShare's to take back here.
        var mixed = Published;
        var shared = new SharedImageRef(V2, Region, V2);
        var state = new DiscoveredState(
            Source,
            [new ImageState(V2, "golden", Source, Region, ImageAvailability.Available, [], ["snap-0123456789abcdef0"])],
            [new SnapshotState("snap-0123456789abcdef0", Region, true, CmkArn, [TargetA, TargetB])],
            []);

        var plan = TargetExpansionPlanner.Extend(new SharePlan([], []), [shared], Expansion(TargetB), TargetsOf(""), state, mixed);

        Assert.DoesNotContain(plan.Steps, s => s.Action == PlanAction.RemoveCreateVolumePermission);
        Assert.Empty(TargetExpansionPlanner.Departed([shared], Expansion(TargetB), TargetsOf(""), Source, mixed));
        Assert.Empty(TargetExpansionPlanner.Departed([new SharedImageRef(Key, Region, Key)], Expansion(TargetB), TargetsOf(""), Source, mixed));
    }

    [Fact]
    public void ToRecord_MemberDepartedAndNewVersionPublished_DropsTheDepartedKeepsEveryImage()
    {
        ImmutableArray<ParameterPublication> published = [new(TargetB, Region, V2), new(Outsider, Region, V2)];

        var records = PublishedParameterRecord.ToRecord(Name, Expansion($"{TargetB},{Outsider}"), published, Published);

        Assert.Equal(
            [new RecordedExpansion(Key, OuArn, [TargetB, Outsider]), new RecordedExpansion(Key, PublishedParameterRecord.ImagesTarget, [V1, V2])],
            records,
            RecordComparer.Instance);
        Assert.Empty(RecordedExpansion.Changes(records, records));
    }

    [Fact]
    public void Widened_BeforeTheApply_ForgetsNoOneRecordedBefore()
    {
        var widened = PublishedParameterRecord.Widened(Name, Expansion(TargetB), [new(TargetB, Region, V2)], Published);

        Assert.Equal([TargetA, TargetB], widened.Single(r => r.Target == OuArn).Accounts.ToArray());
        Assert.Equal([V1, V2], widened.Single(r => r.Target == PublishedParameterRecord.ImagesTarget).Accounts.ToArray());
    }

    [Theory]
    [InlineData("ami-0123456789abcdef0", false)]
    [InlineData("copy-of:ami-0123456789abcdef0:eu-west-1", false)]
    [InlineData("ssm-parameter:us-east-1:/golden/ami-id", true)]
    public void IsKey_LedgerImageId_TrueOnlyForAParameterRecord(string imageId, bool expected) =>
        Assert.Equal(expected, PublishedParameterRecord.IsKey(imageId));

    private static ImmutableArray<TargetExpansion> Expansion(string members) =>
        [new TargetExpansion(Target(OuArn), [.. members.Split(',', StringSplitOptions.RemoveEmptyEntries)])];

    private static ImmutableArray<ShareTarget> TargetsOf(string named) =>
        [Target(OuArn), .. named.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(ShareTarget.Account)];

    /// <summary>Records compared by value, accounts included (ImmutableArray compares by reference).</summary>
    private sealed class RecordComparer : IEqualityComparer<RecordedExpansion>
    {
        public static readonly RecordComparer Instance = new();

        public bool Equals(RecordedExpansion? x, RecordedExpansion? y) =>
            x is not null && y is not null && x.ImageId == y.ImageId && x.Target == y.Target && x.Accounts.SequenceEqual(y.Accounts);

        public int GetHashCode(RecordedExpansion obj) => HashCode.Combine(obj.ImageId, obj.Target);
    }
}
