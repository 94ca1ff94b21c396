using AmiShare.Core.Ports;
using static AmiShare.Aws.Tests.Support.AwsTestCloud;

namespace AmiShare.Aws.Tests;

/// <summary><see cref="IParameterStore"/> against LocalCloud: the parameters share publishes and unshare/retire withdraw.</summary>
public sealed class SsmPortTests
{
    private const string Name = "/golden/ami-id";

    [Fact]
    public async Task DeleteParameterAsync_PublishedThenDeletedTwice_TrueThenFalseAndGone()
    {
        await using var cloud = await StartAsync();
        await using var account = await cloud.AccountAsync(Images);
        var store = (IParameterStore)account;
        var image = await cloud.CreateImageAsync(Images, "golden");
        await store.PutImageParameterAsync(Region, Name, image, "Published by AmiShare for " + image, overwrite: false, Deadline);

        var first = await store.DeleteParameterAsync(Region, Name, Deadline);
        var again = await store.DeleteParameterAsync(Region, Name, Deadline);

        Assert.Equal((true, false), (first, again));
        Assert.Null(await store.GetParameterAsync(Region, Name, Deadline));
        Assert.Equal(2, cloud.Counter.CountOf("ssm:DeleteParameter"));
    }

    [Fact]
    public async Task DeleteParameterAsync_RoleWithoutDeleteParameter_AccessDeniedThroughTheErrorMapping()
    {
        await using var cloud = await StartAsync();
        await using (var root = await cloud.AccountAsync(Images))
        {
            var trust = $$"""{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::{{Images}}:root"},"Action":"sts:AssumeRole"}]}""";
            await root.CallIamAsync("CreateRole", [new("RoleName", "Publisher"), new("AssumeRolePolicyDocument", trust)], Deadline);
            await root.CallIamAsync("PutRolePolicy", [new("RoleName", "Publisher"), new("PolicyName", "publish"), new("PolicyDocument", """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ssm:PutParameter","ssm:GetParameterHistory"],"Resource":"*"}]}""")], Deadline);
        }

        await using var publisher = await cloud.Factory.CreateSourceAsync(cloud.Options(Images) with { RoleArn = $"arn:aws:iam::{Images}:role/Publisher" }, Deadline);

        var error = await Assert.ThrowsAsync<CloudOperationException>(() => ((IParameterStore)publisher).DeleteParameterAsync(Region, Name, Deadline));

        Assert.Equal((CloudErrorKind.AccessDenied, "DeleteParameter"), (error.Kind, error.Operation));
        Assert.Contains("ssm:DeleteParameter", error.Fix, StringComparison.Ordinal);
    }
}
