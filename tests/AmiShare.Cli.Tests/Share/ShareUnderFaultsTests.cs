using System.Text.Json.Nodes;
using AmiShare.Cli.Infrastructure;
using AmiShare.LocalCloud.Hosting;
using static AmiShare.Cli.Tests.Share.ShareScenario;

namespace AmiShare.Cli.Tests.Share;

/// <summary>
/// AmiShare against LocalCloud's faults on demand (a CI-sized version of the bench's 50 × 100 fault run,
/// bench/README.md): throttling and 5xx are retried to completion with nothing lost or duplicated.
/// </summary>
public sealed class ShareUnderFaultsTests
{
    private static readonly string[] Targets = [Prod, Dev, Partner];

    [Fact]
    public async Task Share_UnderThrottlingAndServerErrors_EveryPermissionAndStatementInPlace()
    {
        await using var cloud = await StartAsync();
        var keys = new[] { await cloud.CreateKeyAsync(Images), await cloud.CreateKeyAsync(Images) };
        var images = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            images.Add((await cloud.CreateImageAsync(Images, $"golden-fault-{i}", keys[i % 2])).ImageId);
        }

        var originals = new List<JsonArray>();
        foreach (var key in keys)
        {
            originals.Add(JsonNode.Parse(await cloud.KeyPolicyAsync(Images, key))!["Statement"]!.AsArray());
        }

        var imageCount = (await cloud.ImagesAsync(Images)).Count;
        cloud.Server.Cloud.Faults.Set(new FaultPlan { Seed = 20261204, Rules = [new FaultRule { ThrottleRate = 0.2, ServerErrorRate = 0.05 }] });

        var (outcome, json) = cloud.RunJson(Images, ["share", .. images, "--with", string.Join(',', Targets), "--yes"]);
        var injected = cloud.Server.Cloud.Faults.Counts;
        cloud.Server.Cloud.Faults.Set(FaultPlan.None);

        Assert.True(outcome.ExitCode == ExitCodes.Success, outcome.Console + outcome.Out);
        Assert.Equal("applied", (string?)json["mode"]);
        Assert.True(injected.Throttled > 0 && injected.ServerErrors > 0, injected.ToString());
        foreach (var image in images)
        {
            Assert.Equal(Targets.Order(StringComparer.Ordinal), (await cloud.LaunchPermissionsAsync(Images, image)).Order(StringComparer.Ordinal));
        }

        for (var k = 0; k < keys.Length; k++)
        {
            var statements = JsonNode.Parse(await cloud.KeyPolicyAsync(Images, keys[k]))!["Statement"]!.AsArray().Select(s => s!.ToJsonString()).ToList();
            Assert.All(originals[k], original => Assert.Contains(original!.ToJsonString(), statements));
            Assert.All(Targets, t => Assert.Contains(statements, s => s.Contains($"arn:aws:iam::{t}:root", StringComparison.Ordinal)));
        }

        Assert.Equal(imageCount, (await cloud.ImagesAsync(Images)).Count);
        Assert.All(json["keyChecks"]!.AsArray(), c => Assert.True((bool)c!["passed"]!));
    }

    [Fact]
    public async Task Share_ReencryptCopyUnderFaults_MakesExactlyOneCopy()
    {
        await using var cloud = await StartAsync();
        await cloud.CreateKeyAsync(Images, "alias/golden");
        var (image, _) = await cloud.CreateImageAsync(Images, "golden-ebs", kmsKeyId: null);
        var before = (await cloud.ImagesAsync(Images)).Count;
        cloud.Server.Cloud.Faults.Set(new FaultPlan
        {
            Seed = 5,
            Rules = [new FaultRule { Operation = "CopyImage", ThrottleRate = 0.5, ServerErrorRate = 0.3 }, new FaultRule { ThrottleRate = 0.2, ServerErrorRate = 0.02 }],
        });

        var (outcome, _) = cloud.RunJson(Images, "share", image, "--with", Prod, "--reencrypt-key", "alias/golden", "--yes");
        cloud.Server.Cloud.Faults.Set(FaultPlan.None);

        Assert.True(outcome.ExitCode == ExitCodes.Success, outcome.Console + outcome.Out);
        Assert.Equal(before + 1, (await cloud.ImagesAsync(Images)).Count);
    }

    [Fact]
    public async Task Verify_RightAfterShareWithGrantDelay_PassesWithATestLaunch()
    {
        await using var cloud = await StartAsync();
        var key = await cloud.CreateKeyAsync(Images);
        var (image, _) = await cloud.CreateImageAsync(Images, "golden-delay", key);
        cloud.Server.Cloud.Faults.Set(new FaultPlan { GrantDelayMs = 2000 });
        var (_, share) = cloud.RunJson(Images, "share", image, "--with", Prod, "--yes");
        await cloud.CreateRoleAsync(Prod, Images, ("launch", EmittedIamPolicy(share)));

        var (outcome, json) = cloud.RunJson(Images, "verify", image, "--target-role-arn", LauncherArn(Prod), "--launch");

        // The share writes key-policy statements, not grants; the launch's own EBS grants are used with their
        // grant tokens, which KMS honours at once: nothing verify reads waits on grant propagation.
        Assert.True(outcome.ExitCode == ExitCodes.Success, outcome.Console + outcome.Out);
        Assert.All(json["checks"]!.AsArray(), c => Assert.Equal("PASS", (string?)c!["status"]));
    }
}
