using System.Text.Json;
using System.Text.Json.Nodes;
using Amazon.EC2.Model;
using Amazon.KeyManagementService.Model;
using AmiShare.Aws;
using AmiShare.Cli.Infrastructure;
using AmiShare.Core.Iam;
using AmiShare.LocalCloud.Hosting;
using static AmiShare.Cli.Tests.Share.ShareScenario;

namespace AmiShare.Cli.Tests.Share;

/// <summary>
/// Issue 12, after the share: verify, doctor and unshare per Region, --replicate-key, --to-region all-enabled, and the
/// input they refuse, through the CLI and the real SDK adapter on LocalCloud.
/// </summary>
public sealed class MultiRegionLifecycleTests
{
    private const string Home = ShareScenario.Region;
    private const string Eu = "eu-west-1";
    private const string Ap = "ap-southeast-2";
    private static readonly string[] All = [Home, Eu, Ap];

    [Fact]
    public async Task VerifyDoctorUnshare_ImageSharedIntoThreeRegions_CheckEachRegionThenRemoveEveryCopy()
    {
        await using var cloud = await StartAsync(All);
        var homeKey = await cloud.CreateKeyAsync(Images);
        var euKey = await KeyInAsync(cloud, Eu);
        var apKey = await KeyInAsync(cloud, Ap);
        var (image, _) = await cloud.CreateImageAsync(Images, "golden-regions", homeKey);
        var (shared, share) = RunJsonIn(cloud, Images, [Home], "share", image, "--with", Prod, "--to-region", $"{Eu},{Ap}", "--reencrypt-key", $"{Eu}={euKey},{Ap}={apKey}", "--yes");
        Assert.True(shared.ExitCode == ExitCodes.Success, shared.Console + shared.Out);
        await LauncherRoleAsync(cloud, EmittedIamPolicy(share));

        var (verified, verify) = RunJsonIn(cloud, Images, All, "verify", image, "--target-role-arn", LauncherArn(Prod), "--launch");
        Assert.True(verified.ExitCode == ExitCodes.Success, verified.Out);
        var regions = verify["regions"]!.AsArray().Select(r => r!.AsObject()).ToList();
        Assert.Equal(All, regions.Select(r => (string?)r["region"]));
        Assert.Equal(image, (string?)regions[0]["imageId"]);
        var copies = new Dictionary<string, string>();
        foreach (var region in new[] { Eu, Ap })
        {
            copies[region] = Assert.Single(await OwnedImagesAsync(cloud, region)).ImageId;
            Assert.Equal(copies[region], (string?)regions.Single(r => (string?)r["region"] == region)["imageId"]);
            Assert.Contains(verify["checks"]!.AsArray(), c => (string?)c!["region"] == region && (string?)c["name"] == "test launch" && (string?)c["status"] == "PASS");
        }

        var doctor = RunIn(cloud, Images, Prod, All, ["doctor", image, "--target", Prod, "--principal", LauncherArn(Prod), "--output", "json"], ledger: false);
        Assert.True(doctor.ExitCode == ExitCodes.Success, doctor.Out + doctor.Console);
        var doctorJson = JsonNode.Parse(doctor.Out)!.AsObject();
        Assert.Equal(All, doctorJson["regions"]!.AsArray().Select(r => (string?)r!["region"]));
        Assert.Contains(doctorJson["requirements"]!.AsArray(), r => (string?)r!["region"] == Ap && (string?)r["status"] == "PASS");

        // Audit's HTML has a row per Region: each holds one image, shared.
        var audit = RunIn(cloud, Images, null, All, ["audit", "--output", "html", "--since", "none"], ledger: false);
        Assert.True(audit.ExitCode is ExitCodes.Success or ExitCodes.CheckFailed, audit.Console);
        Assert.Contains("<h3>Regions</h3>", audit.Out, StringComparison.Ordinal);
        Assert.All(All, region => Assert.Contains($"<tr><td>{region}</td><td>1</td><td>1</td>", audit.Out, StringComparison.Ordinal));

        var (unshared, unshare) = RunJsonIn(cloud, Images, All, "unshare", image, "--from", Prod, "--deregister-copies", "--yes");
        Assert.True(unshared.ExitCode == ExitCodes.Success, unshared.Console + unshared.Out);
        Assert.Equal(2, Steps(unshare).Count(s => (string?)s["action"] == "DeregisterCopy"));
        Assert.DoesNotContain(Prod, await cloud.LaunchPermissionsAsync(Images, image));
        foreach (var region in new[] { Eu, Ap })
        {
            Assert.Empty(await OwnedImagesAsync(cloud, region));
            Assert.Empty((await cloud.Ec2(Images, region).DescribeSnapshotsAsync(new DescribeSnapshotsRequest { OwnerIds = ["self"] }, Deadline)).Snapshots ?? []);
        }

        // The AWS CLI, as the target, no longer sees the copy it could launch in eu-west-1.
        var (exitCode, output, error) = await ShareAcrossRegionsTests.RunAwsCliAsync(cloud.Endpoint, Eu, Prod, "ec2", "describe-images", "--owners", Images, "--output", "json");
        Assert.True(exitCode == 0, error);
        using (var observed = JsonDocument.Parse(output))
        {
            Assert.Empty(observed.RootElement.GetProperty("Images").EnumerateArray());
        }

        var (after, again) = RunJsonIn(cloud, Images, All, "verify", image, "--target-role-arn", LauncherArn(Prod));
        Assert.Equal(ExitCodes.CheckFailed, after.ExitCode);
        Assert.All(again["regions"]!.AsArray(), r => Assert.False((bool)r!["passed"]!));
        var missing = Assert.Single(again["checks"]!.AsArray(), c => (string?)c!["region"] == Eu);
        Assert.Contains($"--to-region {Eu}", (string?)missing!["fix"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Share_MultiRegionKeyWithoutReplica_RefusedThenReplicateKeyCreatesItAndTargetLaunches()
    {
        await using var cloud = await StartAsync([Home, Eu]);
        var primary = (await cloud.Kms(Images).CreateKeyAsync(new CreateKeyRequest { MultiRegion = true, Description = "golden mrk" }, Deadline)).KeyMetadata;
        var (image, snapshot) = await cloud.CreateImageAsync(Images, "golden-mrk", primary.Arn);
        string[] share = ["share", image, "--with", Prod, "--to-region", Eu, "--reencrypt-key", primary.KeyId];

        var refused = RunIn(cloud, Images, null, [Home], [.. share, "--yes"]);
        Assert.Equal(ExitCodes.CheckFailed, refused.ExitCode);
        Assert.Contains("--replicate-key", refused.Console, StringComparison.Ordinal);

        var (planned, dryRun) = RunJsonIn(cloud, Images, [Home], [.. share, "--replicate-key", "--dry-run"]);
        Assert.True(planned.ExitCode == ExitCodes.Success, planned.Out);
        var replicate = Assert.Single(Steps(dryRun), s => (string?)s["action"] == "ReplicateKey");
        var replicaArn = $"arn:aws:kms:{Eu}:{Images}:key/{primary.KeyId}";
        Assert.Equal(replicaArn, (string?)replicate["resource"]);
        Assert.Contains("AmiShareUseEuWest1", (string?)replicate["details"]!["policy"], StringComparison.Ordinal);
        Assert.Equal(0, (await cloud.Kms(Images, Eu).ListKeysAsync(new ListKeysRequest(), Deadline)).Keys?.Count ?? 0);

        var (applied, _) = RunJsonIn(cloud, Images, [Home], [.. share, "--replicate-key", "--yes"]);
        Assert.True(applied.ExitCode == ExitCodes.Success, applied.Console + applied.Out);
        var replicaPolicy = (await cloud.Kms(Images, Eu).GetKeyPolicyAsync(new GetKeyPolicyRequest { KeyId = replicaArn, PolicyName = "default" }, Deadline)).Policy;
        Assert.Contains($"arn:aws:iam::{Prod}:root", replicaPolicy, StringComparison.Ordinal);
        var copy = Assert.Single(await OwnedImagesAsync(cloud, Eu));
        var copySnapshot = Assert.Single((await cloud.Ec2(Images, Eu).DescribeSnapshotsAsync(new DescribeSnapshotsRequest { SnapshotIds = [copy.BlockDeviceMappings[0].Ebs.SnapshotId] }, Deadline)).Snapshots);
        Assert.Equal(replicaArn, copySnapshot.KmsKeyId);
        Assert.Equal(await cloud.DigestAsync(snapshot), await cloud.DigestAsync(copySnapshot.SnapshotId));

        // The replica now exists: a rerun plans nothing, and makes no second replica.
        var (rerun, again) = RunJsonIn(cloud, Images, [Home], [.. share, "--replicate-key", "--yes"]);
        Assert.Equal(ExitCodes.Success, rerun.ExitCode);
        Assert.Equal("nothing-to-do", (string?)again["mode"]);
    }

    [Fact]
    public async Task Share_ToAllEnabledRegions_PlansACopyIntoEveryOtherSeededRegionAndRefusesAnUnmappedOne()
    {
        await using var cloud = await StartAsync(All);
        var homeKey = await cloud.CreateKeyAsync(Images);
        var euKey = await KeyInAsync(cloud, Eu);
        var apKey = await KeyInAsync(cloud, Ap);
        var (image, _) = await cloud.CreateImageAsync(Images, "golden-all", homeKey);

        var (planned, json) = RunJsonIn(cloud, Images, [Home], "share", image, "--with", Prod, "--to-region", "all-enabled", "--reencrypt-key", $"{Eu}={euKey},{Ap}={apKey}", "--dry-run");
        Assert.True(planned.ExitCode == ExitCodes.Success, planned.Out);
        var copies = Steps(json).Where(s => (string?)s["action"] == "CopyImageUnderCustomerKey").Select(s => (string?)s["details"]!["region"]).Order(StringComparer.Ordinal);
        Assert.Equal([Ap, Eu], copies);

        var refused = RunIn(cloud, Images, null, [Home], ["share", image, "--with", Prod, "--to-region", "all-enabled", "--reencrypt-key", $"{Eu}={euKey}", "--yes"]);
        Assert.Equal(ExitCodes.CheckFailed, refused.ExitCode);
        Assert.Contains($"Add {Ap}=KEY to --reencrypt-key", refused.Console, StringComparison.Ordinal);
        Assert.Empty(await OwnedImagesAsync(cloud, Eu));
    }

    public static TheoryData<string[], string> BadInput => new()
    {
        { ["verify", "ami-0123456789abcdef0", "--target-role-arn", LauncherArn(Prod), "--region", Home, "--region", Home], $"--region {Home} is named twice" },
        { ["unshare", "ami-0123456789abcdef0", "--from", Prod, "--region", "eu-westt", "--yes"], "\"eu-westt\" is not a Region name" },
        { ["doctor", "ami-0123456789abcdef0", "--target", Prod, "--region", $"{Home},moon-1"], "\"moon-1\" is not a Region name" },
        { ["share", "ami-0123456789abcdef0", "--with", Prod, "--to-region", Eu, "--to-region", Eu, "--reencrypt-key", $"{Eu}=alias/x"], $"--to-region {Eu} is named twice" },
        { ["audit", "--region", $"{Eu},{Eu}"], $"--region {Eu} is named twice" },
        { ["share", "ami-0123456789abcdef0", "--with", Prod, "--to-region", "all-enabld", "--reencrypt-key", $"{Eu}=alias/x"], "--to-region all-enabled" },
    };

    [Theory]
    [MemberData(nameof(BadInput))]
    public void Command_BadRegions_ExitsTwoWithOneLineFixBeforeAnyCall(string[] args, string message)
    {
        // No cloud at all: the endpoint refuses connections, so any call would fail with exit 3, not 2.
        var outcome = CliRunner.Run([.. args, "--endpoint-url", "http://127.0.0.1:9"]);

        Assert.Equal(ExitCodes.InvalidInput, outcome.ExitCode);
        Assert.Contains(message, outcome.Console, StringComparison.Ordinal);
    }

    [Fact]
    public async Task VerifyLaunch_RightAfterShareWithKeyPolicyDelay_RetriesUntilTheLaunchRuns()
    {
        await using var cloud = await StartAsync();
        var key = await cloud.CreateKeyAsync(Images);
        var (image, _) = await cloud.CreateImageAsync(Images, "golden-policy-delay", key);
        await cloud.CreateRoleAsync(Prod, Images, ("launch", TargetIamPolicyBuilder.Build([key], [Home], Images).PolicyJson));
        cloud.Server.Cloud.Faults.Set(new FaultPlan { KeyPolicyDelayMs = 2500 });
        var (shared, _) = cloud.RunJson(Images, "share", image, "--with", Prod, "--yes");
        Assert.Equal(ExitCodes.Success, shared.ExitCode);

        var (outcome, json) = cloud.RunJson(Images, "verify", image, "--target-role-arn", LauncherArn(Prod), "--launch");

        Assert.True(outcome.ExitCode == ExitCodes.Success, outcome.Out);
        var launch = Assert.Single(json["checks"]!.AsArray(), c => (string?)c!["name"] == "test launch");
        Assert.Contains("launches over", (string?)launch!["detail"], StringComparison.Ordinal);
    }

    private static CliRunner.Outcome RunIn(ShareScenario cloud, string account, string? targetAccount, string[] regions, string[] args, bool ledger = true)
    {
        var services = new CliServices(
            Connector: () => new AwsCloudConnector(new AwsAdapterSettings(), Root(account), targetAccount is null ? null : Root(targetAccount)),
            PollInterval: TimeSpan.FromMilliseconds(20));
        string[] ledgerArgs = ledger ? ["--ledger", cloud.LedgerPath] : [];
        return CliRunner.RunWith(services, [.. args, "--endpoint-url", cloud.Endpoint, .. regions.SelectMany(r => new[] { "--region", r }), .. ledgerArgs]);
    }

    private static (CliRunner.Outcome Outcome, JsonObject Json) RunJsonIn(ShareScenario cloud, string account, string[] regions, params string[] args)
    {
        var outcome = RunIn(cloud, account, null, regions, [.. args, "--output", "json"]);
        Assert.True(outcome.Out.Length > 0, $"no JSON on standard output (exit {outcome.ExitCode}): {outcome.Console}");
        return (outcome, JsonNode.Parse(outcome.Out)!.AsObject());
    }

    /// <summary>Prod's ImageLauncher role with the launch policy and verify's reads in every Region.</summary>
    private static async Task LauncherRoleAsync(ShareScenario cloud, string launchPolicy)
    {
        await cloud.CreateRoleAsync(Prod, Images, ("launch", launchPolicy));
        using var iam = await IamAdministration.CreateAsync(cloud.Server.Endpoint, Home, Root(Prod), TimeProvider.System, Deadline);
        await iam.PutRolePolicyAsync(LauncherRole, "verify-reads-all-regions", TargetIamPolicyBuilder.VerifyReadsPolicy(LauncherArn(Prod), All), Deadline);
    }

    private static async Task<string> KeyInAsync(ShareScenario cloud, string region) =>
        (await cloud.Kms(Images, region).CreateKeyAsync(new CreateKeyRequest { Description = "ebs " + region }, Deadline)).KeyMetadata.Arn;

    private static async Task<List<Image>> OwnedImagesAsync(ShareScenario cloud, string region) =>
        (await cloud.Ec2(Images, region).DescribeImagesAsync(new DescribeImagesRequest { Owners = ["self"] }, Deadline)).Images ?? [];
}
