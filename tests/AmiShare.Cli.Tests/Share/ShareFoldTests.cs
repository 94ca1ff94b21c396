using System.Globalization;
using System.Text.Json.Nodes;
using AmiShare.Aws;
using AmiShare.Cli.Infrastructure;
using AmiShare.LocalCloud.Seed;
using static AmiShare.Cli.Tests.Share.ShareScenario;

namespace AmiShare.Cli.Tests.Share;

/// <summary>
/// The 32 KB fold end to end: LocalCloud with two OUs of 300 accounts each (600 named accounts pass KMS's key-policy
/// limit), the images account a delegated administrator for Organizations, the real CLI and SDK adapter.
/// </summary>
public sealed class ShareFoldTests
{
    private const string FleetA = "ou-ams1-fleeta01";
    private const string FleetB = "ou-ams1-fleetb01";
    private const int PerUnit = 300;

    private static readonly string[] InA = Accounts(600000000000L);
    private static readonly string[] InB = Accounts(700000000000L);

    [Fact]
    public async Task Share_SmallShare_MakesNoOrganizationsCall()
    {
        await using var scenario = await StartAsync(Seed());
        var key = await scenario.CreateKeyAsync(Images);
        var (image, _) = await scenario.CreateImageAsync(Images, "small", key);
        var counter = new ApiCallCounter();

        var outcome = Run(scenario, Images, counter, "share", image, "--with", Prod, "--yes");

        Assert.Equal(ExitCodes.Success, outcome.ExitCode);
        Assert.DoesNotContain(counter.Snapshot().Keys, k => k.StartsWith("organizations:", StringComparison.Ordinal));
        Assert.True(counter.CountOf("kms:PutKeyPolicy") > 0, "the share itself ran through this counter");
    }

    [Fact]
    public async Task Share_TargetsPastKeyPolicyLimit_FoldsIntoWholeOusAndRefusesWidening()
    {
        await using var scenario = await StartAsync(Seed());
        var key = await scenario.CreateKeyAsync(Images);
        var (image, _) = await scenario.CreateImageAsync(Images, "fleet", key);
        var everyone = string.Join(',', InA.Concat(InB));
        var partOfEach = string.Join(',', InA.Skip(1).Concat(InB.Skip(1)));

        var (wider, widerJson) = RunJson(scenario, Images, new ApiCallCounter(), "share", image, "--with", partOfEach, "--yes");
        var counter = new ApiCallCounter();
        var (folded, foldedJson) = RunJson(scenario, Images, counter, "share", image, "--with", everyone, "--yes");

        Assert.Equal(ExitCodes.CheckFailed, wider.ExitCode);
        Assert.True(Findings(widerJson).Any(f => (string?)f["code"] == "KeyPolicyFoldWouldWiden" && ((string?)f["message"])!.Contains(InA[0], StringComparison.Ordinal)), widerJson["findings"]!.ToJsonString());
        Assert.Equal(ExitCodes.Success, folded.ExitCode);
        var note = Assert.Single(Findings(foldedJson), f => (string?)f["code"] == "KeyPolicyFoldedIntoOrganization");
        Assert.Contains($"o-amishare01/r-ams1/{FleetA}/*", (string?)note["message"], StringComparison.Ordinal);
        Assert.Contains($"o-amishare01/r-ams1/{FleetB}/*", (string?)note["message"], StringComparison.Ordinal);
        Assert.True(counter.CountOf("organizations:ListAccountsForParent") > 0, "the tree is read when the fold is needed");
        var policy = await scenario.KeyPolicyAsync(Images, key);
        Assert.Contains("aws:PrincipalOrgPaths", policy, StringComparison.Ordinal);
        Assert.DoesNotContain(InA[0], policy, StringComparison.Ordinal);
        Assert.DoesNotContain("aws:PrincipalOrgID", policy, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Share_FoldNeededButOrganizationUnreadable_RefusesWithFix()
    {
        await using var scenario = await StartAsync(Seed());
        var key = await scenario.CreateKeyAsync(Dev);
        var (image, _) = await scenario.CreateImageAsync(Dev, "dev-fleet", key);

        var outcome = Run(scenario, Dev, new ApiCallCounter(), "share", image, "--with", string.Join(',', InA.Concat(InB)), "--yes");

        Assert.Equal(ExitCodes.CheckFailed, outcome.ExitCode);
        Assert.Contains("delegated administrator", outcome.Console, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", outcome.Console, StringComparison.Ordinal);
    }

    private static CliRunner.Outcome Run(ShareScenario scenario, string account, ApiCallCounter counter, params string[] args)
    {
        var services = new CliServices(
            Connector: () => new AwsCloudConnector(new AwsAdapterSettings { Counter = counter }, Root(account)),
            PollInterval: TimeSpan.FromMilliseconds(20));
        return CliRunner.RunWith(services, [.. args, "--endpoint-url", scenario.Endpoint, "--region", Region, "--ledger", scenario.LedgerPath]);
    }

    private static (CliRunner.Outcome Outcome, JsonObject Json) RunJson(ShareScenario scenario, string account, ApiCallCounter counter, params string[] args)
    {
        var outcome = Run(scenario, account, counter, [.. args, "--output", "json"]);
        Assert.True(outcome.Out.Length > 0, $"no JSON (exit {outcome.ExitCode}): {outcome.Console}");
        return (outcome, JsonNode.Parse(outcome.Out)!.AsObject());
    }

    private static IEnumerable<JsonNode> Findings(JsonObject plan) => plan["findings"]!.AsArray().OfType<JsonNode>();

    private static string[] Accounts(long first) =>
        [.. Enumerable.Range(0, PerUnit).Select(i => (first + i).ToString(CultureInfo.InvariantCulture))];

    private static SeedDocument Seed()
    {
        var seed = DefaultSeed.Create();
        return seed with
        {
            Organization = seed.Organization! with
            {
                Units =
                [
                    .. seed.Organization.Units,
                    new SeedOrganizationalUnit { Id = FleetA, Name = "fleet-a", ParentId = DefaultSeed.RootId },
                    new SeedOrganizationalUnit { Id = FleetB, Name = "fleet-b", ParentId = DefaultSeed.RootId },
                ],
                DelegatedAdministrators = [Images],
            },
            Accounts =
            [
                .. seed.Accounts,
                .. InA.Select(a => new SeedAccount { Id = a, Name = "a" + a, ParentId = FleetA }),
                .. InB.Select(a => new SeedAccount { Id = a, Name = "b" + a, ParentId = FleetB }),
            ],
        };
    }
}
