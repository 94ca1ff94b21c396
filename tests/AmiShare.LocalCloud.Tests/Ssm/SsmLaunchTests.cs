using Amazon.EC2;
using Amazon.EC2.Model;
using Amazon.SimpleSystemsManagement;
using Amazon.SimpleSystemsManagement.Model;
using AmiShare.LocalCloud.Tests.Kms;
using AmiShare.LocalCloud.Tests.Support;
using static AmiShare.LocalCloud.Tests.Ec2.Ec2TestKit;

namespace AmiShare.LocalCloud.Tests.Ssm;

/// <summary>RunInstances with <c>ImageId = resolve:ssm:…</c>, resolved in the caller's account and Region.</summary>
public sealed class SsmLaunchTests
{
    [Fact]
    public async Task RunInstances_ResolveSsmNameVersionAndLabel_LaunchesTheImageTheParameterNames()
    {
        await using var server = await TestCloud.StartAsync();
        using var owner = Client(server, Images);
        using var ssm = SsmTestKit.Client(server, Images);
        var first = await OwnerImageAsync(owner, "release-1");
        var second = await OwnerImageAsync(owner, "release-2");
        await ssm.PutParameterAsync(new PutParameterRequest { Name = "/golden/ami", Value = first, Type = ParameterType.String, DataType = "aws:ec2:image" }, TestCloud.Timeout);
        await ssm.LabelParameterVersionAsync(new LabelParameterVersionRequest { Name = "/golden/ami", Labels = ["previous"] }, TestCloud.Timeout);
        await ssm.PutParameterAsync(new PutParameterRequest { Name = "/golden/ami", Value = second, Overwrite = true }, TestCloud.Timeout);

        var latest = await LaunchAsync(owner, "resolve:ssm:/golden/ami");
        var byVersion = await LaunchAsync(owner, "resolve:ssm:/golden/ami:1");
        var byLabel = await LaunchAsync(owner, "resolve:ssm:/golden/ami:previous");
        var byArn = await LaunchAsync(owner, "resolve:ssm:arn:aws:ssm:us-east-1:111111111111:parameter/golden/ami:2");

        Assert.Equal([second, first, first, second], new[] { latest, byVersion, byLabel, byArn }.Select(i => i.ImageId));
        Assert.All(new[] { latest, byVersion, byLabel, byArn }, i => Assert.Equal("running", i.State.Name.Value));
    }

    [Fact]
    public async Task RunInstances_ResolveSsmMissingOrTextParameter_SsmInvalidParameter()
    {
        await using var server = await TestCloud.StartAsync();
        using var owner = Client(server, Images);
        using var ssm = SsmTestKit.Client(server, Images);
        await ssm.PutParameterAsync(new PutParameterRequest { Name = "/plain/text", Value = PublicImageId, Type = ParameterType.String }, TestCloud.Timeout);

        var missing = await FailsAsync(() => LaunchAsync(owner, "resolve:ssm:/no/such"));
        var text = await FailsAsync(() => LaunchAsync(owner, "resolve:ssm:/plain/text"));

        Assert.Equal("SsmInvalidParameter", missing.ErrorCode);
        Assert.Equal("SsmInvalidParameter", text.ErrorCode);
        Assert.Contains("aws:ec2:image", text.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunInstances_ResolveSsmWithoutGetParameters_UnauthorizedOperation()
    {
        await using var server = await TestCloud.StartAsync();
        using var owner = Client(server, Images);
        using var ssm = SsmTestKit.Client(server, Images);
        await ssm.PutParameterAsync(new PutParameterRequest { Name = "/golden/ami", Value = PublicImageId, Type = ParameterType.String, DataType = "aws:ec2:image" }, TestCloud.Timeout);
        var launcherOnly = await KmsTestKit.UserAsync(server, Images, "launcher", KmsTestKit.Allow("ec2:RunInstances,ec2:DescribeInstances"));
        var withSsm = await KmsTestKit.UserAsync(server, Images, "launcher-ssm", KmsTestKit.Allow("ec2:RunInstances,ec2:DescribeInstances,ssm:GetParameters"));
        using var denied = Client(server, launcherOnly);
        using var allowed = Client(server, withSsm);

        var error = await FailsAsync(() => LaunchAsync(denied, "resolve:ssm:/golden/ami"));
        var launched = await LaunchAsync(allowed, "resolve:ssm:/golden/ami");

        Assert.Equal("UnauthorizedOperation", error.ErrorCode);
        Assert.Contains("ssm:GetParameters", error.Message, StringComparison.Ordinal);
        Assert.Equal(PublicImageId, launched.ImageId);
    }
}
