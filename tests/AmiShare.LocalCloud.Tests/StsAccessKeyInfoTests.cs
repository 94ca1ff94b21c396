using Amazon.SecurityToken;
using Amazon.SecurityToken.Model;
using AmiShare.LocalCloud.Seed;
using AmiShare.LocalCloud.Tests.Kms;
using AmiShare.LocalCloud.Tests.Support;

namespace AmiShare.LocalCloud.Tests;

/// <summary>GetAccessKeyInfo over the wire: the owning account of a key, allowed and denied.</summary>
public sealed class StsAccessKeyInfoTests
{
    private const string Images = DefaultSeed.ImagesAccountId;
    private const string Prod = DefaultSeed.ProdAccountId;

    [Fact]
    public async Task GetAccessKeyInfo_AnotherAccountsKey_ReturnsThatAccount()
    {
        await using var server = await TestCloud.StartAsync();
        var prodUser = await KmsTestKit.UserAsync(server, Prod, "deployer", null);
        using var sts = TestCloud.Sts(server, await KmsTestKit.UserAsync(server, Images, "auditor", KmsTestKit.Allow("sts:GetAccessKeyInfo")));

        var info = await sts.GetAccessKeyInfoAsync(new GetAccessKeyInfoRequest { AccessKeyId = prodUser.GetCredentials().AccessKey }, TestCloud.Timeout);
        var unknown = await Assert.ThrowsAsync<AmazonSecurityTokenServiceException>(() =>
            sts.GetAccessKeyInfoAsync(new GetAccessKeyInfoRequest { AccessKeyId = "AKIANOSUCHKEY0000000" }, TestCloud.Timeout));

        Assert.Equal(Prod, info.Account);
        Assert.Equal("ValidationError", unknown.ErrorCode);
    }

    [Fact]
    public async Task GetAccessKeyInfo_UserWithoutIamAllow_AccessDenied()
    {
        await using var server = await TestCloud.StartAsync();
        using var sts = TestCloud.Sts(server, await KmsTestKit.UserAsync(server, Images, "nobody", null));

        var error = await Assert.ThrowsAsync<AmazonSecurityTokenServiceException>(() =>
            sts.GetAccessKeyInfoAsync(new GetAccessKeyInfoRequest { AccessKeyId = server.Account(Images).RootAccessKeyId }, TestCloud.Timeout));

        Assert.Equal("AccessDenied", error.ErrorCode);
        Assert.Contains("sts:GetAccessKeyInfo", error.Message, StringComparison.Ordinal);
    }
}
