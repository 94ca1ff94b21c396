using System.Text.Json;
using Amazon.EC2.Model;
using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using Amazon.SecurityToken.Model;
using AmiShare.LocalCloud.Seed;
using AmiShare.LocalCloud.Tests.Ec2;
using AmiShare.LocalCloud.Tests.Kms;
using AmiShare.LocalCloud.Tests.Support;

namespace AmiShare.LocalCloud.Tests;

/// <summary>
/// SCPs from the seed, through the real AWS SDK: every level from the root down to the account must allow
/// (Organizations User Guide, "SCP evaluation"); the management account is exempt.
/// </summary>
public sealed class ServiceControlPolicyTests
{
    private const string DenyKeyCreation = """{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"kms:CreateKey","Resource":"*"}]}""";

    [Fact]
    public async Task CreateKey_DenyListScpOnProdUnit_DeniedInProdAllowedInDev()
    {
        await using var server = await TestCloud.StartAsync(new LocalCloudOptions
        {
            Seed = SeedWith([Scp("DenyKeyCreation", DenyKeyCreation, DefaultSeed.ProdUnitId)]),
        });
        using var prod = KmsTestKit.Client(server, DefaultSeed.ProdAccountId);
        using var dev = KmsTestKit.Client(server, DefaultSeed.DevAccountId);

        var error = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() => KmsTestKit.CreateKeyAsync(prod));
        var devKey = await KmsTestKit.CreateKeyAsync(dev);

        Assert.Equal("AccessDeniedException", error.ErrorCode);
        Assert.Contains("explicit deny in a service control policy", error.Message, StringComparison.Ordinal);
        Assert.Equal(DefaultSeed.DevAccountId, devKey.AWSAccountId);
    }

    [Fact]
    public async Task AllowListScp_FullAwsAccessDetachedFromProdUnit_OnlyWhatTheUnitAllowsWorks()
    {
        await using var server = await TestCloud.StartAsync(new LocalCloudOptions
        {
            Seed = SeedWith(
                [Scp("Ec2Only", """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:*","Resource":"*"}]}""", DefaultSeed.ProdUnitId)],
                detachedFrom: [DefaultSeed.ProdUnitId]),
        });
        using var kms = KmsTestKit.Client(server, DefaultSeed.ProdAccountId);
        using var ec2 = Ec2TestKit.Client(server, DefaultSeed.ProdAccountId);

        var images = await ec2.DescribeImagesAsync(new DescribeImagesRequest { Owners = ["amazon"] }, TestCloud.Timeout);
        var error = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() => kms.ListKeysAsync(new ListKeysRequest(), TestCloud.Timeout));

        Assert.NotEmpty(images.Images);
        Assert.Equal("AccessDeniedException", error.ErrorCode);
        Assert.Contains("no service control policy allows the kms:ListKeys action", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreateKey_DenyScpOnOrganizationRoot_ManagementAccountExemptMemberDenied()
    {
        await using var server = await TestCloud.StartAsync(new LocalCloudOptions
        {
            Seed = SeedWith([Scp("DenyKeyCreation", DenyKeyCreation, DefaultSeed.RootId)]),
        });
        using var management = KmsTestKit.Client(server, DefaultSeed.ManagementAccountId);
        using var images = KmsTestKit.Client(server, DefaultSeed.ImagesAccountId);
        using var partner = KmsTestKit.Client(server, DefaultSeed.PartnerAccountId);

        var managementKey = await KmsTestKit.CreateKeyAsync(management);
        var partnerKey = await KmsTestKit.CreateKeyAsync(partner);
        var error = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() => KmsTestKit.CreateKeyAsync(images));

        Assert.Equal(DefaultSeed.ManagementAccountId, managementKey.AWSAccountId);
        Assert.Equal(DefaultSeed.PartnerAccountId, partnerKey.AWSAccountId);
        Assert.Equal("AccessDeniedException", error.ErrorCode);
    }

    [Fact]
    public async Task GetCallerIdentity_ScpDeniesEverything_StillAnswers()
    {
        await using var server = await TestCloud.StartAsync(new LocalCloudOptions
        {
            Seed = SeedWith([Scp("DenyAll", """{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]}""", DefaultSeed.ProdAccountId)]),
        });
        using var sts = TestCloud.Sts(server, DefaultSeed.ProdAccountId);
        using var kms = KmsTestKit.Client(server, DefaultSeed.ProdAccountId);

        var identity = await sts.GetCallerIdentityAsync(new GetCallerIdentityRequest(), TestCloud.Timeout);
        var error = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() => kms.ListKeysAsync(new ListKeysRequest(), TestCloud.Timeout));

        Assert.Equal(DefaultSeed.ProdAccountId, identity.Account);
        Assert.Equal("AccessDeniedException", error.ErrorCode);
    }

    internal static SeedServiceControlPolicy Scp(string name, string document, params string[] targets) =>
        new() { Name = name, Targets = targets, Document = JsonDocument.Parse(document).RootElement.Clone() };

    internal static SeedDocument SeedWith(IReadOnlyList<SeedServiceControlPolicy> policies, IReadOnlyList<string>? detachedFrom = null)
    {
        var seed = DefaultSeed.Create();
        return seed with
        {
            Organization = seed.Organization! with { ServiceControlPolicies = policies, FullAwsAccessDetachedFrom = detachedFrom ?? [] },
        };
    }
}
