using Amazon.SimpleSystemsManagement;
using Amazon.SimpleSystemsManagement.Model;
using AmiShare.LocalCloud.Tests.Ec2;
using AmiShare.LocalCloud.Tests.Kms;
using AmiShare.LocalCloud.Tests.Support;
using static AmiShare.LocalCloud.Tests.Ec2.Ec2TestKit;

namespace AmiShare.LocalCloud.Tests.Ssm;

public sealed class SsmParameterTests
{
    [Fact]
    public async Task PutParameter_NewThenOverwrite_VersionsAndLatestValue()
    {
        await using var server = await TestCloud.StartAsync();
        using var ssm = SsmTestKit.Client(server, Images);

        var first = await ssm.PutParameterAsync(new PutParameterRequest { Name = "/amishare/app/release", Value = "v1", Type = ParameterType.String }, TestCloud.Timeout);
        var second = await ssm.PutParameterAsync(new PutParameterRequest { Name = "/amishare/app/release", Value = "v2", Overwrite = true }, TestCloud.Timeout);
        var latest = (await ssm.GetParameterAsync(new GetParameterRequest { Name = "/amishare/app/release" }, TestCloud.Timeout)).Parameter;
        var old = (await ssm.GetParameterAsync(new GetParameterRequest { Name = "/amishare/app/release:1" }, TestCloud.Timeout)).Parameter;

        Assert.Equal(1, first.Version);
        Assert.Equal(2, second.Version);
        Assert.Equal(("v2", 2L, "text"), (latest.Value, latest.Version, latest.DataType));
        Assert.Equal("arn:aws:ssm:us-east-1:111111111111:parameter/amishare/app/release", latest.ARN);
        Assert.Equal(("v1", ":1"), (old.Value, old.Selector));
    }

    [Fact]
    public async Task PutParameter_ExistingWithoutOverwrite_ParameterAlreadyExists()
    {
        await using var server = await TestCloud.StartAsync();
        using var ssm = SsmTestKit.Client(server, Images);
        await ssm.PutParameterAsync(new PutParameterRequest { Name = "release", Value = "v1", Type = ParameterType.String }, TestCloud.Timeout);

        await Assert.ThrowsAsync<ParameterAlreadyExistsException>(() => ssm.PutParameterAsync(new PutParameterRequest { Name = "release", Value = "v2", Type = ParameterType.String }, TestCloud.Timeout));
        Assert.Equal("v1", (await ssm.GetParameterAsync(new GetParameterRequest { Name = "release" }, TestCloud.Timeout)).Parameter.Value);
    }

    [Theory]
    [InlineData("a/b")]
    [InlineData("/aws/reserved")]
    [InlineData("name with space")]
    public async Task PutParameter_InvalidName_ValidationException(string name)
    {
        await using var server = await TestCloud.StartAsync();
        using var ssm = SsmTestKit.Client(server, Images);

        var error = await Assert.ThrowsAsync<AmazonSimpleSystemsManagementException>(() => ssm.PutParameterAsync(new PutParameterRequest { Name = name, Value = "v", Type = ParameterType.String }, TestCloud.Timeout));

        Assert.Equal("ValidationException", error.ErrorCode);
    }

    [Fact]
    public async Task PutParameter_SixteenLevels_HierarchyLevelLimitExceeded()
    {
        await using var server = await TestCloud.StartAsync();
        using var ssm = SsmTestKit.Client(server, Images);
        var name = string.Concat(Enumerable.Range(1, 16).Select(i => "/l" + i));

        await Assert.ThrowsAsync<HierarchyLevelLimitExceededException>(() => ssm.PutParameterAsync(new PutParameterRequest { Name = name, Value = "v", Type = ParameterType.String }, TestCloud.Timeout));
        var fifteen = await ssm.PutParameterAsync(new PutParameterRequest { Name = name[..name.LastIndexOf('/')], Value = "v", Type = ParameterType.String }, TestCloud.Timeout);

        Assert.Equal(1, fifteen.Version);
    }

    [Fact]
    public async Task GetParameter_Missing_ParameterNotFound()
    {
        await using var server = await TestCloud.StartAsync();
        using var ssm = SsmTestKit.Client(server, Images);

        await Assert.ThrowsAsync<ParameterNotFoundException>(() => ssm.GetParameterAsync(new GetParameterRequest { Name = "/missing" }, TestCloud.Timeout));
    }

    [Fact]
    public async Task GetParameter_OtherAccountOrRegion_NotVisible()
    {
        await using var server = await TestCloud.StartAsync();
        using var images = SsmTestKit.Client(server, Images);
        using var imagesEu = SsmTestKit.Client(server, Images, "eu-west-1");
        using var prod = SsmTestKit.Client(server, Prod);
        await images.PutParameterAsync(new PutParameterRequest { Name = "/only/here", Value = "v", Type = ParameterType.String }, TestCloud.Timeout);

        await Assert.ThrowsAsync<ParameterNotFoundException>(() => imagesEu.GetParameterAsync(new GetParameterRequest { Name = "/only/here" }, TestCloud.Timeout));
        await Assert.ThrowsAsync<ParameterNotFoundException>(() => prod.GetParameterAsync(new GetParameterRequest { Name = "/only/here" }, TestCloud.Timeout));
    }

    [Fact]
    public async Task LabelParameterVersion_MovesLabelAndSelectsVersion()
    {
        await using var server = await TestCloud.StartAsync();
        using var ssm = SsmTestKit.Client(server, Images);
        await ssm.PutParameterAsync(new PutParameterRequest { Name = "/app/ami", Value = "one", Type = ParameterType.String }, TestCloud.Timeout);
        await ssm.PutParameterAsync(new PutParameterRequest { Name = "/app/ami", Value = "two", Overwrite = true }, TestCloud.Timeout);

        var first = await ssm.LabelParameterVersionAsync(new LabelParameterVersionRequest { Name = "/app/ami", ParameterVersion = 1, Labels = ["prod", "aws-bad", "9lives"] }, TestCloud.Timeout);
        var prodBefore = (await ssm.GetParameterAsync(new GetParameterRequest { Name = "/app/ami:prod" }, TestCloud.Timeout)).Parameter.Value;
        await ssm.LabelParameterVersionAsync(new LabelParameterVersionRequest { Name = "/app/ami", Labels = ["prod"] }, TestCloud.Timeout);
        var prodAfter = (await ssm.GetParameterAsync(new GetParameterRequest { Name = "/app/ami:prod" }, TestCloud.Timeout)).Parameter;
        var history = await ssm.GetParameterHistoryAsync(new GetParameterHistoryRequest { Name = "/app/ami" }, TestCloud.Timeout);

        Assert.Equal(1, first.ParameterVersion);
        Assert.Equal(["aws-bad", "9lives"], first.InvalidLabels);
        Assert.Equal("one", prodBefore);
        Assert.Equal(("two", ":prod"), (prodAfter.Value, prodAfter.Selector));
        Assert.Equal([[], ["prod"]], history.Parameters.Select(p => p.Labels ?? []).ToList());
        await Assert.ThrowsAsync<ParameterVersionNotFoundException>(() => ssm.LabelParameterVersionAsync(new LabelParameterVersionRequest { Name = "/app/ami", ParameterVersion = 7, Labels = ["x"] }, TestCloud.Timeout));
    }

    [Fact]
    public async Task GetParametersByPath_RecursiveAndPaged_OnlyUnderThePath()
    {
        await using var server = await TestCloud.StartAsync();
        using var ssm = SsmTestKit.Client(server, Images);
        foreach (var name in new[] { "/p/a", "/p/b", "/p/deep/c", "/pother/d", "/q/e" })
        {
            await ssm.PutParameterAsync(new PutParameterRequest { Name = name, Value = name, Type = ParameterType.String }, TestCloud.Timeout);
        }

        var direct = await ssm.GetParametersByPathAsync(new GetParametersByPathRequest { Path = "/p" }, TestCloud.Timeout);
        var firstPage = await ssm.GetParametersByPathAsync(new GetParametersByPathRequest { Path = "/p", Recursive = true, MaxResults = 2 }, TestCloud.Timeout);
        var secondPage = await ssm.GetParametersByPathAsync(new GetParametersByPathRequest { Path = "/p", Recursive = true, MaxResults = 2, NextToken = firstPage.NextToken }, TestCloud.Timeout);

        Assert.Equal(["/p/a", "/p/b"], direct.Parameters.Select(p => p.Name));
        Assert.Equal(["/p/a", "/p/b", "/p/deep/c"], firstPage.Parameters.Concat(secondPage.Parameters).Select(p => p.Name));
        Assert.Null(secondPage.NextToken);
    }

    [Fact]
    public async Task GetParametersAndDeleteParameters_MixedNames_ReportInvalidOnes()
    {
        await using var server = await TestCloud.StartAsync();
        using var ssm = SsmTestKit.Client(server, Images);
        await ssm.PutParameterAsync(new PutParameterRequest { Name = "one", Value = "1", Type = ParameterType.String }, TestCloud.Timeout);
        await ssm.PutParameterAsync(new PutParameterRequest { Name = "two", Value = "2", Type = ParameterType.StringList }, TestCloud.Timeout);

        var got = await ssm.GetParametersAsync(new GetParametersRequest { Names = ["one", "two", "three", "one:9"] }, TestCloud.Timeout);
        var deleted = await ssm.DeleteParametersAsync(new DeleteParametersRequest { Names = ["one", "three"] }, TestCloud.Timeout);
        await ssm.DeleteParameterAsync(new DeleteParameterRequest { Name = "two" }, TestCloud.Timeout);

        Assert.Equal(["one", "two"], got.Parameters.Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.Equal(["three", "one:9"], got.InvalidParameters);
        Assert.Equal(["one"], deleted.DeletedParameters);
        Assert.Equal(["three"], deleted.InvalidParameters);
        await Assert.ThrowsAsync<ParameterNotFoundException>(() => ssm.DeleteParameterAsync(new DeleteParameterRequest { Name = "two" }, TestCloud.Timeout));
    }

    [Fact]
    public async Task PutParameter_ImageDataType_StoredOnlyForAnImageTheAccountCanSee()
    {
        await using var server = await TestCloud.StartAsync();
        using var owner = Client(server, Images);
        using var ssm = SsmTestKit.Client(server, Images);
        var image = await OwnerImageAsync(owner, "ssm-image");

        await ssm.PutParameterAsync(new PutParameterRequest { Name = "/golden/ami", Value = image, Type = ParameterType.String, DataType = "aws:ec2:image" }, TestCloud.Timeout);

        // Like AWS, an unknown image is accepted by the call and then not stored (AWS validates asynchronously).
        var unseen = await ssm.PutParameterAsync(new PutParameterRequest { Name = "/golden/ami", Value = "ami-0123456789abcdef0", Overwrite = true }, TestCloud.Timeout);
        var stored = (await ssm.GetParameterAsync(new GetParameterRequest { Name = "/golden/ami" }, TestCloud.Timeout)).Parameter;
        var malformed = await Assert.ThrowsAsync<AmazonSimpleSystemsManagementException>(() => ssm.PutParameterAsync(new PutParameterRequest { Name = "/golden/bad", Value = "not-an-ami", Type = ParameterType.String, DataType = "aws:ec2:image" }, TestCloud.Timeout));

        Assert.Equal(2, unseen.Version);
        Assert.Equal((image, 1L, "aws:ec2:image"), (stored.Value, stored.Version, stored.DataType));
        Assert.Equal("ValidationException", malformed.ErrorCode);
    }

    [Fact]
    public async Task ParameterOperations_UserWithoutPermission_AccessDeniedAndAllowedWithIt()
    {
        await using var server = await TestCloud.StartAsync();
        using var root = SsmTestKit.Client(server, Images);
        await root.PutParameterAsync(new PutParameterRequest { Name = "/team/a/value", Value = "a", Type = ParameterType.String }, TestCloud.Timeout);
        var readOnly = await KmsTestKit.UserAsync(server, Images, "reader", KmsTestKit.Allow("ssm:GetParameter,ssm:GetParametersByPath", "arn:aws:ssm:us-east-1:111111111111:parameter/team/*"));
        var nobody = await KmsTestKit.UserAsync(server, Images, "nobody", null);
        using var reader = SsmTestKit.Client(server, readOnly);
        using var denied = SsmTestKit.Client(server, nobody);

        Assert.Equal("a", (await reader.GetParameterAsync(new GetParameterRequest { Name = "/team/a/value" }, TestCloud.Timeout)).Parameter.Value);
        var put = await Assert.ThrowsAsync<AmazonSimpleSystemsManagementException>(() => reader.PutParameterAsync(new PutParameterRequest { Name = "/team/a/value", Value = "b", Overwrite = true }, TestCloud.Timeout));
        var get = await Assert.ThrowsAsync<AmazonSimpleSystemsManagementException>(() => denied.GetParameterAsync(new GetParameterRequest { Name = "/team/a/value" }, TestCloud.Timeout));
        var label = await Assert.ThrowsAsync<AmazonSimpleSystemsManagementException>(() => reader.LabelParameterVersionAsync(new LabelParameterVersionRequest { Name = "/team/a/value", Labels = ["x"] }, TestCloud.Timeout));
        var delete = await Assert.ThrowsAsync<AmazonSimpleSystemsManagementException>(() => reader.DeleteParameterAsync(new DeleteParameterRequest { Name = "/team/a/value" }, TestCloud.Timeout));

        Assert.All(new[] { put, get, label, delete }, e => Assert.Equal("AccessDeniedException", e.ErrorCode));
        Assert.Contains("ssm:PutParameter", put.Message, StringComparison.Ordinal);
        Assert.Equal("a", (await root.GetParameterAsync(new GetParameterRequest { Name = "/team/a/value" }, TestCloud.Timeout)).Parameter.Value);
    }

    [Fact]
    public async Task Parameters_SurviveRestartOnDataFile()
    {
        var dataFile = Path.Combine(Path.GetTempPath(), $"localcloud-ssm-{Guid.NewGuid():N}.db");
        try
        {
            await using (var server = await TestCloud.StartAsync(dataFile: dataFile))
            {
                using var ssm = SsmTestKit.Client(server, Images);
                await ssm.PutParameterAsync(new PutParameterRequest { Name = "/kept", Value = "v1", Type = ParameterType.String }, TestCloud.Timeout);
                await ssm.LabelParameterVersionAsync(new LabelParameterVersionRequest { Name = "/kept", Labels = ["stable"] }, TestCloud.Timeout);
            }

            await using (var restarted = await TestCloud.StartAsync(dataFile: dataFile))
            {
                using var ssm = SsmTestKit.Client(restarted, Images);
                Assert.Equal("v1", (await ssm.GetParameterAsync(new GetParameterRequest { Name = "/kept:stable" }, TestCloud.Timeout)).Parameter.Value);
            }
        }
        finally
        {
            foreach (var file in Directory.GetFiles(Path.GetDirectoryName(dataFile)!, Path.GetFileName(dataFile) + "*"))
            {
                File.Delete(file);
            }
        }
    }
}
