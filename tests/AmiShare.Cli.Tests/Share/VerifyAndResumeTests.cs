using System.Text.Json.Nodes;
using Amazon.EC2;
using Amazon.EC2.Model;
using Amazon.KeyManagementService.Model;
using AmiShare.Cli.Infrastructure;
using AmiShare.Core.Execution;
using static AmiShare.Cli.Tests.Share.ShareScenario;

namespace AmiShare.Cli.Tests.Share;

public sealed class VerifyAndResumeTests
{
    public enum Fault
    {
        None,
        NoKeyStatement,
        NoTargetIam,
        DisabledKey,
        UnusableTargetDefaultKey,
        MissingAsgGrant,
    }

    /// <summary>Each planted fault, and the check that must fail because of it (null: every check passes).</summary>
    public static TheoryData<Fault, string?> Faults => new()
    {
        { Fault.None, null },
        { Fault.NoKeyStatement, "key policy admits target" },
        { Fault.NoTargetIam, "target IAM allows key" },
        { Fault.DisabledKey, "key enabled" },
        { Fault.UnusableTargetDefaultKey, "target default EBS key usable" },
        { Fault.MissingAsgGrant, "Auto Scaling grant" },
    };

    [Theory]
    [MemberData(nameof(Faults))]
    public async Task Verify_PlantedFault_FailsTheRightCheckWithAFix(Fault fault, string? failingCheck)
    {
        await using var cloud = await StartAsync();
        var key = await cloud.CreateKeyAsync(Images);
        var (image, _) = await cloud.CreateImageAsync(Images, "golden-verify", key);
        var original = await cloud.KeyPolicyAsync(Images, key);
        var (_, share) = cloud.RunJson(Images, "share", image, "--with", Prod, "--yes");
        var runOnly = """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ec2:RunInstances","ec2:DescribeImages"],"Resource":"*"}]}""";
        await cloud.CreateRoleAsync(Prod, Images, ("launch", fault == Fault.NoTargetIam ? runOnly : EmittedIamPolicy(share)));
        switch (fault)
        {
            case Fault.NoKeyStatement:
                await cloud.PutKeyPolicyAsync(Images, key, original);
                break;
            case Fault.DisabledKey:
                await cloud.Kms(Images).DisableKeyAsync(new DisableKeyRequest { KeyId = key }, Deadline);
                break;
            case Fault.UnusableTargetDefaultKey:
                var prodKey = await cloud.CreateKeyAsync(Prod);
                await cloud.Ec2(Prod).ModifyEbsDefaultKmsKeyIdAsync(new ModifyEbsDefaultKmsKeyIdRequest { KmsKeyId = prodKey }, Deadline);
                await cloud.Kms(Prod).DisableKeyAsync(new DisableKeyRequest { KeyId = prodKey }, Deadline);
                break;
        }

        string[] asg = fault == Fault.MissingAsgGrant ? ["--asg"] : [];
        var (outcome, json) = cloud.RunJson(Images, ["verify", image, "--target-role-arn", LauncherArn(Prod), .. asg]);

        var checks = json["checks"]!.AsArray().Select(c => c!.AsObject()).ToList();
        if (failingCheck is null)
        {
            Assert.True(outcome.ExitCode == ExitCodes.Success, outcome.Out);
            Assert.All(checks, c => Assert.Equal("PASS", (string?)c["status"]));
            return;
        }

        Assert.Equal(ExitCodes.CheckFailed, outcome.ExitCode);
        var failed = checks.Where(c => (string?)c["status"] == "FAIL").ToList();
        var expected = Assert.Single(failed, c => ((string)c["name"]!).StartsWith(failingCheck, StringComparison.Ordinal));
        Assert.False(string.IsNullOrWhiteSpace((string?)expected["fix"]));
    }

    [Fact]
    public async Task Verify_AfterUnshare_FailsAndSaysTheImageIsNotShared()
    {
        await using var cloud = await StartAsync();
        var key = await cloud.CreateKeyAsync(Images);
        var (image, _) = await cloud.CreateImageAsync(Images, "golden-gone", key);
        var (_, share) = cloud.RunJson(Images, "share", image, "--with", Prod, "--yes");
        await cloud.CreateRoleAsync(Prod, Images, ("launch", EmittedIamPolicy(share)));
        Assert.Equal(ExitCodes.Success, cloud.Run(Images, "unshare", image, "--from", Prod, "--yes").ExitCode);

        var (outcome, json) = cloud.RunJson(Images, "verify", image, "--target-role-arn", LauncherArn(Prod));

        Assert.Equal(ExitCodes.CheckFailed, outcome.ExitCode);
        var visible = json["checks"]!.AsArray().Single(c => (string?)c!["name"] == "image visible")!;
        Assert.Equal("FAIL", (string?)visible["status"]);
        Assert.Contains($"amishare share {image} --with {Prod}", (string?)visible["fix"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_Launch_RunsAndTerminatesTheTestInstance()
    {
        await using var cloud = await StartAsync();
        var key = await cloud.CreateKeyAsync(Images);
        var (image, _) = await cloud.CreateImageAsync(Images, "golden-launch", key);
        var (_, share) = cloud.RunJson(Images, "share", image, "--with", Prod, "--yes");
        await cloud.CreateRoleAsync(Prod, Images, ("launch", EmittedIamPolicy(share)));

        var (outcome, json) = cloud.RunJson(Images, "verify", image, "--target-role-arn", LauncherArn(Prod), "--launch");

        Assert.True(outcome.ExitCode == ExitCodes.Success, outcome.Out);
        var instanceId = (string)json["instanceId"]!;
        var described = await cloud.Ec2(Prod).DescribeInstancesAsync(new DescribeInstancesRequest { InstanceIds = [instanceId] }, Deadline);
        Assert.Contains(described.Reservations[0].Instances[0].State.Name.Value, new[] { "shutting-down", "terminated" });
    }

    /// <summary>Every pending step of a share with a copy, key policy, launch and volume permissions, killed before and after its cloud call.</summary>
    public static TheoryData<int, CheckpointPhase> Kills()
    {
        var data = new TheoryData<int, CheckpointPhase>();
        for (var step = 0; step < 4; step++)
        {
            data.Add(step, CheckpointPhase.BeforeCall);
            data.Add(step, CheckpointPhase.AfterCall);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Kills))]
    public async Task Share_KilledAtAStep_ResumesWithoutDuplicatesOrLoss(int killAt, CheckpointPhase phase)
    {
        await using var cloud = await StartAsync();
        await cloud.CreateKeyAsync(Images, "alias/golden");
        var (image, _) = await cloud.CreateImageAsync(Images, "golden-resume", kmsKeyId: null);
        string[] share = ["share", image, "--with", Prod, "--with", Dev, "--reencrypt-key", "alias/golden", "--allow-copy", "--yes"];
        var killed = false;
        cloud.Checkpoint = (point, _) =>
        {
            if (!killed && point.Index == killAt && point.Phase == phase)
            {
                killed = true;
                throw new SimulatedKillException($"killed at step {point.Index} {point.Phase}");
            }

            return ValueTask.CompletedTask;
        };

        var first = cloud.Run(Images, share);
        Assert.True(killed, "the kill point was never reached");
        Assert.NotEqual(ExitCodes.Success, first.ExitCode);

        cloud.Checkpoint = null;
        var (resumed, json) = cloud.RunJson(Images, share);

        Assert.True(resumed.ExitCode == ExitCodes.Success, resumed.Out + resumed.Console);
        Assert.True((bool)json["run"]!["resumed"]!);
        var copies = (await cloud.ImagesAsync(Images)).Where(i => i.ImageId != image).ToList();
        var copy = Assert.Single(copies);
        Assert.Equal([Prod, Dev], (await cloud.LaunchPermissionsAsync(Images, copy.ImageId)).Order(StringComparer.Ordinal));
        var volume = await cloud.Ec2(Images).DescribeSnapshotAttributeAsync(new DescribeSnapshotAttributeRequest { SnapshotId = copy.BlockDeviceMappings[0].Ebs.SnapshotId, Attribute = SnapshotAttributeName.CreateVolumePermission }, Deadline);
        Assert.Equal([Prod, Dev], volume.CreateVolumePermissions.Select(p => p.UserId).Order(StringComparer.Ordinal));

        var (_, again) = cloud.RunJson(Images, share);
        Assert.Equal("nothing-to-do", (string?)again["mode"]);
    }

    private sealed class SimulatedKillException(string message) : Exception(message);
}
