using Amazon.KeyManagementService.Model;
using Amazon.SimpleSystemsManagement;
using Amazon.SimpleSystemsManagement.Model;
using AmiShare.Cli.Infrastructure;
using static AmiShare.Cli.Tests.Share.ShareScenario;

namespace AmiShare.Cli.Tests.Share;

/// <summary>
/// unshare and retire with <c>--ssm-parameter</c> through the real SDK adapter: the parameters share published go
/// with the images they point at, and only those AmiShare wrote that still hold a withdrawn image.
/// </summary>
public sealed class WithdrawParameterTests
{
    private const string Home = ShareScenario.Region;
    private const string Eu = "eu-west-1";
    private const string Parameter = "/golden/al2023/ami-id";
    private const string OtherImage = "ami-0a1b2c3d4e5f60001";
    private const string RoleTemplate = "arn:aws:iam::{account}:role/" + LauncherRole;

    /// <summary>What the target role needs to publish the parameter, find AmiShare's mark, and delete it (retire also asks what runs).</summary>
    private const string TargetWork = """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ssm:PutParameter","ssm:GetParameterHistory","ssm:DeleteParameter","ec2:DescribeImages","ec2:DescribeInstances"],"Resource":"*"}]}""";

    [Fact]
    public async Task Unshare_WithSsmParameter_DeletesOnlyTheUnsharedAccountsOwnParameterAndLeavesOthersSaying()
    {
        await using var cloud = await StartAsync();
        var key = await cloud.CreateKeyAsync(Images, "alias/golden");
        var (image, _) = await cloud.CreateImageAsync(Images, "golden", key);
        foreach (var account in new[] { Prod, Dev, Partner })
        {
            await cloud.CreateRoleAsync(account, Images, ("target-work", TargetWork));
        }

        var shared = cloud.Run(Images, "share", image, "--with", $"{Prod},{Dev},{Partner}", "--target-role-arn", RoleTemplate, "--ssm-parameter", Parameter, "--yes");
        Assert.True(shared.ExitCode == ExitCodes.Success, shared.Console);

        // Unsharing one target: its parameter is gone, the others' stay.
        string[] unshareProd = ["unshare", image, "--from", Prod, "--target-role-arn", RoleTemplate, "--ssm-parameter", Parameter, "--yes"];
        var dryRun = cloud.Run(Images, [.. unshareProd[..^1], "--dry-run"]);
        Assert.True(dryRun.ExitCode == ExitCodes.Success, dryRun.Console);
        Assert.Contains("DeleteImageParameter", dryRun.Console, StringComparison.Ordinal);
        Assert.Equal(image, await ValueAsync(cloud, Prod, Home));

        var (unshared, json) = cloud.RunJson(Images, unshareProd);
        Assert.True(unshared.ExitCode == ExitCodes.Success, unshared.Console);
        var deletion = Assert.Single(Steps(json), s => (string?)s["action"] == "DeleteImageParameter");
        Assert.Equal((image, Prod, "Applied"), ((string?)deletion["resource"], (string?)deletion["target"], (string?)deletion["status"]));
        Assert.Null(await ValueAsync(cloud, Prod, Home));
        Assert.Equal(image, await ValueAsync(cloud, Dev, Home));

        // A rerun has nothing to do: the parameter is already gone.
        var (rerun, again) = cloud.RunJson(Images, unshareProd);
        Assert.True(rerun.ExitCode == ExitCodes.Success, rerun.Console);
        Assert.Equal("nothing-to-do", (string?)again["mode"]);

        // Dev's parameter is rewritten by someone else; Partner's (still marked) now holds another image: both are left, and said so.
        await Ssm(cloud, Dev, Home).PutParameterAsync(new PutParameterRequest { Name = Parameter, Value = OtherImage, Type = ParameterType.String, Overwrite = true, Description = "the platform team's" }, Deadline);
        await Ssm(cloud, Partner, Home).PutParameterAsync(new PutParameterRequest { Name = Parameter, Value = OtherImage, Type = ParameterType.String, Overwrite = true, Description = $"Published by AmiShare for {OtherImage}; overwritten by later shares of it." }, Deadline);
        var left = cloud.Run(Images, "unshare", image, "--from", $"{Dev},{Partner}", "--target-role-arn", RoleTemplate, "--ssm-parameter", Parameter, "--yes");
        Assert.True(left.ExitCode == ExitCodes.Success, left.Console);
        Assert.Contains($"{Parameter} in {Dev} ({Home}) was written by someone else, left.", Flat(left.Console), StringComparison.Ordinal);
        Assert.Contains($"{Parameter} in {Partner} ({Home}) now holds {OtherImage}, left.", Flat(left.Console), StringComparison.Ordinal);
        Assert.DoesNotContain("DeleteImageParameter", left.Console, StringComparison.Ordinal);
        Assert.Equal(OtherImage, await ValueAsync(cloud, Dev, Home));
        Assert.Equal(OtherImage, await ValueAsync(cloud, Partner, Home));
        Assert.Empty(await cloud.LaunchPermissionsAsync(Images, image));
    }

    [Fact]
    public async Task Unshare_SsmParameterWithoutRoleTemplate_ExitsTwoWithTheFix()
    {
        await using var cloud = await StartAsync();
        var outcome = cloud.Run(Images, "unshare", "ami-0123456789abcdef0", "--from", Prod, "--ssm-parameter", Parameter, "--yes");
        Assert.Equal(ExitCodes.InvalidInput, outcome.ExitCode);
        Assert.Contains("--ssm-parameter deletes in each target account: give --target-role-arn with {account}", Flat(outcome.Console), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Retire_WithSsmParameter_DeletesTheParameterInEveryRegion()
    {
        await using var cloud = await StartAsync([Home, Eu]);
        var homeKey = await cloud.CreateKeyAsync(Images, "alias/golden");
        var euKey = (await cloud.Kms(Images, Eu).CreateKeyAsync(new CreateKeyRequest { Description = "ebs " + Eu }, Deadline)).KeyMetadata.Arn;
        var (image, _) = await cloud.CreateImageAsync(Images, "golden", homeKey);
        await cloud.CreateRoleAsync(Prod, Images, ("target-work", TargetWork));
        var shared = cloud.Run(Images, "share", image, "--with", Prod, "--to-region", Eu, "--reencrypt-key", $"{Eu}={euKey}", "--target-role-arn", RoleTemplate, "--ssm-parameter", Parameter, "--yes");
        Assert.True(shared.ExitCode == ExitCodes.Success, shared.Console);
        Assert.Equal(image, await ValueAsync(cloud, Prod, Home));
        Assert.NotNull(await ValueAsync(cloud, Prod, Eu));

        string[] retire = ["retire", image, "--to-region", Eu, "--target-role-arn", RoleTemplate, "--ssm-parameter", Parameter, "--yes"];
        var (retired, json) = cloud.RunJson(Images, retire);
        Assert.True(retired.ExitCode == ExitCodes.Success, retired.Console);
        Assert.Equal(2, Steps(json).Count(s => (string?)s["action"] == "DeleteImageParameter" && (string?)s["status"] == "Applied"));
        Assert.Null(await ValueAsync(cloud, Prod, Home));
        Assert.Null(await ValueAsync(cloud, Prod, Eu));

        var rerun = cloud.Run(Images, retire);
        Assert.True(rerun.ExitCode == ExitCodes.Success, rerun.Console);
        Assert.DoesNotContain("DeleteImageParameter", rerun.Console, StringComparison.Ordinal);
    }

    /// <summary>The parameter's value in the account and Region, or null when there is none.</summary>
    private static async Task<string?> ValueAsync(ShareScenario cloud, string account, string region)
    {
        try
        {
            return (await Ssm(cloud, account, region).GetParameterAsync(new GetParameterRequest { Name = Parameter }, Deadline)).Parameter.Value;
        }
        catch (ParameterNotFoundException)
        {
            return null;
        }
    }

    /// <summary>The console with the table's wrapping undone, so a sentence can be found whole.</summary>
    private static string Flat(string console) => string.Join(' ', console.Split((char[])['\n', '\r', ' ', '│'], StringSplitOptions.RemoveEmptyEntries));

    private static AmazonSimpleSystemsManagementClient Ssm(ShareScenario cloud, string account, string region) =>
        new(Root(account), new AmazonSimpleSystemsManagementConfig { ServiceURL = cloud.Endpoint, AuthenticationRegion = region, MaxErrorRetry = 0 });
}
