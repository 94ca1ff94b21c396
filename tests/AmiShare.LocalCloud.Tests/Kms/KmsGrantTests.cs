using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using AmiShare.LocalCloud.Tests.Support;
using static AmiShare.LocalCloud.Tests.Kms.KmsTestKit;

namespace AmiShare.LocalCloud.Tests.Kms;

public sealed class KmsGrantTests
{
    [Fact]
    public async Task Grant_ToUserWithoutIamPolicy_AllowsItsOperationsOnly()
    {
        await using var server = await TestCloud.StartAsync();
        using var root = Client(server, Images);
        var key = await CreateKeyAsync(root);
        using var grantee = Client(server, await UserAsync(server, Images, "grantee", null));

        var grant = await root.CreateGrantAsync(new CreateGrantRequest { KeyId = key.KeyId, GranteePrincipal = $"arn:aws:iam::{Images}:user/grantee", Operations = ["Encrypt"], Name = "enc" }, TestCloud.Timeout);
        var encrypted = await grantee.EncryptAsync(new EncryptRequest { KeyId = key.Arn, Plaintext = Bytes("x") }, TestCloud.Timeout);
        var denied = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() =>
            grantee.DecryptAsync(new DecryptRequest { CiphertextBlob = encrypted.CiphertextBlob }, TestCloud.Timeout));

        Assert.Equal(64, grant.GrantId.Length);
        Assert.False(string.IsNullOrEmpty(grant.GrantToken));
        Assert.Equal("AccessDeniedException", denied.ErrorCode);
    }

    [Fact]
    public async Task CreateGrant_SameNameAndParameters_ReturnsSameGrant()
    {
        await using var server = await TestCloud.StartAsync();
        using var root = Client(server, Images);
        var key = await CreateKeyAsync(root);
        var request = new CreateGrantRequest { KeyId = key.KeyId, GranteePrincipal = $"arn:aws:iam::{Prod}:root", Operations = ["Decrypt"], Name = "retry" };

        var first = await root.CreateGrantAsync(request, TestCloud.Timeout);
        var second = await root.CreateGrantAsync(request, TestCloud.Timeout);

        Assert.Equal(first.GrantId, second.GrantId);
    }

    [Fact]
    public async Task Grant_CrossAccountGranteeWithoutKeyPolicyOrIam_CanDecrypt()
    {
        await using var server = await TestCloud.StartAsync();
        using var owner = Client(server, Images);
        var key = await CreateKeyAsync(owner);
        var blob = (await owner.EncryptAsync(new EncryptRequest { KeyId = key.KeyId, Plaintext = Bytes("for prod") }, TestCloud.Timeout)).CiphertextBlob;
        using var user = Client(server, await UserAsync(server, Prod, "asg", null));
        await owner.CreateGrantAsync(new CreateGrantRequest { KeyId = key.KeyId, GranteePrincipal = $"arn:aws:iam::{Prod}:user/asg", Operations = ["Decrypt"] }, TestCloud.Timeout);

        var decrypted = await user.DecryptAsync(new DecryptRequest { CiphertextBlob = blob }, TestCloud.Timeout);

        Assert.Equal("for prod", Text(decrypted.Plaintext));
    }

    [Fact]
    public async Task Grant_EncryptionContextSubsetConstraint_EnforcedOnUse()
    {
        await using var server = await TestCloud.StartAsync();
        using var root = Client(server, Images);
        var key = await CreateKeyAsync(root);
        using var grantee = Client(server, await UserAsync(server, Images, "volumes", null));
        await root.CreateGrantAsync(new CreateGrantRequest
        {
            KeyId = key.KeyId,
            GranteePrincipal = $"arn:aws:iam::{Images}:user/volumes",
            Operations = ["Encrypt"],
            Constraints = new GrantConstraints { EncryptionContextSubset = new() { ["aws:ebs:id"] = "vol-1" } },
        }, TestCloud.Timeout);

        var allowed = await grantee.EncryptAsync(new EncryptRequest { KeyId = key.Arn, Plaintext = Bytes("x"), EncryptionContext = new() { ["aws:ebs:id"] = "vol-1", ["extra"] = "ok" } }, TestCloud.Timeout);
        var wrongValue = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() =>
            grantee.EncryptAsync(new EncryptRequest { KeyId = key.Arn, Plaintext = Bytes("x"), EncryptionContext = new() { ["aws:ebs:id"] = "vol-2" } }, TestCloud.Timeout));
        var noContext = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() =>
            grantee.EncryptAsync(new EncryptRequest { KeyId = key.Arn, Plaintext = Bytes("x") }, TestCloud.Timeout));

        Assert.Equal(key.Arn, allowed.KeyId);
        Assert.Equal("AccessDeniedException", wrongValue.ErrorCode);
        Assert.Equal("AccessDeniedException", noContext.ErrorCode);
    }

    [Fact]
    public async Task Grant_EncryptionContextEqualsConstraint_ExtraPairRefused()
    {
        await using var server = await TestCloud.StartAsync();
        using var root = Client(server, Images);
        var key = await CreateKeyAsync(root);
        using var grantee = Client(server, await UserAsync(server, Images, "exact", null));
        await root.CreateGrantAsync(new CreateGrantRequest
        {
            KeyId = key.KeyId,
            GranteePrincipal = $"arn:aws:iam::{Images}:user/exact",
            Operations = ["Encrypt"],
            Constraints = new GrantConstraints { EncryptionContextEquals = new() { ["app"] = "one" } },
        }, TestCloud.Timeout);

        await grantee.EncryptAsync(new EncryptRequest { KeyId = key.Arn, Plaintext = Bytes("x"), EncryptionContext = new() { ["app"] = "one" } }, TestCloud.Timeout);
        var extra = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() =>
            grantee.EncryptAsync(new EncryptRequest { KeyId = key.Arn, Plaintext = Bytes("x"), EncryptionContext = new() { ["app"] = "one", ["more"] = "two" } }, TestCloud.Timeout));

        Assert.Equal("AccessDeniedException", extra.ErrorCode);
    }

    [Fact]
    public async Task Grant_WithCreateGrant_ChildGrantOnlyWithSubsetOfOperations()
    {
        await using var server = await TestCloud.StartAsync();
        using var root = Client(server, Images);
        var key = await CreateKeyAsync(root);
        using var parent = Client(server, await UserAsync(server, Prod, "parent", null));
        await root.CreateGrantAsync(new CreateGrantRequest { KeyId = key.KeyId, GranteePrincipal = $"arn:aws:iam::{Prod}:user/parent", Operations = ["Decrypt", "CreateGrant"] }, TestCloud.Timeout);

        var child = await parent.CreateGrantAsync(new CreateGrantRequest { KeyId = key.Arn, GranteePrincipal = $"arn:aws:iam::{Prod}:root", Operations = ["Decrypt"] }, TestCloud.Timeout);
        var wider = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() =>
            parent.CreateGrantAsync(new CreateGrantRequest { KeyId = key.Arn, GranteePrincipal = $"arn:aws:iam::{Prod}:root", Operations = ["Decrypt", "Encrypt"] }, TestCloud.Timeout));
        var grants = await root.ListGrantsAsync(new ListGrantsRequest { KeyId = key.KeyId }, TestCloud.Timeout);

        Assert.Equal("AccessDeniedException", wider.ErrorCode);
        Assert.Equal(2, grants.Grants.Count);
        var listed = Assert.Single(grants.Grants, g => g.GrantId == child.GrantId);
        Assert.Equal($"arn:aws:iam::{Prod}:root", listed.IssuingAccount);
        Assert.Equal(key.Arn, listed.KeyId);
    }

    [Fact]
    public async Task ExplicitDenyInKeyPolicy_BeatsGrant()
    {
        await using var server = await TestCloud.StartAsync();
        using var root = Client(server, Images);
        var deny = $$"""{"Sid":"NoProdDecrypt","Effect":"Deny","Principal":{"AWS":"arn:aws:iam::{{Prod}}:root"},"Action":"kms:Decrypt","Resource":"*"}""";
        var key = await CreateKeyAsync(root, KeyPolicy(Images, deny));
        var blob = (await root.EncryptAsync(new EncryptRequest { KeyId = key.KeyId, Plaintext = Bytes("x") }, TestCloud.Timeout)).CiphertextBlob;
        using var user = Client(server, await UserAsync(server, Prod, "denied", null));
        await root.CreateGrantAsync(new CreateGrantRequest { KeyId = key.KeyId, GranteePrincipal = $"arn:aws:iam::{Prod}:user/denied", Operations = ["Decrypt"] }, TestCloud.Timeout);

        var error = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() => user.DecryptAsync(new DecryptRequest { CiphertextBlob = blob }, TestCloud.Timeout));

        Assert.Equal("AccessDeniedException", error.ErrorCode);
        Assert.Contains("explicit deny", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RetireGrant_ByRetiringPrincipalWithToken_GrantGone()
    {
        await using var server = await TestCloud.StartAsync();
        using var root = Client(server, Images);
        var key = await CreateKeyAsync(root);
        using var retirer = Client(server, await UserAsync(server, Prod, "retirer", null));
        var grant = await root.CreateGrantAsync(new CreateGrantRequest
        {
            KeyId = key.KeyId,
            GranteePrincipal = $"arn:aws:iam::{Prod}:root",
            RetiringPrincipal = $"arn:aws:iam::{Prod}:user/retirer",
            Operations = ["Decrypt"],
        }, TestCloud.Timeout);

        var retirable = await root.ListRetirableGrantsAsync(new ListRetirableGrantsRequest { RetiringPrincipal = $"arn:aws:iam::{Prod}:user/retirer" }, TestCloud.Timeout);
        await retirer.RetireGrantAsync(new RetireGrantRequest { GrantToken = grant.GrantToken }, TestCloud.Timeout);
        var grants = await root.ListGrantsAsync(new ListGrantsRequest { KeyId = key.KeyId }, TestCloud.Timeout);

        Assert.Equal(grant.GrantId, Assert.Single(retirable.Grants).GrantId);
        Assert.Empty(grants.Grants ?? []);
    }

    [Fact]
    public async Task RetireGrant_ByKeyArnAndGrantIdFromUnrelatedUser_AccessDenied()
    {
        await using var server = await TestCloud.StartAsync();
        using var root = Client(server, Images);
        var key = await CreateKeyAsync(root);
        using var stranger = Client(server, await UserAsync(server, Prod, "stranger", Allow("kms:*")));
        var grant = await root.CreateGrantAsync(new CreateGrantRequest
        {
            KeyId = key.KeyId,
            GranteePrincipal = $"arn:aws:iam::{Prod}:root",
            RetiringPrincipal = $"arn:aws:iam::{Partner}:root",
            Operations = ["Decrypt"],
        }, TestCloud.Timeout);

        var error = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() =>
            stranger.RetireGrantAsync(new RetireGrantRequest { KeyId = key.Arn, GrantId = grant.GrantId }, TestCloud.Timeout));
        using var partner = Client(server, Partner);
        await partner.RetireGrantAsync(new RetireGrantRequest { KeyId = key.Arn, GrantId = grant.GrantId }, TestCloud.Timeout);

        Assert.Equal("AccessDeniedException", error.ErrorCode);
        Assert.Empty((await root.ListGrantsAsync(new ListGrantsRequest { KeyId = key.KeyId }, TestCloud.Timeout)).Grants ?? []);
    }

    [Fact]
    public async Task RevokeGrant_ByOwner_GranteeLosesAccess()
    {
        await using var server = await TestCloud.StartAsync();
        using var root = Client(server, Images);
        var key = await CreateKeyAsync(root);
        using var grantee = Client(server, await UserAsync(server, Images, "temp", null));
        var grant = await root.CreateGrantAsync(new CreateGrantRequest { KeyId = key.KeyId, GranteePrincipal = $"arn:aws:iam::{Images}:user/temp", Operations = ["Encrypt"] }, TestCloud.Timeout);
        await grantee.EncryptAsync(new EncryptRequest { KeyId = key.Arn, Plaintext = Bytes("x") }, TestCloud.Timeout);

        await root.RevokeGrantAsync(new RevokeGrantRequest { KeyId = key.KeyId, GrantId = grant.GrantId }, TestCloud.Timeout);
        var error = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() =>
            grantee.EncryptAsync(new EncryptRequest { KeyId = key.Arn, Plaintext = Bytes("x") }, TestCloud.Timeout));
        var again = await Assert.ThrowsAsync<InvalidGrantIdException>(() =>
            root.RevokeGrantAsync(new RevokeGrantRequest { KeyId = key.KeyId, GrantId = grant.GrantId }, TestCloud.Timeout));

        Assert.Equal("AccessDeniedException", error.ErrorCode);
        Assert.NotNull(again);
    }

    [Fact]
    public async Task RevokeGrant_ByGranteeAccount_AccessDenied()
    {
        await using var server = await TestCloud.StartAsync();
        using var root = Client(server, Images);
        var key = await CreateKeyAsync(root);
        var grant = await root.CreateGrantAsync(new CreateGrantRequest { KeyId = key.KeyId, GranteePrincipal = $"arn:aws:iam::{Prod}:root", Operations = ["Decrypt"] }, TestCloud.Timeout);
        using var prod = Client(server, Prod);

        var error = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() =>
            prod.RevokeGrantAsync(new RevokeGrantRequest { KeyId = key.Arn, GrantId = grant.GrantId }, TestCloud.Timeout));

        Assert.Equal("AccessDeniedException", error.ErrorCode);
    }

    [Fact]
    public async Task CreateGrant_UnknownOperation_ValidationException()
    {
        await using var server = await TestCloud.StartAsync();
        using var root = Client(server, Images);
        var key = await CreateKeyAsync(root);

        var error = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() =>
            root.CreateGrantAsync(new CreateGrantRequest { KeyId = key.KeyId, GranteePrincipal = $"arn:aws:iam::{Prod}:root", Operations = ["PutKeyPolicy"] }, TestCloud.Timeout));

        Assert.Equal("ValidationException", error.ErrorCode);
    }

    [Fact]
    public async Task CreateGrant_DisabledKey_DisabledException()
    {
        await using var server = await TestCloud.StartAsync();
        using var root = Client(server, Images);
        var key = await CreateKeyAsync(root);
        await root.DisableKeyAsync(new DisableKeyRequest { KeyId = key.KeyId }, TestCloud.Timeout);

        await Assert.ThrowsAsync<DisabledException>(() =>
            root.CreateGrantAsync(new CreateGrantRequest { KeyId = key.KeyId, GranteePrincipal = $"arn:aws:iam::{Prod}:root", Operations = ["Decrypt"] }, TestCloud.Timeout));
    }

    [Fact]
    public async Task AwsEbsKey_OtherAccountCannotUseOrGrant()
    {
        await using var server = await TestCloud.StartAsync();
        using var owner = Client(server, Images);
        var ebsKey = (await owner.DescribeKeyAsync(new DescribeKeyRequest { KeyId = "alias/aws/ebs" }, TestCloud.Timeout)).KeyMetadata;
        using var prod = Client(server, Prod);

        var grant = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() =>
            prod.CreateGrantAsync(new CreateGrantRequest { KeyId = ebsKey.Arn, GranteePrincipal = $"arn:aws:iam::{Prod}:root", Operations = ["Decrypt"] }, TestCloud.Timeout));
        var ownerGrant = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() =>
            owner.CreateGrantAsync(new CreateGrantRequest { KeyId = ebsKey.KeyId, GranteePrincipal = $"arn:aws:iam::{Prod}:root", Operations = ["Decrypt"] }, TestCloud.Timeout));
        var describe = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() =>
            prod.DescribeKeyAsync(new DescribeKeyRequest { KeyId = ebsKey.Arn }, TestCloud.Timeout));

        Assert.Equal("AccessDeniedException", grant.ErrorCode);
        Assert.Equal("AccessDeniedException", ownerGrant.ErrorCode);
        Assert.Equal("AccessDeniedException", describe.ErrorCode);
        Assert.NotEqual(ebsKey.Arn, server.Cloud.KmsForEc2.FindKey(Ec2Request(server, Prod), Region, "alias/aws/ebs")!.KeyArn);
    }
}
