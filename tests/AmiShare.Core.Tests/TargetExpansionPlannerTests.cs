using System.Collections.Immutable;
using AmiShare.Core.Model;
using AmiShare.Core.Planning;
using static AmiShare.Core.Tests.Fixtures;

namespace AmiShare.Core.Tests;

/// <summary>
/// <c>--expand-targets</c> across runs (issue 12 part 4): what a run adds and takes back, given the OU's members now,
/// the accounts named with --with, what an earlier run recorded, and who holds createVolumePermission on the snapshot.
/// </summary>
public sealed class TargetExpansionPlannerTests
{
    private const string Image = "ami-0123456789abcdef0";
    private const string Snapshot = "snap-0123456789abcdef0";
    private const string OtherOuArn = "arn:aws:organizations::111111111111:ou/o-abcdefghij/ou-ab12-22222222";
    private const string C = "555555555555";
    private const string D = "666666666666";

    /// <summary>Members of the OU now, accounts named with --with, recorded for the OU, snapshot holders → added, removed (comma-separated).</summary>
    public static TheoryData<string, string, string, string, string, string> Runs() => new()
    {
        // The first run: nothing recorded, so nothing is taken away; a holder granted by hand is left alone.
        { $"{TargetA},{TargetB}", "", "", "", $"{TargetA},{TargetB}", "" },
        { TargetB, "", "", TargetA, TargetB, "" },

        // A member joined since: only it is added.
        { $"{TargetA},{TargetB}", "", TargetA, TargetA, TargetB, "" },

        // A member departed: AmiShare recorded it, so its permission is taken back.
        { TargetB, "", $"{TargetA},{TargetB}", $"{TargetA},{TargetB}", "", TargetA },

        // One joined and one departed in the same run.
        { $"{TargetB},{C}", "", $"{TargetA},{TargetB}", $"{TargetA},{TargetB}", C, TargetA },

        // Departed from the OU but named with --with: it keeps the permission.
        { TargetB, TargetA, $"{TargetA},{TargetB}", $"{TargetA},{TargetB}", "", "" },

        // Departed, and someone already took the permission back by hand: nothing to remove.
        { TargetB, "", $"{TargetA},{TargetB}", TargetB, "", "" },

        // Every member departed: all that was recorded is taken back, the hand-granted holder is kept.
        { "", "", $"{TargetA},{TargetB}", $"{TargetA},{TargetB},{D}", "", $"{TargetA},{TargetB}" },

        // The source account in its own OU is never a target.
        { $"{Source},{TargetA}", "", "", "", TargetA, "" },
    };

    [Theory]
    [MemberData(nameof(Runs))]
    public void Extend_MembersRecordAndHolders_AddsJoinedAndRemovesOnlyRecordedDeparted(string members, string named, string recorded, string holders, string added, string removed)
    {
        var targets = TargetsOf(named);
        var expansions = ImmutableArray.Create(new TargetExpansion(Target(OuArn), List(members)));
        var records = recorded.Length == 0 ? ImmutableArray<RecordedExpansion>.Empty : [new RecordedExpansion(Image, OuArn, List(recorded))];

        var plan = TargetExpansionPlanner.Extend(Empty, [Shared], expansions, targets, StateWith(List(holders)), records);

        Assert.Equal(added, Accounts(plan, PlanAction.AddCreateVolumePermission));
        Assert.Equal(removed, Accounts(plan, PlanAction.RemoveCreateVolumePermission));
        Assert.All(plan.Steps, s => Assert.Equal(Snapshot, s.Resource));
    }

    [Fact]
    public void Extend_DepartedButRecordedUnderAnotherOu_KeepsItThroughThatOu()
    {
        var expansions = ImmutableArray.Create(new TargetExpansion(Target(OuArn), [TargetB]));
        ImmutableArray<RecordedExpansion> records = [new(Image, OuArn, [TargetA, TargetB]), new(Image, OtherOuArn, [TargetA])];

        var plan = TargetExpansionPlanner.Extend(Empty, [Shared], expansions, [Target(OuArn)], StateWith([TargetA, TargetB]), records);

        Assert.DoesNotContain(plan.Steps, s => s.Action == PlanAction.RemoveCreateVolumePermission);
    }

    [Fact]
    public void Extend_RecordOfAnotherImage_RemovesNothingFromThisOne()
    {
        var expansions = ImmutableArray.Create(new TargetExpansion(Target(OuArn), [TargetB]));

        var plan = TargetExpansionPlanner.Extend(Empty, [Shared], expansions, [Target(OuArn)], StateWith([TargetA, TargetB]), [new RecordedExpansion("ami-0fedcba9876543210", OuArn, [TargetA])]);

        Assert.DoesNotContain(plan.Steps, s => s.Action == PlanAction.RemoveCreateVolumePermission);
    }

    [Fact]
    public void Extend_CopyNotYetMade_AddsEveryMemberToTheCopyAndRemovesNothing()
    {
        var copy = new SharedImageRef(PlanStep.CopyOf(Image), Region, Image);
        var expansions = ImmutableArray.Create(new TargetExpansion(Target(OuArn), [TargetB, C]));

        var plan = TargetExpansionPlanner.Extend(Empty, [copy], expansions, [Target(OuArn)], StateWith([]), [new RecordedExpansion(Image, OuArn, [TargetA])]);

        var step = Assert.Single(plan.Steps);
        Assert.Equal((PlanAction.AddCreateVolumePermission, copy.Resource, StepStatus.Pending), (step.Action, step.Resource, step.Status));
        Assert.Equal([TargetB, C], ((PermissionDetails)step.Details!).Targets.Select(t => t.Value));
    }

    /// <summary>Members now, recorded for the OU, snapshot holders at planning → the record after a successful apply.</summary>
    public static TheoryData<string, string, string, string> Records() => new()
    {
        // Granted by this run: recorded.
        { $"{TargetA},{TargetB}", "", "", $"{TargetA},{TargetB}" },

        // Held by hand before any run: not recorded, so a later departure leaves it alone.
        { $"{TargetA},{TargetB}", "", TargetA, TargetB },

        // Recorded before and still a member: kept; departed: forgotten (this run took it back).
        { $"{TargetB},{C}", $"{TargetA},{TargetB}", $"{TargetA},{TargetB}", $"{TargetB},{C}" },

        // Every member departed: an empty record.
        { "", $"{TargetA},{TargetB}", $"{TargetA},{TargetB}", "" },
    };

    [Theory]
    [MemberData(nameof(Records))]
    public void ToRecord_AfterApply_RecordsOnlyMembersAmiShareGranted(string members, string recorded, string holders, string expected)
    {
        var expansions = ImmutableArray.Create(new TargetExpansion(Target(OuArn), List(members)));
        var records = recorded.Length == 0 ? ImmutableArray<RecordedExpansion>.Empty : [new RecordedExpansion(Image, OuArn, List(recorded))];

        var record = Assert.Single(TargetExpansionPlanner.ToRecord([Shared], expansions, [Target(OuArn)], StateWith(List(holders)), records, _ => null));

        Assert.Equal((Image, OuArn, expected), (record.ImageId, record.Target, string.Join(',', record.Accounts)));
    }

    [Fact]
    public void ToRecord_TwoExpandedTargets_OneRecordPerTargetWithItsOwnMembersWithoutNamedAccounts()
    {
        var expansions = ImmutableArray.Create(new TargetExpansion(Target(OuArn), [TargetA, TargetB]), new TargetExpansion(Target(OtherOuArn), [TargetB, C]));

        var records = TargetExpansionPlanner.ToRecord([Shared], expansions, [Target(OuArn), Target(OtherOuArn), ShareTarget.Account(C)], StateWith([]), [], _ => null);

        Assert.Equal([$"{OuArn}={TargetA},{TargetB}", $"{OtherOuArn}={TargetB}"], records.Select(r => $"{r.Target}={string.Join(',', r.Accounts)}"));
    }

    [Fact]
    public void ToRecord_CopyMadeByTheRun_RecordsEveryMemberUnderTheCopysRealId()
    {
        var symbol = PlanStep.CopyOf(Image);
        var copy = new SharedImageRef(symbol, Region, Image);
        var expansions = ImmutableArray.Create(new TargetExpansion(Target(OuArn), [TargetA, TargetB]));

        var made = TargetExpansionPlanner.ToRecord([copy], expansions, [Target(OuArn)], StateWith([]), [], s => s == symbol ? "ami-0aaaaaaaaaaaaaaa1" : null);
        var unknown = TargetExpansionPlanner.ToRecord([copy], expansions, [Target(OuArn)], StateWith([]), [], _ => null);

        var record = Assert.Single(made);
        Assert.Equal(("ami-0aaaaaaaaaaaaaaa1", $"{TargetA},{TargetB}"), (record.ImageId, string.Join(',', record.Accounts)));
        Assert.Empty(unknown);
    }

    [Fact]
    public void ToRecord_AmiSharesOwnCopy_RecordsEveryMemberEvenThoseAlreadyHoldingIt()
    {
        // A copy tagged as AmiShare's: every permission on it is AmiShare's, including one granted by an earlier run that then failed.
        var state = StateWith([TargetA]) with { Images = [new ImageState(Image, "golden", Source, Region, ImageAvailability.Available, [], [Snapshot], SourceImageId: "ami-0bbbbbbbbbbbbbbb1")] };

        var record = Assert.Single(TargetExpansionPlanner.ToRecord([Shared], [new TargetExpansion(Target(OuArn), [TargetA, TargetB])], [Target(OuArn)], state, [], _ => null));

        Assert.Equal([TargetA, TargetB], record.Accounts.ToArray());
    }

    [Fact]
    public void Widened_BeforeApply_KeepsDepartedAndAddsTheMembersAboutToBeGranted()
    {
        var expansions = ImmutableArray.Create(new TargetExpansion(Target(OuArn), [TargetB, C]));
        ImmutableArray<RecordedExpansion> records = [new(Image, OuArn, [TargetA, TargetB])];

        var widened = Assert.Single(TargetExpansionPlanner.Widened([Shared], expansions, [Target(OuArn)], StateWith([TargetA, TargetB]), records));

        Assert.Equal([TargetA, TargetB, C], widened.Accounts.ToArray());
    }

    [Fact]
    public void Changes_SameAccountsInAnotherOrder_NothingToWrite()
    {
        ImmutableArray<RecordedExpansion> recorded = [new(Image, OuArn, [TargetB, TargetA])];

        Assert.Empty(RecordedExpansion.Changes([new RecordedExpansion(Image, OuArn, [TargetA, TargetB])], recorded));
        Assert.Single(RecordedExpansion.Changes([new RecordedExpansion(Image, OuArn, [TargetA])], recorded));
        Assert.Single(RecordedExpansion.Changes([new RecordedExpansion(Image, OtherOuArn, [TargetA, TargetB])], recorded));
    }

    private static readonly SharePlan Empty = new([], []);

    private static SharedImageRef Shared => new(Image, Region, Image);

    private static DiscoveredState StateWith(ImmutableArray<string> holders) => new(
        Source,
        [new ImageState(Image, "golden", Source, Region, ImageAvailability.Available, [], [Snapshot])],
        [new SnapshotState(Snapshot, Region, true, CmkArn, holders)],
        []);

    private static ImmutableArray<string> List(string csv) => [.. csv.Split(',', StringSplitOptions.RemoveEmptyEntries)];

    private static ImmutableArray<ShareTarget> TargetsOf(string named) => [Target(OuArn), .. List(named).Select(ShareTarget.Account)];

    /// <summary>The accounts the pending steps of one action name, sorted, comma-separated.</summary>
    private static string Accounts(SharePlan plan, PlanAction action) =>
        string.Join(',', plan.Steps.Where(s => s.Action == action && s.Status == StepStatus.Pending)
            .SelectMany(s => ((PermissionDetails)s.Details!).Targets.Select(t => t.Value))
            .Order(StringComparer.Ordinal));
}
