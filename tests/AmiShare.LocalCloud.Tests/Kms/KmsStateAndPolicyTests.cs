using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using AmiShare.LocalCloud.Tests.Support;
using static AmiShare.LocalCloud.Tests.Kms.KmsTestKit;

namespace AmiShare.LocalCloud.Tests.Kms;

public sealed class KmsStateAndPolicyTests
{
    [Fact]
    public async Task DisableKey_ThenEncrypt_DisabledException_EnableRestores()
    {
        await using var server = await TestCloud.StartAsync();
        using var kms = Client(server, Images);
        var key = await CreateKeyAsync(kms);

        await kms.DisableKeyAsync(new DisableKeyRequest { KeyId = key.KeyId }, TestCloud.Timeout);
        var described = (await kms.DescribeKeyAsync(new DescribeKeyRequest { KeyId = key.KeyId }, TestCloud.Timeout)).KeyMetadata;
        await Assert.ThrowsAsync<DisabledException>(() => kms.EncryptAsync(new EncryptRequest { KeyId = key.KeyId, Plaintext = Bytes("x") }, TestCloud.Timeout));
        await kms.EnableKeyAsync(new EnableKeyRequest { KeyId = key.KeyId }, TestCloud.Timeout);
        var encrypted = await kms.EncryptAsync(new EncryptRequest { KeyId = key.KeyId, Plaintext = Bytes("x") }, TestCloud.Timeout);

        Assert.Equal(KeyState.Disabled, described.KeyState);
        Assert.False(described.Enabled);
        Assert.Equal(key.Arn, encrypted.KeyId);
    }

    [Fact]
    public async Task ScheduleKeyDeletion_ThenDecrypt_KMSInvalidState_CancelLeavesDisabled()
    {
        var clock = TestCloud.Clock();
        await using var server = await TestCloud.StartAsync(clock);
        using var kms = Client(server, Images);
        var key = await CreateKeyAsync(kms);
        var blob = (await kms.EncryptAsync(new EncryptRequest { KeyId = key.KeyId, Plaintext = Bytes("x") }, TestCloud.Timeout)).CiphertextBlob;

        var scheduled = await kms.ScheduleKeyDeletionAsync(new ScheduleKeyDeletionRequest { KeyId = key.KeyId, PendingWindowInDays = 7 }, TestCloud.Timeout);
        await Assert.ThrowsAsync<KMSInvalidStateException>(() => kms.DecryptAsync(new DecryptRequest { CiphertextBlob = blob }, TestCloud.Timeout));
        await Assert.ThrowsAsync<KMSInvalidStateException>(() => kms.EnableKeyAsync(new EnableKeyRequest { KeyId = key.KeyId }, TestCloud.Timeout));
        var cancelled = await kms.CancelKeyDeletionAsync(new CancelKeyDeletionRequest { KeyId = key.KeyId }, TestCloud.Timeout);
        var after = (await kms.DescribeKeyAsync(new DescribeKeyRequest { KeyId = key.KeyId }, TestCloud.Timeout)).KeyMetadata;

        Assert.Equal(KeyState.PendingDeletion, scheduled.KeyState);
        Assert.Equal(7, scheduled.PendingWindowInDays);
        Assert.Equal(key.Arn, scheduled.KeyId);
        Assert.Equal(key.Arn, cancelled.KeyId);
        Assert.Equal(KeyState.Disabled, after.KeyState);
        await Assert.ThrowsAsync<DisabledException>(() => kms.DecryptAsync(new DecryptRequest { CiphertextBlob = new MemoryStream(blob.ToArray()) }, TestCloud.Timeout));
    }

    [Fact]
    public async Task ScheduleKeyDeletion_WindowPassed_KeyIsGone()
    {
        var clock = TestCloud.Clock();
        await using var server = await TestCloud.StartAsync(clock);
        using var kms = Client(server, Images);
        var key = await CreateKeyAsync(kms);

        await kms.ScheduleKeyDeletionAsync(new ScheduleKeyDeletionRequest { KeyId = key.KeyId, PendingWindowInDays = 7 }, TestCloud.Timeout);
        var pending = server.Cloud.KmsForEc2.DescribeKeyByArn(key.Arn);
        clock.Advance(TimeSpan.FromDays(7) + TimeSpan.FromMinutes(1));

        Assert.Equal("PendingDeletion", pending!.KeyState);
        Assert.Null(server.Cloud.KmsForEc2.DescribeKeyByArn(key.Arn));
    }

    [Theory]
    [InlineData(6)]
    [InlineData(31)]
    public async Task ScheduleKeyDeletion_WindowOutside7To30_ValidationException(int days)
    {
        await using var server = await TestCloud.StartAsync();
        using var kms = Client(server, Images);
        var key = await CreateKeyAsync(kms);

        var error = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() =>
            kms.ScheduleKeyDeletionAsync(new ScheduleKeyDeletionRequest { KeyId = key.KeyId, PendingWindowInDays = days }, TestCloud.Timeout));

        Assert.Equal("ValidationException", error.ErrorCode);
    }

    [Fact]
    public async Task CancelKeyDeletion_NotPending_KMSInvalidStateException()
    {
        await using var server = await TestCloud.StartAsync();
        using var kms = Client(server, Images);
        var key = await CreateKeyAsync(kms);

        await Assert.ThrowsAsync<KMSInvalidStateException>(() => kms.CancelKeyDeletionAsync(new CancelKeyDeletionRequest { KeyId = key.KeyId }, TestCloud.Timeout));
    }

    [Fact]
    public async Task PutKeyPolicy_Valid_GetKeyPolicyReturnsIt()
    {
        await using var server = await TestCloud.StartAsync();
        using var kms = Client(server, Images);
        var key = await CreateKeyAsync(kms);
        var policy = KeyPolicy(Images, AllowAccount(Prod, "kms:Decrypt"));

        await kms.PutKeyPolicyAsync(new PutKeyPolicyRequest { KeyId = key.KeyId, Policy = policy }, TestCloud.Timeout);
        var stored = await kms.GetKeyPolicyAsync(new GetKeyPolicyRequest { KeyId = key.KeyId, PolicyName = "default" }, TestCloud.Timeout);
        var names = await kms.ListKeyPoliciesAsync(new ListKeyPoliciesRequest { KeyId = key.KeyId }, TestCloud.Timeout);

        Assert.Equal(policy, stored.Policy);
        Assert.Equal(["default"], names.PolicyNames);
    }

    [Theory]
    [InlineData("{not json")]
    [InlineData("""{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:*","Resource":"*"}]}""")]
    public async Task PutKeyPolicy_MalformedOrNoPrincipal_MalformedPolicyDocumentException(string policy)
    {
        await using var server = await TestCloud.StartAsync();
        using var kms = Client(server, Images);
        var key = await CreateKeyAsync(kms);

        await Assert.ThrowsAsync<MalformedPolicyDocumentException>(() =>
            kms.PutKeyPolicyAsync(new PutKeyPolicyRequest { KeyId = key.KeyId, Policy = policy, BypassPolicyLockoutSafetyCheck = true }, TestCloud.Timeout));
    }

    [Fact]
    public async Task PutKeyPolicy_Over32KB_LimitExceededException()
    {
        await using var server = await TestCloud.StartAsync();
        using var kms = Client(server, Images);
        var key = await CreateKeyAsync(kms);
        var statements = Enumerable.Range(0, 400).Select(i => AllowAccount(Prod, "kms:Decrypt,kms:Encrypt,kms:DescribeKey", $"Share{i:D5}PaddingPaddingPadding")).ToArray();
        var policy = KeyPolicy(Images, statements);
        Assert.True(policy.Length > 32_768);

        await Assert.ThrowsAsync<LimitExceededException>(() =>
            kms.PutKeyPolicyAsync(new PutKeyPolicyRequest { KeyId = key.KeyId, Policy = policy, BypassPolicyLockoutSafetyCheck = true }, TestCloud.Timeout));
    }

    [Fact]
    public async Task PutKeyPolicy_LocksCallerOut_MalformedPolicyDocumentUnlessBypassed()
    {
        await using var server = await TestCloud.StartAsync();
        using var kms = Client(server, Images);
        var key = await CreateKeyAsync(kms);
        var lockout = $$"""{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::{{Images}}:root"},"Action":"kms:Encrypt","Resource":"*"}]}""";

        var error = await Assert.ThrowsAsync<MalformedPolicyDocumentException>(() =>
            kms.PutKeyPolicyAsync(new PutKeyPolicyRequest { KeyId = key.KeyId, Policy = lockout }, TestCloud.Timeout));
        await kms.PutKeyPolicyAsync(new PutKeyPolicyRequest { KeyId = key.KeyId, Policy = lockout, BypassPolicyLockoutSafetyCheck = true }, TestCloud.Timeout);
        var after = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() =>
            kms.PutKeyPolicyAsync(new PutKeyPolicyRequest { KeyId = key.KeyId, Policy = KeyPolicy(Images) }, TestCloud.Timeout));

        Assert.Contains("will not allow you to update the key policy in the future", error.Message, StringComparison.Ordinal);
        Assert.Equal("AccessDeniedException", after.ErrorCode);
    }

    [Fact]
    public async Task CreateKey_PolicyLockingCallerOut_MalformedPolicyDocumentUnlessBypassed()
    {
        await using var server = await TestCloud.StartAsync();
        using var kms = Client(server, Images);
        var lockout = $$"""{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::{{Prod}}:root"},"Action":"kms:*","Resource":"*"}]}""";

        await Assert.ThrowsAsync<MalformedPolicyDocumentException>(() => CreateKeyAsync(kms, lockout));
        var created = await CreateKeyAsync(kms, lockout, bypass: true);

        Assert.Equal(KeyState.Enabled, created.KeyState);
    }

    [Fact]
    public async Task PutKeyPolicy_UserWithoutPermission_AccessDenied()
    {
        await using var server = await TestCloud.StartAsync();
        using var root = Client(server, Images);
        var key = await CreateKeyAsync(root);
        using var user = Client(server, await UserAsync(server, Images, "reader", Allow("kms:GetKeyPolicy,kms:DescribeKey")));

        var policy = await user.GetKeyPolicyAsync(new GetKeyPolicyRequest { KeyId = key.KeyId }, TestCloud.Timeout);
        var error = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() =>
            user.PutKeyPolicyAsync(new PutKeyPolicyRequest { KeyId = key.KeyId, Policy = policy.Policy }, TestCloud.Timeout));

        Assert.Equal("AccessDeniedException", error.ErrorCode);
    }

    [Fact]
    public async Task Restart_WithDataFile_KeysAliasesGrantsAndCiphertextsSurvive()
    {
        var directory = Directory.CreateTempSubdirectory("localcloud-kms-").FullName;
        var dataFile = Path.Combine(directory, "cloud.db");
        try
        {
            string keyArn;
            string grantId;
            MemoryStream blob;
            await using (var server = await TestCloud.StartAsync(dataFile: dataFile))
            {
                using var kms = Client(server, Images);
                var key = await CreateKeyAsync(kms, KeyPolicy(Images, AllowAccount(Prod, "kms:DescribeKey")));
                keyArn = key.Arn;
                await kms.CreateAliasAsync(new CreateAliasRequest { AliasName = "alias/kept", TargetKeyId = key.KeyId }, TestCloud.Timeout);
                grantId = (await kms.CreateGrantAsync(new CreateGrantRequest { KeyId = key.KeyId, GranteePrincipal = $"arn:aws:iam::{Prod}:root", Operations = ["Decrypt"] }, TestCloud.Timeout)).GrantId;
                blob = (await kms.EncryptAsync(new EncryptRequest { KeyId = "alias/kept", Plaintext = Bytes("durable") }, TestCloud.Timeout)).CiphertextBlob;
            }

            await using (var server = await TestCloud.StartAsync(dataFile: dataFile))
            {
                using var kms = Client(server, Images);
                var described = await kms.DescribeKeyAsync(new DescribeKeyRequest { KeyId = "alias/kept" }, TestCloud.Timeout);
                var grants = await kms.ListGrantsAsync(new ListGrantsRequest { KeyId = keyArn }, TestCloud.Timeout);
                var decrypted = await kms.DecryptAsync(new DecryptRequest { CiphertextBlob = blob }, TestCloud.Timeout);
                var policy = await kms.GetKeyPolicyAsync(new GetKeyPolicyRequest { KeyId = keyArn }, TestCloud.Timeout);

                Assert.Equal(keyArn, described.KeyMetadata.Arn);
                Assert.Equal(grantId, Assert.Single(grants.Grants).GrantId);
                Assert.Equal("durable", Text(decrypted.Plaintext));
                Assert.Contains(Prod, policy.Policy, StringComparison.Ordinal);
            }
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
