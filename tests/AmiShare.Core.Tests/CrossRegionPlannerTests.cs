using System.Collections.Immutable;
using AmiShare.Core.Model;
using AmiShare.Core.Planning;
using static AmiShare.Core.Tests.Fixtures;

namespace AmiShare.Core.Tests;

/// <summary>share --to-region: a copy per destination under that Region's key, refused without one (issue 12).</summary>
public sealed class CrossRegionPlannerTests
{
    private const string Eu = "eu-west-1";
    private const string Ap = "ap-southeast-2";
    private const string EuKeyArn = "arn:aws:kms:eu-west-1:111111111111:key/eeee0000-12ab-34cd-56ef-1234567890ab";
    private const string ApKeyArn = "arn:aws:kms:ap-southeast-2:111111111111:key/aaaa1111-12ab-34cd-56ef-1234567890ab";
    private const string EuAwsEbsArn = "arn:aws:kms:eu-west-1:111111111111:key/bbbb0000-0000-0000-0000-000000000000";

    private static DiscoveredState MultiRegionState() => State() with
    {
        Keys = State().Keys.AddRange(ImmutableArray.Create(
            new KeyState(EuKeyArn, KeyManager.Customer, KeyStatus.Enabled, DefaultPolicy, Aliases: ["alias/golden-eu"]),
            new KeyState(ApKeyArn, KeyManager.Customer, KeyStatus.Enabled, DefaultPolicy),
            new KeyState(EuAwsEbsArn, KeyManager.Aws, KeyStatus.Enabled, AwsEbsPolicy, Aliases: ["alias/aws/ebs"]))),
    };

    private static ShareRequest ToRegions(string image, ImmutableArray<string> regions, params (string Region, string Key)[] keys) =>
        Share(image, TargetA) with
        {
            Regions = [Region],
            DestinationRegions = regions,
            RegionKeys = keys.ToImmutableDictionary(k => k.Region, k => k.Key),
        };

    [Fact]
    public void Plan_TwoDestinationsWithMappedKeys_CopiesIntoEachUnderItsKeyAndSharesEachCopy()
    {
        var plan = SharePlanner.Plan(ToRegions("ami-cmk", [Eu, Ap], (Eu, "alias/golden-eu"), (Ap, ApKeyArn)), MultiRegionState());

        Assert.False(plan.IsBlocked, string.Join("; ", plan.Findings));
        var copies = plan.Steps.Where(s => s.Action == PlanAction.CopyImageUnderCustomerKey).Select(s => Assert.IsType<CopyImageDetails>(s.Details)).ToList();
        Assert.Equal([(Eu, EuKeyArn), (Ap, ApKeyArn)], copies.Select(c => (c.Region, c.KeyArn)));
        Assert.All(copies, c => Assert.Equal(Region, c.SourceRegion));
        var launches = plan.Steps.Where(s => s.Action == PlanAction.AddLaunchPermission).ToDictionary(s => ((PermissionDetails)s.Details!).Region!, s => s.Resource);
        Assert.Equal("ami-cmk", launches[Region]);
        Assert.Equal(PlanStep.CopyOf("ami-cmk", Eu), launches[Eu]);
        Assert.Equal(PlanStep.CopyOf("ami-cmk", Ap), launches[Ap]);
        Assert.Equal(new[] { CmkArn, ApKeyArn, EuKeyArn }.Order(StringComparer.Ordinal), plan.Steps.Where(s => s.Action == PlanAction.PutKeyPolicy).Select(s => s.Resource).Order(StringComparer.Ordinal));
        var iam = Assert.IsType<IamPolicyDetails>(plan.Steps[^1].Details);
        Assert.Contains(EuKeyArn, iam.Policy.KeyArns);
        Assert.Contains(ApKeyArn, iam.Policy.KeyArns);
    }

    [Fact]
    public void Plan_CopyStepsOfDifferentDestinations_HaveDistinctLedgerKeysAndSymbols()
    {
        var plan = SharePlanner.Plan(ToRegions("ami-cmk", [Eu, Ap], (Eu, EuKeyArn), (Ap, ApKeyArn)), MultiRegionState());

        var copies = plan.Steps.Where(s => s.Action == PlanAction.CopyImageUnderCustomerKey).ToList();
        Assert.Equal(2, copies.Select(Execution.LedgerStepKey.Of).Distinct().Count());
        Assert.Equal(2, copies.Select(s => ((CopyImageDetails)s.Details!).Symbol).Distinct().Count());
    }

    public static TheoryData<string, ShareRequest, string, string> RefusalCases => new()
    {
        { "no key for a destination", ToRegions("ami-cmk", [Eu, Ap], (Eu, EuKeyArn)), "DestinationKeyMissing", "Add ap-southeast-2=KEY to --reencrypt-key" },
        { "key of another Region", ToRegions("ami-cmk", [Eu], (Eu, ApKeyArn)), "DestinationKeyNotFound", "Map eu-west-1 to a customer managed key" },
        { "unknown alias", ToRegions("ami-cmk", [Eu], (Eu, "alias/nope")), "DestinationKeyNotFound", "No KMS key alias/nope was found in eu-west-1" },
        { "aws/ebs of the destination", ToRegions("ami-cmk", [Eu], (Eu, "alias/aws/ebs")), "ReencryptKeyAwsManaged", "map eu-west-1 to a customer managed key" },
    };

    [Theory]
    [MemberData(nameof(RefusalCases))]
    public void Plan_DestinationWithoutUsableKey_RefusesWithFixAndNoSteps(string name, ShareRequest request, string code, string fix)
    {
        var plan = SharePlanner.Plan(request, MultiRegionState());

        Assert.True(plan.IsBlocked, name);
        Assert.Empty(plan.Steps);
        var finding = Assert.Single(plan.Findings, f => f.Severity == FindingSeverity.Blocking);
        Assert.Equal(code, finding.Code);
        Assert.Contains(fix, finding.Message, StringComparison.Ordinal);
    }

    public static TheoryData<string, ShareRequest> RerunCases => new()
    {
        { "two destinations", ToRegions("ami-cmk", [Eu, Ap], (Eu, EuKeyArn), (Ap, ApKeyArn)) },
        { "aws/ebs home re-encrypted from the map", ToRegions("ami-ebs", [Eu], (Region, CmkArn), (Eu, EuKeyArn)) with { AllowCopy = true } },
        { "multi-Region key replica", Share("ami-mrk", TargetA) with { Regions = [Region], DestinationRegions = [Eu], ReencryptKey = "mrk-1234abcd12ab34cd56ef1234567890ab" } },
    };

    [Theory]
    [MemberData(nameof(RerunCases))]
    public void Plan_AfterApplyingFirstPlan_FindsTheCopiesAndHasNoPendingSteps(string name, ShareRequest request)
    {
        var state = MultiRegionState();
        var first = SharePlanner.Plan(request, state);
        Assert.False(first.IsBlocked, $"{name}: {string.Join("; ", first.Findings)}");

        var second = SharePlanner.Plan(request, Apply(state, first));

        Assert.False(second.IsBlocked, name);
        Assert.False(second.HasPendingSteps, $"{name}: {string.Join("; ", second.Pending.Select(s => s.Action + " " + s.Resource))}");
        Assert.Equal(
            first.Steps.Count(s => s.Action == PlanAction.CopyImageUnderCustomerKey),
            second.Steps.Count(s => s.Action == PlanAction.CopyImageUnderCustomerKey && s.Status == StepStatus.AlreadyDone));
    }

    [Fact]
    public void Plan_MultiRegionKeyWithoutMap_CopiesUnderTheDestinationReplica()
    {
        var request = Share("ami-mrk", TargetA) with { Regions = [Region], DestinationRegions = [Eu], ReencryptKey = MrkArn };

        var plan = SharePlanner.Plan(request, MultiRegionState());

        Assert.False(plan.IsBlocked, string.Join("; ", plan.Findings));
        var copy = Assert.IsType<CopyImageDetails>(Assert.Single(plan.Steps, s => s.Action == PlanAction.CopyImageUnderCustomerKey).Details);
        Assert.Equal(MrkReplicaArn, copy.KeyArn);
    }

    [Fact]
    public void Plan_WithoutDestinations_IsTheSingleRegionPlan()
    {
        var single = SharePlanner.Plan(Share("ami-cmk", TargetA), MultiRegionState());
        var none = SharePlanner.Plan(Share("ami-cmk", TargetA) with { DestinationRegions = [], RegionKeys = ImmutableDictionary<string, string>.Empty }, MultiRegionState());

        Assert.Equal(SharePlanJson.Write(single), SharePlanJson.Write(none));
    }
}
