using System.Text.Json;
using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using AmiShare.LocalCloud.Tests.Support;
using static AmiShare.LocalCloud.Tests.Kms.KmsTestKit;

namespace AmiShare.LocalCloud.Tests.Kms;

public sealed class KmsKeyTests
{
    [Fact]
    public async Task CreateKey_NoPolicy_DescribeKeyShowsCustomerKeyWithDefaultPolicy()
    {
        await using var server = await TestCloud.StartAsync();
        using var kms = Client(server, Images);

        var created = await CreateKeyAsync(kms);
        var described = (await kms.DescribeKeyAsync(new DescribeKeyRequest { KeyId = created.KeyId }, TestCloud.Timeout)).KeyMetadata;
        var policy = (await kms.GetKeyPolicyAsync(new GetKeyPolicyRequest { KeyId = created.KeyId }, TestCloud.Timeout)).Policy;

        Assert.True(Guid.TryParse(created.KeyId, out _));
        Assert.Equal($"arn:aws:kms:us-east-1:{Images}:key/{created.KeyId}", described.Arn);
        Assert.Equal(Images, described.AWSAccountId);
        Assert.Equal(KeyManagerType.CUSTOMER, described.KeyManager);
        Assert.Equal(KeyState.Enabled, described.KeyState);
        Assert.True(described.Enabled);
        Assert.Equal(KeySpec.SYMMETRIC_DEFAULT, described.KeySpec);
        Assert.Equal(KeyUsageType.ENCRYPT_DECRYPT, described.KeyUsage);
        Assert.False(described.MultiRegion);
        Assert.Equal("test key", described.Description);
        Assert.True(Math.Abs((described.CreationDate!.Value.ToUniversalTime() - DateTime.UtcNow).TotalMinutes) < 5);
        using var json = JsonDocument.Parse(policy);
        var statement = json.RootElement.GetProperty("Statement")[0];
        Assert.Equal($"arn:aws:iam::{Images}:root", statement.GetProperty("Principal").GetProperty("AWS").GetString());
        Assert.Equal("kms:*", statement.GetProperty("Action").GetString());
    }

    [Fact]
    public async Task CreateKey_MultiRegion_MrkIdAndMultiRegionTrue()
    {
        await using var server = await TestCloud.StartAsync();
        using var kms = Client(server, Images);

        var created = (await kms.CreateKeyAsync(new CreateKeyRequest { MultiRegion = true }, TestCloud.Timeout)).KeyMetadata;

        Assert.StartsWith("mrk-", created.KeyId, StringComparison.Ordinal);
        Assert.True(created.MultiRegion);
        Assert.Equal(MultiRegionKeyType.PRIMARY, created.MultiRegionConfiguration.MultiRegionKeyType);
    }

    [Fact]
    public async Task DescribeKey_UnknownId_NotFoundException()
    {
        await using var server = await TestCloud.StartAsync();
        using var kms = Client(server, Images);

        var error = await Assert.ThrowsAsync<NotFoundException>(() => kms.DescribeKeyAsync(new DescribeKeyRequest { KeyId = "0b1a7f3e-0000-4000-8000-000000000000" }, TestCloud.Timeout));

        Assert.Contains("does not exist", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DescribeKey_OtherAccountsKeyIdNotArn_NotFoundException()
    {
        await using var server = await TestCloud.StartAsync();
        using var owner = Client(server, Images);
        using var other = Client(server, Prod);
        var key = await CreateKeyAsync(owner, KeyPolicy(Images, AllowAccount(Prod, "kms:DescribeKey")));

        var byId = await Assert.ThrowsAsync<NotFoundException>(() => other.DescribeKeyAsync(new DescribeKeyRequest { KeyId = key.KeyId }, TestCloud.Timeout));
        var byArn = await other.DescribeKeyAsync(new DescribeKeyRequest { KeyId = key.Arn }, TestCloud.Timeout);

        Assert.Contains($"arn:aws:kms:us-east-1:{Prod}:key/{key.KeyId}", byId.Message, StringComparison.Ordinal);
        Assert.Equal(key.Arn, byArn.KeyMetadata.Arn);
    }

    [Fact]
    public async Task Keys_SameIdOtherRegion_NotFound()
    {
        await using var server = await TestCloud.StartAsync();
        using var kms = Client(server, Images);
        using var euKms = new AmazonKeyManagementServiceClient(
            new Amazon.Runtime.BasicAWSCredentials(server.Account(Images).RootAccessKeyId, server.Account(Images).RootSecretAccessKey),
            new AmazonKeyManagementServiceConfig { ServiceURL = server.Endpoint.ToString(), AuthenticationRegion = "eu-west-1", MaxErrorRetry = 0 });
        var key = await CreateKeyAsync(kms);

        await Assert.ThrowsAsync<NotFoundException>(() => euKms.DescribeKeyAsync(new DescribeKeyRequest { KeyId = key.KeyId }, TestCloud.Timeout));
        await Assert.ThrowsAsync<NotFoundException>(() => euKms.DescribeKeyAsync(new DescribeKeyRequest { KeyId = key.Arn }, TestCloud.Timeout));
    }

    [Fact]
    public async Task ListKeys_LimitAndMarker_PagesThroughEveryKeyOnce()
    {
        await using var server = await TestCloud.StartAsync();
        using var kms = Client(server, Images);
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add((await CreateKeyAsync(kms)).KeyId);
        }

        var seen = new List<string>();
        string? marker = null;
        var pages = 0;
        do
        {
            var page = await kms.ListKeysAsync(new ListKeysRequest { Limit = 2, Marker = marker }, TestCloud.Timeout);
            seen.AddRange(page.Keys.Select(k => k.KeyId));
            Assert.All(page.Keys, k => Assert.EndsWith(":key/" + k.KeyId, k.KeyArn, StringComparison.Ordinal));
            marker = page.Truncated == true ? page.NextMarker : null;
            pages++;
        }
        while (marker is not null);

        Assert.Equal(3, pages);
        Assert.Equal(ids.Order(StringComparer.Ordinal), seen);
    }

    [Fact]
    public async Task ListKeys_OtherAccountsKeys_NotListed()
    {
        await using var server = await TestCloud.StartAsync();
        using var images = Client(server, Images);
        using var prod = Client(server, Prod);
        await CreateKeyAsync(images);

        var listed = await prod.ListKeysAsync(new ListKeysRequest(), TestCloud.Timeout);

        Assert.Empty(listed.Keys ?? []);
    }

    [Fact]
    public async Task CreateAlias_ThenUseAliasName_ResolvesToKey()
    {
        await using var server = await TestCloud.StartAsync();
        using var kms = Client(server, Images);
        var key = await CreateKeyAsync(kms);

        await kms.CreateAliasAsync(new CreateAliasRequest { AliasName = "alias/golden", TargetKeyId = key.KeyId }, TestCloud.Timeout);
        var byName = await kms.DescribeKeyAsync(new DescribeKeyRequest { KeyId = "alias/golden" }, TestCloud.Timeout);
        var byArn = await kms.DescribeKeyAsync(new DescribeKeyRequest { KeyId = $"arn:aws:kms:us-east-1:{Images}:alias/golden" }, TestCloud.Timeout);
        var aliases = await kms.ListAliasesAsync(new ListAliasesRequest { KeyId = key.KeyId }, TestCloud.Timeout);

        Assert.Equal(key.Arn, byName.KeyMetadata.Arn);
        Assert.Equal(key.Arn, byArn.KeyMetadata.Arn);
        var alias = Assert.Single(aliases.Aliases);
        Assert.Equal("alias/golden", alias.AliasName);
        Assert.Equal($"arn:aws:kms:us-east-1:{Images}:alias/golden", alias.AliasArn);
        Assert.Equal(key.KeyId, alias.TargetKeyId);
    }

    [Fact]
    public async Task CreateAlias_NameTaken_AlreadyExistsException()
    {
        await using var server = await TestCloud.StartAsync();
        using var kms = Client(server, Images);
        var key = await CreateKeyAsync(kms);
        await kms.CreateAliasAsync(new CreateAliasRequest { AliasName = "alias/golden", TargetKeyId = key.KeyId }, TestCloud.Timeout);

        await Assert.ThrowsAsync<AlreadyExistsException>(() =>
            kms.CreateAliasAsync(new CreateAliasRequest { AliasName = "alias/golden", TargetKeyId = key.KeyId }, TestCloud.Timeout));
    }

    [Fact]
    public async Task CreateAlias_ReservedAwsPrefix_NotAuthorized()
    {
        await using var server = await TestCloud.StartAsync();
        using var kms = Client(server, Images);
        var key = await CreateKeyAsync(kms);

        var error = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() =>
            kms.CreateAliasAsync(new CreateAliasRequest { AliasName = "alias/aws/mine", TargetKeyId = key.KeyId }, TestCloud.Timeout));

        Assert.Equal("NotAuthorizedException", error.ErrorCode);
    }

    [Fact]
    public async Task CreateAlias_NoAliasPrefix_ValidationException()
    {
        await using var server = await TestCloud.StartAsync();
        using var kms = Client(server, Images);
        var key = await CreateKeyAsync(kms);

        var error = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() =>
            kms.CreateAliasAsync(new CreateAliasRequest { AliasName = "golden", TargetKeyId = key.KeyId }, TestCloud.Timeout));

        Assert.Equal("ValidationException", error.ErrorCode);
    }

    [Fact]
    public async Task DeleteAlias_Existing_AliasGoneKeyStays()
    {
        await using var server = await TestCloud.StartAsync();
        using var kms = Client(server, Images);
        var key = await CreateKeyAsync(kms);
        await kms.CreateAliasAsync(new CreateAliasRequest { AliasName = "alias/golden", TargetKeyId = key.KeyId }, TestCloud.Timeout);

        await kms.DeleteAliasAsync(new DeleteAliasRequest { AliasName = "alias/golden" }, TestCloud.Timeout);

        await Assert.ThrowsAsync<NotFoundException>(() => kms.DescribeKeyAsync(new DescribeKeyRequest { KeyId = "alias/golden" }, TestCloud.Timeout));
        await Assert.ThrowsAsync<NotFoundException>(() => kms.DeleteAliasAsync(new DeleteAliasRequest { AliasName = "alias/golden" }, TestCloud.Timeout));
        Assert.Equal(KeyState.Enabled, (await kms.DescribeKeyAsync(new DescribeKeyRequest { KeyId = key.KeyId }, TestCloud.Timeout)).KeyMetadata.KeyState);
    }

    [Fact]
    public async Task AwsEbsAlias_FirstDescribe_CreatesAwsManagedKeyWithFixedPolicy()
    {
        await using var server = await TestCloud.StartAsync();
        using var kms = Client(server, Images);

        var first = (await kms.DescribeKeyAsync(new DescribeKeyRequest { KeyId = "alias/aws/ebs" }, TestCloud.Timeout)).KeyMetadata;
        var second = (await kms.DescribeKeyAsync(new DescribeKeyRequest { KeyId = "alias/aws/ebs" }, TestCloud.Timeout)).KeyMetadata;
        var policy = (await kms.GetKeyPolicyAsync(new GetKeyPolicyRequest { KeyId = first.KeyId }, TestCloud.Timeout)).Policy;
        var aliases = await kms.ListAliasesAsync(new ListAliasesRequest(), TestCloud.Timeout);

        Assert.Equal(first.Arn, second.Arn);
        Assert.Equal(KeyManagerType.AWS, first.KeyManager);
        Assert.Contains(aliases.Aliases, a => a.AliasName == "alias/aws/ebs" && a.TargetKeyId == first.KeyId);
        Assert.Contains("\"kms:ViaService\" : \"ec2.us-east-1.amazonaws.com\"", policy, StringComparison.Ordinal);
        Assert.Contains($"\"kms:CallerAccount\" : \"{Images}\"", policy, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AwsEbsKey_PutKeyPolicyByOwnerRoot_AccessDenied()
    {
        await using var server = await TestCloud.StartAsync();
        using var kms = Client(server, Images);
        var key = (await kms.DescribeKeyAsync(new DescribeKeyRequest { KeyId = "alias/aws/ebs" }, TestCloud.Timeout)).KeyMetadata;

        await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() => kms.PutKeyPolicyAsync(
            new PutKeyPolicyRequest { KeyId = key.KeyId, Policy = KeyPolicy(Images), BypassPolicyLockoutSafetyCheck = true },
            TestCloud.Timeout));
        var error = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() => kms.PutKeyPolicyAsync(
            new PutKeyPolicyRequest { KeyId = key.KeyId, Policy = KeyPolicy(Images) },
            TestCloud.Timeout));

        Assert.Equal("AccessDeniedException", error.ErrorCode);
    }

    [Fact]
    public async Task AwsEbsKey_DirectEncryptByOwner_AccessDeniedWithoutEc2()
    {
        await using var server = await TestCloud.StartAsync();
        using var kms = Client(server, Images);

        var error = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() =>
            kms.EncryptAsync(new EncryptRequest { KeyId = "alias/aws/ebs", Plaintext = Bytes("x") }, TestCloud.Timeout));

        Assert.Equal("AccessDeniedException", error.ErrorCode);
    }
}
