using System.Text.Json;
using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using AmiShare.LocalCloud.Seed;
using AmiShare.LocalCloud.Tests.Kms;
using AmiShare.LocalCloud.Tests.Support;

namespace AmiShare.LocalCloud.Tests.Organizations;

/// <summary>Seeded RCPs through the real AWS SDK: they guard member accounts' keys, not the management account's.</summary>
public sealed class ResourceControlPolicyEnforcementTests
{
    private const string KeysStayInTheOrganization = """
        {"Version":"2012-10-17","Statement":[{"Sid":"EnforceOrgIdentities","Effect":"Deny","Principal":"*","Action":"kms:*","Resource":"*",
          "Condition":{"StringNotEqualsIfExists":{"aws:PrincipalOrgID":"o-amishare01"}}}]}
        """;

    [Fact]
    public async Task DescribeKey_OutsiderAllowedByKeyPolicy_DeniedOnMemberKeyAllowedOnManagementKey()
    {
        var seed = DefaultSeed.Create();
        var rcp = new SeedServiceControlPolicy
        {
            Name = "KeysStayInTheOrganization",
            Targets = [DefaultSeed.RootId],
            Document = JsonDocument.Parse(KeysStayInTheOrganization).RootElement.Clone(),
        };
        await using var server = await TestCloud.StartAsync(new LocalCloudOptions
        {
            Seed = seed with { Organization = seed.Organization! with { ResourceControlPolicies = [rcp] } },
        });
        using var prod = KmsTestKit.Client(server, DefaultSeed.ProdAccountId);
        using var management = KmsTestKit.Client(server, DefaultSeed.ManagementAccountId);
        using var partner = KmsTestKit.Client(server, DefaultSeed.PartnerAccountId);
        using var images = KmsTestKit.Client(server, DefaultSeed.ImagesAccountId);
        var memberKey = await KmsTestKit.CreateKeyAsync(prod, KmsTestKit.KeyPolicy(DefaultSeed.ProdAccountId,
            KmsTestKit.AllowAccount(DefaultSeed.PartnerAccountId, "kms:DescribeKey", "Partner"), KmsTestKit.AllowAccount(DefaultSeed.ImagesAccountId, "kms:DescribeKey", "Images")));
        var managementKey = await KmsTestKit.CreateKeyAsync(management, KmsTestKit.KeyPolicy(DefaultSeed.ManagementAccountId,
            KmsTestKit.AllowAccount(DefaultSeed.PartnerAccountId, "kms:DescribeKey", "Partner")));

        var denied = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(
            () => partner.DescribeKeyAsync(new DescribeKeyRequest { KeyId = memberKey.Arn }, TestCloud.Timeout));
        var byMember = await images.DescribeKeyAsync(new DescribeKeyRequest { KeyId = memberKey.Arn }, TestCloud.Timeout);
        var onManagementKey = await partner.DescribeKeyAsync(new DescribeKeyRequest { KeyId = managementKey.Arn }, TestCloud.Timeout);

        Assert.Equal("AccessDeniedException", denied.ErrorCode);
        Assert.Contains("explicit deny in a resource control policy (rcp:KeysStayInTheOrganization:EnforceOrgIdentities)", denied.Message, StringComparison.Ordinal);
        Assert.Equal(memberKey.KeyId, byMember.KeyMetadata.KeyId);
        Assert.Equal(managementKey.KeyId, onManagementKey.KeyMetadata.KeyId);
    }
}
