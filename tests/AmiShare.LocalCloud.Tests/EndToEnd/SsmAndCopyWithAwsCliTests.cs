using System.Text.Json;
using AmiShare.LocalCloud.Seed;
using AmiShare.LocalCloud.Tests.Support;
using static AmiShare.LocalCloud.Tests.Ec2.Ec2TestKit;

namespace AmiShare.LocalCloud.Tests.EndToEnd;

/// <summary>The AWS CLI as an independent observer of issue 12's LocalCloud calls: SSM parameters and a Region-to-Region copy.</summary>
public sealed class SsmAndCopyWithAwsCliTests
{
    [AwsCliFact]
    public async Task AwsCli_CopyImageToOtherRegionThenSsmParameter_ResolvesInThatRegion()
    {
        await using var server = await TestCloud.StartAsync();
        var account = server.Account(DefaultSeed.ImagesAccountId);
        using var owner = Client(server, Images);
        var source = await OwnerImageAsync(owner, "cli-golden", encrypted: true);

        Task<(int ExitCode, string Stdout, string Stderr)> Aws(params string[] arguments) =>
            AwsCliTests.RunAwsAsync(server, account.RootAccessKeyId, account.RootSecretAccessKey, [.. arguments, "--region", "eu-west-1", "--output", "json"]);

        var copy = await Aws("ec2", "copy-image", "--source-region", TestCloud.Region, "--source-image-id", source, "--name", "cli-golden-eu", "--encrypted");
        Assert.True(copy.ExitCode == 0, copy.Stderr);
        var copyId = JsonDocument.Parse(copy.Stdout).RootElement.GetProperty("ImageId").GetString()!;
        var put = await Aws("ssm", "put-parameter", "--name", "/amishare/golden", "--type", "String", "--data-type", "aws:ec2:image", "--value", copyId);
        var get = await Aws("ssm", "get-parameter", "--name", "/amishare/golden");
        var wrongRegion = await AwsCliTests.RunAwsAsync(server, account.RootAccessKeyId, account.RootSecretAccessKey, "ssm", "get-parameter", "--name", "/amishare/golden");
        var run = await Aws("ec2", "run-instances", "--image-id", "resolve:ssm:/amishare/golden", "--count", "1", "--instance-type", "t3.micro");

        Assert.True(put.ExitCode == 0, put.Stderr);
        Assert.Equal(1, JsonDocument.Parse(put.Stdout).RootElement.GetProperty("Version").GetInt32());
        Assert.True(get.ExitCode == 0, get.Stderr);
        var parameter = JsonDocument.Parse(get.Stdout).RootElement.GetProperty("Parameter");
        Assert.Equal((copyId, "aws:ec2:image"), (parameter.GetProperty("Value").GetString(), parameter.GetProperty("DataType").GetString()));
        Assert.NotEqual(0, wrongRegion.ExitCode);
        Assert.Contains("ParameterNotFound", wrongRegion.Stderr, StringComparison.Ordinal);
        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.Equal(copyId, JsonDocument.Parse(run.Stdout).RootElement.GetProperty("Instances")[0].GetProperty("ImageId").GetString());
    }
}
