using System.Text.Json.Nodes;
using AmiShare.Cli.Infrastructure;
using AmiShare.Cli.Tests.Share;
using static AmiShare.Cli.Tests.Share.ShareScenario;

namespace AmiShare.Cli.Tests.Doctor;

/// <summary>
/// doctor through the CLI, the AWS SDK adapter and LocalCloud: a clean share passes with no false alarm, and each
/// planted fault is found by the right rule with the right fix. The source is Images' root; the target's IAM is
/// read with Prod's root, and the launching principal is Prod's ImageLauncher role.
/// </summary>
public sealed class DoctorEndToEndTests
{
    [Fact]
    public async Task Doctor_CleanShare_NoRequirementFails()
    {
        await using var cloud = await StartAsync();
        var (image, _) = await SharedImageAsync(cloud);

        var (outcome, json) = cloud.RunReadsJson(Images, Prod, "doctor", image, "--target", Prod, "--principal", LauncherArn(Prod));

        Assert.True(outcome.ExitCode == ExitCodes.Success, outcome.Console + outcome.Out);
        Assert.Equal(0, (int)json["failures"]!);
        Assert.All(Requirements(json), r => Assert.Equal("PASS", (string?)r["status"]));
    }

    [Theory]
    [InlineData("enabled", "FAIL", ExitCodes.CheckFailed)]
    [InlineData("audit-mode", "PASS", ExitCodes.Success)]
    public async Task Doctor_TargetAllowedAmisWithoutSource_FlagsAllowedImages(string state, string status, int exitCode)
    {
        await using var cloud = await StartAsync();
        var (image, _) = await SharedImageAsync(cloud);
        using var prod = cloud.Ec2(Prod);
        await prod.ReplaceImageCriteriaInAllowedImagesSettingsAsync(new() { ImageCriteria = [new() { ImageProviders = ["amazon"] }] }, Deadline);
        await prod.EnableAllowedImagesSettingsAsync(new() { AllowedImagesSettingsState = state }, Deadline);

        var (outcome, json) = cloud.RunReadsJson(Images, Prod, "doctor", image, "--target", Prod, "--principal", LauncherArn(Prod));

        Assert.True(outcome.ExitCode == exitCode, outcome.Console + outcome.Out);
        Assert.Equal(status, Status(json, "allowed-images"));
    }

    [Fact]
    public async Task Doctor_LaunchPermissionWithoutKeyPolicy_FailsSourceKeyPermissionWithStatement()
    {
        await using var cloud = await StartAsync();
        var key = await cloud.CreateKeyAsync(Images);
        var (image, _) = await cloud.CreateImageAsync(Images, "golden-broken", key);
        await cloud.AddLaunchPermissionAsync(Images, image, Prod);
        await cloud.CreateRoleAsync(Prod, Images, ("launch", Core.Iam.TargetIamPolicyBuilder.Build([key], [Region], Images).PolicyJson));

        var (outcome, json) = cloud.RunReadsJson(Images, Prod, "doctor", image, "--target", Prod, "--principal", LauncherArn(Prod));

        Assert.Equal(ExitCodes.CheckFailed, outcome.ExitCode);
        Assert.Equal("PASS", Status(json, "launch-permission"));
        var failed = Requirements(json).Where(r => (string?)r["rule"] == "source-key-permission" && (string?)r["status"] == "FAIL").ToList();
        Assert.NotEmpty(failed);
        Assert.Contains(failed, r => ((string?)r["name"])!.Contains("kms:Decrypt", StringComparison.Ordinal));
        Assert.All(failed, r => Assert.Contains($"arn:aws:iam::{Prod}:root", (string?)r["fix"], StringComparison.Ordinal));
    }

    [Fact]
    public async Task Doctor_AwsEbsImage_FailsSourceKeyStateWithReencryptFix()
    {
        await using var cloud = await StartAsync();
        var (image, _) = await cloud.CreateImageAsync(Images, "golden-ebs", kmsKeyId: null);

        var (outcome, json) = cloud.RunReadsJson(Images, Prod, "doctor", image, "--target", Prod);

        Assert.Equal(ExitCodes.CheckFailed, outcome.ExitCode);
        var state = Requirements(json).First(r => (string?)r["rule"] == "source-key-state");
        Assert.Equal("FAIL", (string?)state["status"]);
        Assert.Contains("--reencrypt-key", (string?)state["fix"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Doctor_ExplicitDenyInTarget_FailsQuotingTheDeny()
    {
        await using var cloud = await StartAsync();
        var deny = """{"Version":"2012-10-17","Statement":[{"Sid":"NoDecrypt","Effect":"Deny","Action":"kms:Decrypt","Resource":"*"}]}""";
        var (image, _) = await SharedImageAsync(cloud, [], ("guardrail", deny));

        var (outcome, json) = cloud.RunReadsJson(Images, Prod, "doctor", image, "--target", Prod, "--principal", LauncherArn(Prod));

        Assert.Equal(ExitCodes.CheckFailed, outcome.ExitCode);
        var failed = Requirements(json).Where(r => (string?)r["status"] == "FAIL").ToList();
        Assert.Contains(failed, r => (string?)r["rule"] == "source-key-permission" && r["decidingStatements"]!.AsArray().Any(d => ((string?)d)!.Contains("NoDecrypt", StringComparison.Ordinal)));
        Assert.All(failed, r => Assert.Contains("kms:Decrypt", (string?)r["name"], StringComparison.Ordinal));
    }

    [Fact]
    public async Task Doctor_NoPermissionOnDefaultEbsKey_FailsDefaultEbsKey()
    {
        await using var cloud = await StartAsync();
        // A customer managed default key delegates to IAM (unlike aws/ebs, whose policy admits the account's EBS users).
        var prodKey = await cloud.CreateKeyAsync(Prod, "alias/prod-ebs");
        await cloud.Ec2(Prod).ModifyEbsDefaultKmsKeyIdAsync(new Amazon.EC2.Model.ModifyEbsDefaultKmsKeyIdRequest { KmsKeyId = prodKey }, Deadline);
        var (image, _) = await SharedImageAsync(cloud, ["AmiShareUseOwnKeysViaEc2", "AmiShareGrantOwnKeysToEbs"]);

        var (outcome, json) = cloud.RunReadsJson(Images, Prod, "doctor", image, "--target", Prod, "--principal", LauncherArn(Prod));

        Assert.Equal(ExitCodes.CheckFailed, outcome.ExitCode);
        var failed = Requirements(json).Where(r => (string?)r["status"] == "FAIL").ToList();
        Assert.NotEmpty(failed);
        Assert.All(failed, r => Assert.Equal("default-ebs-key", (string?)r["rule"]));
        Assert.All(failed, r => Assert.Contains(prodKey, (string?)r["fix"], StringComparison.Ordinal));
    }

    [Fact]
    public async Task Doctor_AsgWithoutGrant_FailsAsgGrantWithCreateGrantFix()
    {
        await using var cloud = await StartAsync();
        var (image, key) = await SharedImageAsync(cloud);

        var (outcome, json) = cloud.RunReadsJson(Images, Prod, "doctor", image, "--target", Prod, "--principal", LauncherArn(Prod), "--asg");

        Assert.Equal(ExitCodes.CheckFailed, outcome.ExitCode);
        var failed = Requirements(json).Where(r => (string?)r["status"] == "FAIL").ToList();
        var asg = Assert.Single(failed);
        Assert.Equal("asg-grant", (string?)asg["rule"]);
        Assert.Contains("create-grant", (string?)asg["fix"], StringComparison.Ordinal);
        Assert.Contains(key, (string?)asg["fix"], StringComparison.Ordinal);
        Assert.Contains("AWSServiceRoleForAutoScaling", (string?)asg["fix"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Doctor_CopyWithoutSnapshotPermission_FailsCopySnapshotPermission()
    {
        await using var cloud = await StartAsync();
        var (image, _) = await SharedImageAsync(cloud);

        var (outcome, json) = cloud.RunReadsJson(Images, Prod, "doctor", image, "--target", Prod, "--principal", LauncherArn(Prod), "--copy");

        Assert.Equal(ExitCodes.CheckFailed, outcome.ExitCode);
        Assert.Contains(Requirements(json), r => (string?)r["rule"] == "copy-snapshot-permission" && (string?)r["status"] == "FAIL" && ((string?)r["fix"])!.Contains("--allow-copy", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Doctor_WithoutTargetCredentials_IdentityRulesUnknownAndExitsZero()
    {
        await using var cloud = await StartAsync();
        var (image, _) = await SharedImageAsync(cloud);

        var (outcome, json) = cloud.RunReadsJson(Images, null, "doctor", image, "--target", Prod, "--principal", LauncherArn(Prod));

        Assert.True(outcome.ExitCode == ExitCodes.Success, outcome.Out);
        Assert.Equal(0, (int)json["failures"]!);
        Assert.Equal("UNKNOWN", Status(json, "iam-run-instances"));
        Assert.Contains("--target-profile", (string?)Requirements(json).First(r => (string?)r["rule"] == "iam-run-instances")["fix"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Doctor_Table_ShowsStatusesAndFix()
    {
        await using var cloud = await StartAsync();
        var (image, _) = await SharedImageAsync(cloud);

        var outcome = cloud.RunReads(Images, Prod, "doctor", image, "--target", Prod, "--principal", LauncherArn(Prod), "--asg");

        Assert.Equal(ExitCodes.CheckFailed, outcome.ExitCode);
        Assert.Contains("PASS", outcome.Console, StringComparison.Ordinal);
        Assert.Contains("FAIL", outcome.Console, StringComparison.Ordinal);
        Assert.Contains("requirement(s) fail", outcome.Console, StringComparison.Ordinal);
    }

    private static async Task<(string Image, string Key)> SharedImageAsync(ShareScenario cloud, string[]? removeSids = null, params (string Name, string Document)[] extraPolicies)
    {
        var key = await cloud.CreateKeyAsync(Images, "alias/golden");
        var (image, _) = await cloud.CreateImageAsync(Images, "golden-doctor", key);
        var (shared, json) = cloud.RunJson(Images, "share", image, "--with", Prod, "--yes");
        Assert.True(shared.ExitCode == ExitCodes.Success, shared.Console);
        await cloud.CreateRoleAsync(Prod, Images, [("launch", WithoutStatements(EmittedIamPolicy(json), removeSids ?? [])), .. extraPolicies]);
        return (image, key);
    }

    private static string? Status(JsonObject json, string rule) => (string?)Requirements(json).First(r => (string?)r["rule"] == rule)["status"];

    private static string WithoutStatements(string policy, string[] sids)
    {
        var document = JsonNode.Parse(policy)!.AsObject();
        var statements = document["Statement"]!.AsArray();
        foreach (var statement in statements.Where(s => sids.Contains((string?)s!["Sid"])).ToList())
        {
            statements.Remove(statement);
        }

        return document.ToJsonString();
    }

    private static List<JsonObject> Requirements(JsonObject json) => [.. json["requirements"]!.AsArray().Select(r => r!.AsObject())];
}
