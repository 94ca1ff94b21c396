using System.Net;
using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using AmiShare.LocalCloud.Tests.Support;
using static AmiShare.LocalCloud.Tests.Kms.KmsTestKit;

namespace AmiShare.LocalCloud.Tests.Kms;

/// <summary>Key policy, IAM and cross-account rules as the policy engine decides them over the wire.</summary>
public sealed class KmsAccessTests
{
    [Fact]
    public async Task DefaultPolicy_UserWithIamAllow_CanEncrypt()
    {
        await using var server = await TestCloud.StartAsync();
        using var root = Client(server, Images);
        var key = await CreateKeyAsync(root);
        using var user = Client(server, await UserAsync(server, Images, "alice", Allow("kms:Encrypt,kms:Decrypt", key.Arn)));

        var encrypted = await user.EncryptAsync(new EncryptRequest { KeyId = key.KeyId, Plaintext = Bytes("x") }, TestCloud.Timeout);

        Assert.Equal(key.Arn, encrypted.KeyId);
    }

    [Fact]
    public async Task DefaultPolicy_UserWithoutIamAllow_AccessDeniedNamingIdentityPolicy()
    {
        await using var server = await TestCloud.StartAsync();
        using var root = Client(server, Images);
        var key = await CreateKeyAsync(root);
        using var user = Client(server, await UserAsync(server, Images, "bob", null));

        var error = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() =>
            user.EncryptAsync(new EncryptRequest { KeyId = key.KeyId, Plaintext = Bytes("x") }, TestCloud.Timeout));

        Assert.Equal("AccessDeniedException", error.ErrorCode);
        Assert.Contains($"User: arn:aws:iam::{Images}:user/bob is not authorized to perform: kms:Encrypt on resource: {key.Arn}", error.Message, StringComparison.Ordinal);
        Assert.Contains("no identity-based policy allows", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task KeyPolicyWithoutAccountDelegation_UserWithIamAllow_AccessDenied()
    {
        await using var server = await TestCloud.StartAsync();
        using var root = Client(server, Images);
        var policy = $$"""{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::{{Images}}:root"},"Action":["kms:PutKeyPolicy","kms:DescribeKey"],"Resource":"*"}]}""";
        var key = await CreateKeyAsync(root, policy);
        using var user = Client(server, await UserAsync(server, Images, "carol", Allow("kms:*")));

        var error = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() =>
            user.EncryptAsync(new EncryptRequest { KeyId = key.KeyId, Plaintext = Bytes("x") }, TestCloud.Timeout));

        Assert.Equal("AccessDeniedException", error.ErrorCode);
        Assert.Contains("resource-based policy", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CrossAccountDecrypt_KeyPolicyAndIamAllow_Allowed()
    {
        await using var server = await TestCloud.StartAsync();
        using var owner = Client(server, Images);
        var key = await CreateKeyAsync(owner, KeyPolicy(Images, AllowAccount(Prod, "kms:Decrypt,kms:DescribeKey")));
        var blob = (await owner.EncryptAsync(new EncryptRequest { KeyId = key.KeyId, Plaintext = Bytes("shared") }, TestCloud.Timeout)).CiphertextBlob;
        using var launcher = Client(server, await UserAsync(server, Prod, "launcher", Allow("kms:Decrypt", key.Arn)));

        var decrypted = await launcher.DecryptAsync(new DecryptRequest { CiphertextBlob = blob }, TestCloud.Timeout);

        Assert.Equal("shared", Text(decrypted.Plaintext));
    }

    [Fact]
    public async Task CrossAccountDecrypt_IamAllowButNoKeyPolicyStatement_AccessDenied()
    {
        await using var server = await TestCloud.StartAsync();
        using var owner = Client(server, Images);
        var key = await CreateKeyAsync(owner);
        var blob = (await owner.EncryptAsync(new EncryptRequest { KeyId = key.KeyId, Plaintext = Bytes("shared") }, TestCloud.Timeout)).CiphertextBlob;
        using var launcher = Client(server, await UserAsync(server, Prod, "launcher", Allow("kms:Decrypt", key.Arn)));

        var error = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() =>
            launcher.DecryptAsync(new DecryptRequest { CiphertextBlob = blob }, TestCloud.Timeout));

        Assert.Equal("AccessDeniedException", error.ErrorCode);
        Assert.Contains($"User: arn:aws:iam::{Prod}:user/launcher is not authorized to perform: kms:Decrypt on resource: {key.Arn} because no resource-based policy allows", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CrossAccountDecrypt_KeyPolicyStatementButNoIamAllow_AccessDenied()
    {
        await using var server = await TestCloud.StartAsync();
        using var owner = Client(server, Images);
        var key = await CreateKeyAsync(owner, KeyPolicy(Images, AllowAccount(Prod, "kms:Decrypt")));
        var blob = (await owner.EncryptAsync(new EncryptRequest { KeyId = key.KeyId, Plaintext = Bytes("shared") }, TestCloud.Timeout)).CiphertextBlob;
        using var launcher = Client(server, await UserAsync(server, Prod, "launcher", null));

        var error = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() =>
            launcher.DecryptAsync(new DecryptRequest { CiphertextBlob = blob }, TestCloud.Timeout));

        Assert.Equal("AccessDeniedException", error.ErrorCode);
        Assert.Contains("no identity-based policy allows the kms:Decrypt action", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CrossAccountPutKeyPolicy_EvenWithKmsStarForAccount_AccessDenied()
    {
        await using var server = await TestCloud.StartAsync();
        using var owner = Client(server, Images);
        var key = await CreateKeyAsync(owner, KeyPolicy(Images, AllowAccount(Prod, "kms:*")));
        using var other = Client(server, Prod);

        var error = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() => other.PutKeyPolicyAsync(
            new PutKeyPolicyRequest { KeyId = key.Arn, Policy = KeyPolicy(Prod), BypassPolicyLockoutSafetyCheck = true },
            TestCloud.Timeout));

        Assert.Equal("AccessDeniedException", error.ErrorCode);
        Assert.Contains("cannot be used on a key in another account", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExplicitDenyInKeyPolicy_BeatsIamAllowForOwnerUser()
    {
        await using var server = await TestCloud.StartAsync();
        using var root = Client(server, Images);
        var deny = $$"""{"Sid":"NoDecryptForAlice","Effect":"Deny","Principal":{"AWS":"arn:aws:iam::{{Images}}:user/alice"},"Action":"kms:Decrypt","Resource":"*"}""";
        using var alice = Client(server, await UserAsync(server, Images, "alice", Allow("kms:*")));
        var key = await CreateKeyAsync(root, KeyPolicy(Images, deny));
        var blob = (await alice.EncryptAsync(new EncryptRequest { KeyId = key.KeyId, Plaintext = Bytes("x") }, TestCloud.Timeout)).CiphertextBlob;

        var error = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() => alice.DecryptAsync(new DecryptRequest { CiphertextBlob = blob }, TestCloud.Timeout));

        Assert.Equal("AccessDeniedException", error.ErrorCode);
        Assert.Contains("explicit deny in a resource-based policy", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EncryptionContextCondition_InKeyPolicy_EnforcedPerRequest()
    {
        await using var server = await TestCloud.StartAsync();
        using var owner = Client(server, Images);
        var statement = $$"""{"Sid":"ProdWithTeamContext","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::{{Prod}}:root"},"Action":"kms:Encrypt","Resource":"*","Condition":{"StringEquals":{"kms:EncryptionContext:team":"blue"} } }""";
        var key = await CreateKeyAsync(owner, KeyPolicy(Images, statement));
        using var prod = Client(server, Prod);

        var allowed = await prod.EncryptAsync(new EncryptRequest { KeyId = key.Arn, Plaintext = Bytes("x"), EncryptionContext = new() { ["team"] = "blue" } }, TestCloud.Timeout);
        var denied = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() =>
            prod.EncryptAsync(new EncryptRequest { KeyId = key.Arn, Plaintext = Bytes("x"), EncryptionContext = new() { ["team"] = "red" } }, TestCloud.Timeout));

        Assert.Equal(key.Arn, allowed.KeyId);
        Assert.Equal("AccessDeniedException", denied.ErrorCode);
    }

    [Fact]
    public async Task DryRun_Allowed_DryRunOperationException412()
    {
        await using var server = await TestCloud.StartAsync();
        using var kms = Client(server, Images);
        var key = await CreateKeyAsync(kms);

        var error = await Assert.ThrowsAsync<DryRunOperationException>(() =>
            kms.GenerateDataKeyWithoutPlaintextAsync(new GenerateDataKeyWithoutPlaintextRequest { KeyId = key.KeyId, KeySpec = DataKeySpec.AES_256, DryRun = true }, TestCloud.Timeout));

        Assert.Equal(HttpStatusCode.PreconditionFailed, error.StatusCode);
    }

    [Fact]
    public async Task DryRun_Denied_AccessDeniedException()
    {
        await using var server = await TestCloud.StartAsync();
        using var owner = Client(server, Images);
        var key = await CreateKeyAsync(owner);
        using var other = Client(server, Prod);

        var error = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() =>
            other.CreateGrantAsync(new CreateGrantRequest { KeyId = key.Arn, GranteePrincipal = $"arn:aws:iam::{Prod}:root", Operations = ["Decrypt"], DryRun = true }, TestCloud.Timeout));

        Assert.Equal("AccessDeniedException", error.ErrorCode);
        Assert.NotEqual(HttpStatusCode.PreconditionFailed, error.StatusCode);
        Assert.Empty((await owner.ListGrantsAsync(new ListGrantsRequest { KeyId = key.KeyId }, TestCloud.Timeout)).Grants ?? []);
    }

    [Fact]
    public async Task DryRun_Encrypt_NoCiphertextReturned()
    {
        await using var server = await TestCloud.StartAsync();
        using var kms = Client(server, Images);
        var key = await CreateKeyAsync(kms);

        await Assert.ThrowsAsync<DryRunOperationException>(() =>
            kms.EncryptAsync(new EncryptRequest { KeyId = key.KeyId, Plaintext = Bytes("x"), DryRun = true }, TestCloud.Timeout));
    }
}
