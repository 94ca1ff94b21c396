using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using Amazon.Runtime;
using AmiShare.LocalCloud.Tests.Support;
using static AmiShare.LocalCloud.Tests.Kms.KmsTestKit;

namespace AmiShare.LocalCloud.Tests.Kms;

/// <summary>Multi-Region keys: ReplicateKey, DescribeKey's MultiRegionConfiguration, ciphertext across Regions.</summary>
public sealed class KmsMultiRegionTests
{
    private const string Eu = "eu-west-1";

    [Fact]
    public async Task ReplicateKey_MultiRegionPrimary_ReplicaSharesIdAndDecryptsPrimaryCiphertext()
    {
        await using var server = await TestCloud.StartAsync();
        using var kms = Client(server, Images);
        using var kmsEu = RegionalClient(server, Images, Eu);
        var primary = (await kms.CreateKeyAsync(new CreateKeyRequest { MultiRegion = true, Description = "mrk" }, TestCloud.Timeout)).KeyMetadata;

        var replicated = await kms.ReplicateKeyAsync(new ReplicateKeyRequest { KeyId = primary.KeyId, ReplicaRegion = Eu, Policy = KeyPolicy(Images, AllowAccount(Prod, "kms:Decrypt", "ReplicaOnly")) }, TestCloud.Timeout);
        var described = (await kms.DescribeKeyAsync(new DescribeKeyRequest { KeyId = primary.KeyId }, TestCloud.Timeout)).KeyMetadata;
        var replicaDescribed = (await kmsEu.DescribeKeyAsync(new DescribeKeyRequest { KeyId = primary.KeyId }, TestCloud.Timeout)).KeyMetadata;
        var ciphertext = (await kms.EncryptAsync(new EncryptRequest { KeyId = primary.KeyId, Plaintext = Bytes("across regions") }, TestCloud.Timeout)).CiphertextBlob;
        var decrypted = await kmsEu.DecryptAsync(new DecryptRequest { CiphertextBlob = ciphertext }, TestCloud.Timeout);
        var replicaPolicy = await kmsEu.GetKeyPolicyAsync(new GetKeyPolicyRequest { KeyId = primary.KeyId, PolicyName = "default" }, TestCloud.Timeout);

        Assert.StartsWith("mrk-", primary.KeyId, StringComparison.Ordinal);
        Assert.Equal(primary.KeyId, replicated.ReplicaKeyMetadata.KeyId);
        Assert.Equal($"arn:aws:kms:{Eu}:{Images}:key/{primary.KeyId}", replicated.ReplicaKeyMetadata.Arn);
        Assert.Equal(MultiRegionKeyType.PRIMARY, described.MultiRegionConfiguration.MultiRegionKeyType);
        Assert.Equal([Eu], described.MultiRegionConfiguration.ReplicaKeys.Select(r => r.Region));
        Assert.Equal(MultiRegionKeyType.REPLICA, replicaDescribed.MultiRegionConfiguration.MultiRegionKeyType);
        Assert.Equal(primary.Arn, replicaDescribed.MultiRegionConfiguration.PrimaryKey.Arn);
        Assert.Equal("across regions", Text(decrypted.Plaintext));
        Assert.Equal(replicaDescribed.Arn, decrypted.KeyId);
        Assert.Contains("ReplicaOnly", replicaPolicy.Policy, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReplicateKey_SingleRegionKeyOrExistingReplica_Refused()
    {
        await using var server = await TestCloud.StartAsync();
        using var kms = Client(server, Images);
        var single = await CreateKeyAsync(kms);
        var primary = (await kms.CreateKeyAsync(new CreateKeyRequest { MultiRegion = true }, TestCloud.Timeout)).KeyMetadata;
        await kms.ReplicateKeyAsync(new ReplicateKeyRequest { KeyId = primary.KeyId, ReplicaRegion = Eu }, TestCloud.Timeout);

        await Assert.ThrowsAsync<UnsupportedOperationException>(() => kms.ReplicateKeyAsync(new ReplicateKeyRequest { KeyId = single.KeyId, ReplicaRegion = Eu }, TestCloud.Timeout));
        await Assert.ThrowsAsync<AlreadyExistsException>(() => kms.ReplicateKeyAsync(new ReplicateKeyRequest { KeyId = primary.KeyId, ReplicaRegion = Eu }, TestCloud.Timeout));
        await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() => kms.ReplicateKeyAsync(new ReplicateKeyRequest { KeyId = primary.KeyId, ReplicaRegion = TestCloud.Region }, TestCloud.Timeout));
    }

    [Fact]
    public async Task ReplicateKey_UserWithoutReplicateKey_AccessDenied()
    {
        await using var server = await TestCloud.StartAsync();
        using var kms = Client(server, Images);
        var primary = (await kms.CreateKeyAsync(new CreateKeyRequest { MultiRegion = true }, TestCloud.Timeout)).KeyMetadata;
        using var creator = Client(server, await UserAsync(server, Images, "creator", Allow("kms:CreateKey,kms:DescribeKey")));
        using var replicator = Client(server, await UserAsync(server, Images, "replicator", Allow("kms:CreateKey,kms:ReplicateKey")));

        var denied = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() => creator.ReplicateKeyAsync(new ReplicateKeyRequest { KeyId = primary.Arn, ReplicaRegion = Eu }, TestCloud.Timeout));
        var allowed = await replicator.ReplicateKeyAsync(new ReplicateKeyRequest { KeyId = primary.Arn, ReplicaRegion = Eu }, TestCloud.Timeout);

        Assert.Equal("AccessDeniedException", denied.ErrorCode);
        Assert.Contains("kms:ReplicateKey", denied.Message, StringComparison.Ordinal);
        Assert.Equal(Eu, allowed.ReplicaKeyMetadata.Arn.Split(':')[3]);
    }

    private static AmazonKeyManagementServiceClient RegionalClient(LocalCloudServer server, string accountId, string region)
    {
        var account = server.Account(accountId);
        return new(new BasicAWSCredentials(account.RootAccessKeyId, account.RootSecretAccessKey), new AmazonKeyManagementServiceConfig
        {
            ServiceURL = server.Endpoint.ToString(),
            AuthenticationRegion = region,
            MaxErrorRetry = 0,
        });
    }
}
