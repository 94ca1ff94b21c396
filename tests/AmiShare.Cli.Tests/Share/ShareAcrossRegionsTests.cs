using System.Diagnostics;
using System.Text.Json;
using Amazon.EC2;
using Amazon.EC2.Model;
using Amazon.KeyManagementService.Model;
using AmiShare.Cli.Infrastructure;
using static AmiShare.Cli.Tests.Share.ShareScenario;

namespace AmiShare.Cli.Tests.Share;

/// <summary>Issue 12: one golden image shared into three Regions under three keys, through the real SDK adapter.</summary>
public sealed class ShareAcrossRegionsTests
{
    private const string Home = ShareScenario.Region;
    private const string Eu = "eu-west-1";
    private const string Ap = "ap-southeast-2";

    [Fact]
    public async Task Share_ToTwoMoreRegionsUnderMappedKeys_TargetLaunchesEqualContentInEachRegion()
    {
        await using var cloud = await StartAsync([Home, Eu, Ap]);
        var homeKey = await cloud.CreateKeyAsync(Images, "alias/golden");
        var euKey = await RegionalKeyAsync(cloud, Eu, "alias/golden");
        var apKey = await RegionalKeyAsync(cloud, Ap, alias: null);
        var (image, snapshot) = await cloud.CreateImageAsync(Images, "golden", homeKey);
        var sourceDigest = await cloud.DigestAsync(snapshot);

        // A map that misses a destination is refused with the fix, and nothing is copied anywhere.
        var refused = cloud.Run(Images, "share", image, "--with", Prod, "--to-region", $"{Eu},{Ap}", "--reencrypt-key", $"{Eu}=alias/golden", "--yes");
        Assert.Equal(ExitCodes.CheckFailed, refused.ExitCode);
        Assert.Contains($"Add {Ap}=KEY to --reencrypt-key", refused.Console, StringComparison.Ordinal);
        Assert.Empty(await OwnedImagesAsync(cloud, Eu));
        Assert.Empty(await cloud.LaunchPermissionsAsync(Images, image));

        var badRegion = cloud.Run(Images, "share", image, "--with", Prod, "--to-region", "eu-westt", "--reencrypt-key", $"{Eu}=alias/golden", "--yes");
        Assert.Equal(ExitCodes.InvalidInput, badRegion.ExitCode);
        Assert.Contains("\"eu-westt\" is not a Region name", badRegion.Console, StringComparison.Ordinal);

        string[] share = ["share", image, "--with", Prod, "--to-region", Eu, "--to-region", Ap, "--reencrypt-key", $"{Eu}=alias/golden,{Ap}={apKey}", "--yes"];
        var dryRun = cloud.Run(Images, [.. share[..^1], "--dry-run"]);
        Assert.True(dryRun.ExitCode == ExitCodes.Success, dryRun.Console);
        foreach (var heading in new[] { Home, Eu, Ap, "All Regions" })
        {
            Assert.Contains(heading + "\n", dryRun.Console, StringComparison.Ordinal);
        }

        Assert.Empty(await OwnedImagesAsync(cloud, Eu));

        var (shared, json) = cloud.RunJson(Images, share);

        Assert.True(shared.ExitCode == ExitCodes.Success, shared.Console);
        Assert.Equal(2, Steps(json).Count(s => (string?)s["action"] == "CopyImageUnderCustomerKey"));
        Assert.Equal(sourceDigest, await LaunchDigestAsync(cloud, Home, image));
        foreach (var (region, key) in new[] { (Eu, euKey), (Ap, apKey) })
        {
            var copy = Assert.Single(await OwnedImagesAsync(cloud, region));
            Assert.Contains(copy.Tags, t => t.Key == "amishare:copy-of" && t.Value == image);
            Assert.Contains(copy.Tags, t => t.Key == "amishare:source-region" && t.Value == Home);
            var copySnapshot = Assert.Single((await cloud.Ec2(Images, region).DescribeSnapshotsAsync(new DescribeSnapshotsRequest { SnapshotIds = [copy.BlockDeviceMappings[0].Ebs.SnapshotId] }, Deadline)).Snapshots);
            Assert.Equal(key, copySnapshot.KmsKeyId);
            Assert.Contains(Prod, await LaunchPermissionsAsync(cloud, region, copy.ImageId));
            Assert.Equal(sourceDigest, await LaunchDigestAsync(cloud, region, copy.ImageId));
        }

        // The AWS CLI, as the target in the last Region, independently sees the shared copy there.
        var observedCopy = Assert.Single(await OwnedImagesAsync(cloud, Ap)).ImageId;
        var (exitCode, output, error) = await RunAwsCliAsync(cloud.Endpoint, Ap, Prod, "ec2", "describe-images", "--image-ids", observedCopy, "--output", "json");
        Assert.True(exitCode == 0, error);
        using (var observed = JsonDocument.Parse(output))
        {
            var described = Assert.Single(observed.RootElement.GetProperty("Images").EnumerateArray());
            Assert.Equal((observedCopy, Images), (described.GetProperty("ImageId").GetString(), described.GetProperty("OwnerId").GetString()));
        }

        // A rerun finds the copies by their tag and makes none again.
        var (rerun, again) = cloud.RunJson(Images, share);
        Assert.Equal(ExitCodes.Success, rerun.ExitCode);
        Assert.Equal("nothing-to-do", (string?)again["mode"]);
        Assert.Single(await OwnedImagesAsync(cloud, Eu));
        Assert.Single(await OwnedImagesAsync(cloud, Ap));
    }

    internal static async Task<(int ExitCode, string Output, string Error)> RunAwsCliAsync(string endpoint, string region, string account, params string[] arguments)
    {
        var credentials = Root(account).GetCredentials();
        var start = new ProcessStartInfo("aws", ["--endpoint-url", endpoint, "--region", region, .. arguments])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["AWS_ACCESS_KEY_ID"] = credentials.AccessKey;
        start.Environment["AWS_SECRET_ACCESS_KEY"] = credentials.SecretKey;
        start.Environment.Remove("AWS_SESSION_TOKEN");
        start.Environment.Remove("AWS_PROFILE");
        start.Environment["AWS_CONFIG_FILE"] = "/dev/null";
        start.Environment["AWS_SHARED_CREDENTIALS_FILE"] = "/dev/null";
        start.Environment["AWS_EC2_METADATA_DISABLED"] = "true";
        using var process = Process.Start(start) ?? throw new InvalidOperationException("the AWS CLI (aws) is not on PATH; .ci/run installs it");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        return (process.ExitCode, await output, await error);
    }

    private static async Task<string> RegionalKeyAsync(ShareScenario cloud, string region, string? alias)
    {
        var kms = cloud.Kms(Images, region);
        var key = await kms.CreateKeyAsync(new CreateKeyRequest { Description = "ebs " + region }, Deadline);
        if (alias is not null)
        {
            await kms.CreateAliasAsync(new CreateAliasRequest { AliasName = alias, TargetKeyId = key.KeyMetadata.KeyId }, Deadline);
        }

        return key.KeyMetadata.Arn;
    }

    private static async Task<List<Amazon.EC2.Model.Image>> OwnedImagesAsync(ShareScenario cloud, string region) =>
        (await cloud.Ec2(Images, region).DescribeImagesAsync(new DescribeImagesRequest { Owners = ["self"] }, Deadline)).Images ?? [];

    private static async Task<List<string>> LaunchPermissionsAsync(ShareScenario cloud, string region, string imageId)
    {
        var attribute = await cloud.Ec2(Images, region).DescribeImageAttributeAsync(new DescribeImageAttributeRequest { ImageId = imageId, Attribute = ImageAttributeName.LaunchPermission }, Deadline);
        return [.. (attribute.ImageAttribute.LaunchPermissions ?? []).Select(p => p.UserId ?? string.Empty)];
    }

    /// <summary>Launches the image as the target's root in <paramref name="region"/> and digests the root volume's content.</summary>
    private static async Task<string> LaunchDigestAsync(ShareScenario cloud, string region, string imageId)
    {
        var ec2 = cloud.Ec2(Prod, region);
        var run = await ec2.RunInstancesAsync(new RunInstancesRequest { ImageId = imageId, MinCount = 1, MaxCount = 1, InstanceType = InstanceType.T3Micro }, Deadline);
        var instanceId = run.Reservation.Instances[0].InstanceId;
        Instance instance;
        var attempts = 0;
        do
        {
            await Task.Delay(20);
            instance = (await ec2.DescribeInstancesAsync(new DescribeInstancesRequest { InstanceIds = [instanceId] }, Deadline)).Reservations[0].Instances[0];
        }
        while (instance.State.Name != InstanceStateName.Running && ++attempts < 100);

        Assert.Equal(InstanceStateName.Running, instance.State.Name);
        return await cloud.DigestAsync(instance.BlockDeviceMappings[0].Ebs.VolumeId);
    }
}
