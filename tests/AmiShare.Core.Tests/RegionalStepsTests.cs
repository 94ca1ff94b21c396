using System.Collections.Immutable;
using AmiShare.Core.Model;
using AmiShare.Core.Planning;
using static AmiShare.Core.Tests.Fixtures;

namespace AmiShare.Core.Tests;

/// <summary>share --replicate-key and unshare --deregister-copies, planned without I/O (issue 12).</summary>
public sealed class RegionalStepsTests
{
    private const string Ap = "ap-southeast-2";
    private const string MrkId = "mrk-1234abcd12ab34cd56ef1234567890ab";
    private const string ApReplicaArn = "arn:aws:kms:ap-southeast-2:111111111111:key/" + MrkId;

    /// <summary>The fixture's multi-Region primary and its eu-west-1 replica, each knowing the primary.</summary>
    private static DiscoveredState WithPrimaryKnown() => State() with
    {
        Keys = [.. State().Keys.Select(k => k.KeyId == MrkId ? k with { PrimaryArn = MrkArn } : k)],
    };

    private static ShareRequest ToAp(bool replicate) =>
        Share("ami-mrk", TargetA) with { Regions = [Region], DestinationRegions = [Ap], ReencryptKey = MrkId, ReplicateKey = replicate };

    [Fact]
    public void Plan_MultiRegionKeyWithoutReplicaAndReplicateKey_ReplicatesFirstThenCopiesUnderTheReplica()
    {
        var plan = SharePlanner.Plan(ToAp(replicate: true), WithPrimaryKnown());

        Assert.False(plan.IsBlocked, string.Join("; ", plan.Findings));
        var replicate = plan.Steps[0];
        Assert.Equal((PlanAction.ReplicateKey, ApReplicaArn), (replicate.Action, replicate.Resource));
        var details = Assert.IsType<ReplicateKeyDetails>(replicate.Details);
        Assert.Equal((MrkArn, Ap), (details.PrimaryKeyArn, details.Region));
        Assert.Contains("AmiShareUseApSoutheast2", details.Policy, StringComparison.Ordinal);
        Assert.Contains($"arn:aws:iam::{TargetA}:root", details.Policy, StringComparison.Ordinal);
        var copy = Assert.Single(plan.Steps, s => s.Action == PlanAction.CopyImageUnderCustomerKey);
        Assert.Equal(ApReplicaArn, ((CopyImageDetails)copy.Details!).KeyArn);
        var replicaPolicy = Assert.Single(plan.Steps, s => s.Action == PlanAction.PutKeyPolicy && s.Resource == ApReplicaArn);
        Assert.Equal(StepStatus.AlreadyDone, replicaPolicy.Status);
    }

    [Fact]
    public void Plan_MultiRegionKeyWithoutReplicaNoFlag_RefusesNamingReplicateKey()
    {
        var plan = SharePlanner.Plan(ToAp(replicate: false), WithPrimaryKnown());

        var finding = Assert.Single(plan.Findings, f => f.Severity == FindingSeverity.Blocking);
        Assert.Equal("DestinationKeyNotFound", finding.Code);
        Assert.Contains("--replicate-key", finding.Message, StringComparison.Ordinal);
        Assert.Empty(plan.Steps);
    }

    private static DiscoveredState WithCopyIn(string region, params string[] sharedWith) => State() with
    {
        Images = State().Images
            .Select(i => i.Id == "ami-cmk" ? i with { LaunchPermissions = Targets(TargetA) } : i)
            .Append(new ImageState("ami-copy", "golden-cmk", Source, region, ImageAvailability.Available, Targets(sharedWith), ["snap-copy"], SourceImageId: "ami-cmk"))
            .ToImmutableArray(),
        Snapshots = State().Snapshots.Add(new SnapshotState("snap-copy", region, true, CmkArn, [])),
    };

    [Fact]
    public void Plan_UnshareWithDeregisterCopies_RemovesPermissionsThenDeregistersTheCopy()
    {
        var plan = UnsharePlanner.Plan(new UnshareRequest(["ami-cmk"], Targets(TargetA), [Region, "eu-west-1"]) { DeregisterCopies = true }, WithCopyIn("eu-west-1", TargetA));

        Assert.False(plan.IsBlocked, string.Join("; ", plan.Findings));
        var last = plan.Steps[^1];
        Assert.Equal((PlanAction.DeregisterCopy, "ami-copy"), (last.Action, last.Resource));
        var details = Assert.IsType<DeregisterCopyDetails>(last.Details);
        Assert.Equal(("eu-west-1", "ami-cmk"), (details.Region, details.SourceImageId));
        Assert.Equal<string>(["snap-copy"], [.. details.Snapshots]);
        Assert.Contains(plan.Steps, s => s.Action == PlanAction.RemoveLaunchPermission && s.Resource == "ami-copy" && s.Status == StepStatus.Pending);
        Assert.DoesNotContain(plan.Steps, s => s.Action == PlanAction.DeregisterCopy && s.Resource == "ami-cmk");
    }

    [Fact]
    public void Plan_DeregisterCopyStillSharedWithAnother_RefusedWithTheFix()
    {
        var plan = UnsharePlanner.Plan(new UnshareRequest(["ami-cmk"], Targets(TargetA), [Region, "eu-west-1"]) { DeregisterCopies = true }, WithCopyIn("eu-west-1", TargetA, TargetB));

        var finding = Assert.Single(plan.Findings, f => f.Severity == FindingSeverity.Blocking);
        Assert.Equal("CopyStillShared", finding.Code);
        Assert.Contains(TargetB, finding.Message, StringComparison.Ordinal);
        Assert.Empty(plan.Steps);
    }
}
