using Amazon.EC2;
using Amazon.EC2.Model;
using Amazon.KeyManagementService.Model;
using Amazon.SimpleSystemsManagement;
using Amazon.SimpleSystemsManagement.Model;
using AmiShare.Cli.Infrastructure;
using static AmiShare.Cli.Tests.Share.ShareScenario;

namespace AmiShare.Cli.Tests.Share;

/// <summary>Issue 12 parts 3 and 5 through the real SDK adapter: SSM publishing, lifecycle options, retire.</summary>
public sealed class PublishAndRetireTests
{
    private const string Home = ShareScenario.Region;
    private const string Eu = "eu-west-1";
    private const string Parameter = "/golden/al2023/ami-id";
    private const string RoleTemplate = "arn:aws:iam::{account}:role/" + LauncherRole;

    /// <summary>What the target role needs for publishing and for retire's instance check (verify's reads come with the role).</summary>
    private const string TargetWork = """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ssm:PutParameter","ssm:GetParameterHistory","ssm:GetParameter","ec2:DescribeImages","ec2:DescribeInstances"],"Resource":"*"}]}""";

    [Fact]
    public async Task Share_WithSsmParameter_TargetLaunchResolvesEachRegionsImage()
    {
        await using var cloud = await StartAsync([Home, Eu]);
        var (image, euKey) = await GoldenImageAsync(cloud);
        await cloud.CreateRoleAsync(Prod, Images, ("target-work", TargetWork));
        string[] share = ["share", image, "--with", Prod, "--to-region", Eu, "--reencrypt-key", $"{Eu}={euKey}", "--target-role-arn", RoleTemplate,
            "--ssm-parameter", Parameter, "--deprecate-at", "2030-06-30T00:00:00Z", "--deregistration-protection", "--yes"];

        // A name SSM would refuse: one line with the fix, exit 2, and nothing shared or copied.
        var badName = cloud.Run(Images, [.. share.Select(a => a == Parameter ? "/aws/golden" : a)]);
        Assert.Equal(ExitCodes.InvalidInput, badName.ExitCode);
        Assert.Contains("\"/aws/golden\" is not a parameter name SSM accepts: it begins with aws or ssm", badName.Console, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", badName.Console, StringComparison.Ordinal);
        Assert.Empty(await cloud.LaunchPermissionsAsync(Images, image));

        var dryRun = cloud.Run(Images, [.. share[..^1], "--dry-run"]);
        Assert.True(dryRun.ExitCode == ExitCodes.Success, dryRun.Console);
        Assert.Contains("PublishImageParameter", dryRun.Console, StringComparison.Ordinal);
        Assert.Contains("DeprecateImage", dryRun.Console, StringComparison.Ordinal);
        await Assert.ThrowsAsync<ParameterNotFoundException>(() => Ssm(cloud, Prod, Home).GetParameterAsync(new GetParameterRequest { Name = Parameter }, Deadline));

        // Without target credentials: the RAM route is printed for someone to run, and nothing is written.
        var (_, ram) = cloud.RunJson(Images, [.. share.Where(a => a is not ("--target-role-arn" or RoleTemplate or "--yes")), "--dry-run"]);
        Assert.Contains(Steps(ram), s => (string?)s["target"] == "RAM" && ((string?)s["reason"])!.Contains("aws ram create-resource-share", StringComparison.Ordinal));

        var (applied, json) = cloud.RunJson(Images, share);
        Assert.True(applied.ExitCode == ExitCodes.Success, applied.Console);
        Assert.Equal(2, Steps(json).Count(s => (string?)s["action"] == "PublishImageParameter" && (string?)s["status"] == "Applied"));
        var copy = Assert.Single(await OwnedImagesAsync(cloud, Eu));
        Assert.Equal(DateTime.Parse("2030-06-30T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture).ToUniversalTime(), DateTime.Parse(copy.DeprecationTime, System.Globalization.CultureInfo.InvariantCulture).ToUniversalTime());
        Assert.Equal("enabled", copy.DeregistrationProtection);

        // The target launches by the parameter in each Region and gets that Region's image.
        foreach (var (region, expected) in new[] { (Home, image), (Eu, copy.ImageId) })
        {
            var run = await cloud.Ec2(Prod, region).RunInstancesAsync(new RunInstancesRequest { ImageId = "resolve:ssm:" + Parameter, MinCount = 1, MaxCount = 1, InstanceType = InstanceType.T3Micro }, Deadline);
            Assert.Equal(expected, run.Reservation.Instances[0].ImageId);
        }

        // A rerun changes nothing: no new parameter version.
        var (rerun, again) = cloud.RunJson(Images, share);
        Assert.True(rerun.ExitCode == ExitCodes.Success, rerun.Console);
        Assert.Equal("nothing-to-do", (string?)again["mode"]);
        Assert.Equal(1, (await Ssm(cloud, Prod, Eu).GetParameterAsync(new GetParameterRequest { Name = Parameter }, Deadline)).Parameter.Version);

        // Someone else's parameter of that name is refused with the fix and left as it is.
        await Ssm(cloud, Prod, Home).PutParameterAsync(new PutParameterRequest { Name = "/golden/theirs", Value = "ami-0a1b2c3d4e5f60001", Type = ParameterType.String }, Deadline);
        var foreign = cloud.Run(Images, [.. share.Select(a => a == Parameter ? "/golden/theirs" : a)]);
        Assert.Equal(ExitCodes.CheckFailed, foreign.ExitCode);
        Assert.Contains("AmiShare did not write it", foreign.Console, StringComparison.Ordinal);
        Assert.Equal("ami-0a1b2c3d4e5f60001", (await Ssm(cloud, Prod, Home).GetParameterAsync(new GetParameterRequest { Name = "/golden/theirs" }, Deadline)).Parameter.Value);
    }

    [Fact]
    public async Task Retire_WhileTargetRunsTheImage_RefusedUntilItIsGoneOrForced()
    {
        await using var cloud = await StartAsync([Home, Eu]);
        var (image, euKey) = await GoldenImageAsync(cloud);
        await cloud.CreateRoleAsync(Prod, Images, ("target-work", TargetWork));
        var shared = cloud.Run(Images, "share", image, "--with", Prod, "--to-region", Eu, "--reencrypt-key", $"{Eu}={euKey}", "--deregistration-protection", "--yes");
        Assert.True(shared.ExitCode == ExitCodes.Success, shared.Console);
        var copy = Assert.Single(await OwnedImagesAsync(cloud, Eu));
        var copySnapshot = copy.BlockDeviceMappings[0].Ebs.SnapshotId;
        var instance = (await cloud.Ec2(Prod, Eu).RunInstancesAsync(new RunInstancesRequest { ImageId = copy.ImageId, MinCount = 1, MaxCount = 1, InstanceType = InstanceType.T3Micro }, Deadline)).Reservation.Instances[0].InstanceId;
        string[] retire = ["retire", image, "--to-region", Eu, "--target-role-arn", RoleTemplate, "--yes"];

        var refused = cloud.Run(Images, retire);
        Assert.Equal(ExitCodes.CheckFailed, refused.ExitCode);
        Assert.Contains(instance, refused.Console, StringComparison.Ordinal);
        Assert.Contains("--force", refused.Console, StringComparison.Ordinal);
        Assert.Single(await OwnedImagesAsync(cloud, Eu));
        Assert.Contains(Prod, await cloud.LaunchPermissionsAsync(Images, image));

        var forced = cloud.Run(Images, [.. retire[..^1], "--force", "--dry-run"]);
        Assert.True(forced.ExitCode == ExitCodes.Success, forced.Console);
        Assert.Contains("DeregisterCopy", forced.Console, StringComparison.Ordinal);
        Assert.Single(await OwnedImagesAsync(cloud, Eu));

        await cloud.Ec2(Prod, Eu).TerminateInstancesAsync(new TerminateInstancesRequest { InstanceIds = [instance] }, Deadline);
        var retired = cloud.Run(Images, retire);
        Assert.True(retired.ExitCode == ExitCodes.Success, retired.Console);
        Assert.DoesNotContain(await OwnedImagesAsync(cloud, Eu), i => i.State != ImageState.Deregistered);
        Assert.DoesNotContain((await cloud.Ec2(Images, Eu).DescribeSnapshotsAsync(new DescribeSnapshotsRequest { OwnerIds = ["self"] }, Deadline)).Snapshots ?? [], s => s.SnapshotId == copySnapshot);
        Assert.Empty(await cloud.LaunchPermissionsAsync(Images, image));
        var original = Assert.Single(await cloud.ImagesAsync(Images), i => i.ImageId == image);
        Assert.False(string.IsNullOrEmpty(original.DeprecationTime));
    }

    /// <summary>The golden image under a home customer key, and a key for the copy in the other Region.</summary>
    private static async Task<(string Image, string EuKey)> GoldenImageAsync(ShareScenario cloud)
    {
        var homeKey = await cloud.CreateKeyAsync(Images, "alias/golden");
        var euKey = (await cloud.Kms(Images, Eu).CreateKeyAsync(new CreateKeyRequest { Description = "ebs " + Eu }, Deadline)).KeyMetadata.Arn;
        var (image, _) = await cloud.CreateImageAsync(Images, "golden", homeKey);
        return (image, euKey);
    }

    private static async Task<List<Amazon.EC2.Model.Image>> OwnedImagesAsync(ShareScenario cloud, string region) =>
        (await cloud.Ec2(Images, region).DescribeImagesAsync(new DescribeImagesRequest { Owners = ["self"] }, Deadline)).Images ?? [];

    private static AmazonSimpleSystemsManagementClient Ssm(ShareScenario cloud, string account, string region) =>
        new(Root(account), new AmazonSimpleSystemsManagementConfig { ServiceURL = cloud.Endpoint, AuthenticationRegion = region, MaxErrorRetry = 0 });
}
