using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using Amazon.SecurityToken;
using Amazon.SecurityToken.Model;
using AmiShare.LocalCloud.Tests.Kms;
using AmiShare.LocalCloud.Tests.Support;

namespace AmiShare.LocalCloud.Tests;

/// <summary>
/// Issue 11, part 6, through the real AWS SDK: the policy engine rules that decide LocalCloud requests
/// (each also a vector in tests/AmiShare.Policy.Tests/Vectors/fidelity.json citing AWS's documentation).
/// </summary>
public sealed class PolicyFidelityTests
{
    private const string Images = KmsTestKit.Images;
    private const string DenyEverything = """{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]}""";

    [Fact]
    public async Task GetCallerIdentity_UserWithExplicitDenyOfEverything_StillAnswersWhileKmsIsDenied()
    {
        await using var server = await TestCloud.StartAsync();
        var denied = await KmsTestKit.UserAsync(server, Images, "locked-out", DenyEverything);
        using var sts = TestCloud.Sts(server, denied);
        using var kms = KmsTestKit.Client(server, denied);

        var identity = await sts.GetCallerIdentityAsync(new GetCallerIdentityRequest(), TestCloud.Timeout);
        var error = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() => kms.ListKeysAsync(new ListKeysRequest(), TestCloud.Timeout));

        Assert.Equal($"arn:aws:iam::{Images}:user/locked-out", identity.Arn);
        Assert.Equal("AccessDeniedException", error.ErrorCode);
        Assert.Contains("explicit deny", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AssumeRole_SessionPolicyAllowsOnlyListKeys_SessionListsButCannotCreateKeys()
    {
        await using var server = await TestCloud.StartAsync();
        await CreateRoleWithKmsAsync(server, "KeyAdmin");
        using var sts = TestCloud.Sts(server, Images);

        var limited = await sts.AssumeRoleAsync(
            new AssumeRoleRequest { RoleArn = $"arn:aws:iam::{Images}:role/KeyAdmin", RoleSessionName = "limited", Policy = KmsTestKit.Allow("kms:ListKeys") },
            TestCloud.Timeout);
        using var kms = KmsTestKit.Client(server, limited.Credentials);

        await kms.ListKeysAsync(new ListKeysRequest(), TestCloud.Timeout);
        var error = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() => KmsTestKit.CreateKeyAsync(kms));

        Assert.Equal("AccessDeniedException", error.ErrorCode);
        Assert.Contains("no session policy allows the kms:CreateKey action", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AssumeRole_NoSessionPolicy_SessionHasTheRolesPermissions()
    {
        await using var server = await TestCloud.StartAsync();
        await CreateRoleWithKmsAsync(server, "KeyAdmin");
        using var sts = TestCloud.Sts(server, Images);

        var full = await sts.AssumeRoleAsync(new AssumeRoleRequest { RoleArn = $"arn:aws:iam::{Images}:role/KeyAdmin", RoleSessionName = "full" }, TestCloud.Timeout);
        using var kms = KmsTestKit.Client(server, full.Credentials);

        var key = await KmsTestKit.CreateKeyAsync(kms);

        Assert.Equal(Images, key.AWSAccountId);
    }

    [Fact]
    public async Task AssumeRole_UnreadableSessionPolicy_SessionGetsNothing()
    {
        await using var server = await TestCloud.StartAsync();
        await CreateRoleWithKmsAsync(server, "KeyAdmin");
        using var sts = TestCloud.Sts(server, Images);

        var session = await sts.AssumeRoleAsync(
            new AssumeRoleRequest { RoleArn = $"arn:aws:iam::{Images}:role/KeyAdmin", RoleSessionName = "broken", Policy = "{ not a policy" },
            TestCloud.Timeout);
        using var kms = KmsTestKit.Client(server, session.Credentials);

        var error = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() => kms.ListKeysAsync(new ListKeysRequest(), TestCloud.Timeout));

        Assert.Equal("AccessDeniedException", error.ErrorCode);
    }

    [Theory]
    [InlineData("alice", true)]
    [InlineData("bob", false)]
    public async Task AssumeRole_SameAccountUserWithIdentityAllow_NeedsTheTrustPolicyToNameIt(string trusted, bool allowed)
    {
        await using var server = await TestCloud.StartAsync();
        var alice = await KmsTestKit.UserAsync(server, Images, "alice", KmsTestKit.Allow("sts:AssumeRole"));
        await KmsTestKit.UserAsync(server, Images, "bob", null);
        await StsTests.CreateRoleAsync(server, Images, "Deployer", $$"""
            {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::{{Images}}:user/{{trusted}}"},"Action":"sts:AssumeRole"}]}
            """);
        using var sts = TestCloud.Sts(server, alice);
        var request = new AssumeRoleRequest { RoleArn = $"arn:aws:iam::{Images}:role/Deployer", RoleSessionName = "deploy" };

        if (allowed)
        {
            var assumed = await sts.AssumeRoleAsync(request, TestCloud.Timeout);
            Assert.Equal($"arn:aws:sts::{Images}:assumed-role/Deployer/deploy", assumed.AssumedRoleUser.Arn);
        }
        else
        {
            var error = await Assert.ThrowsAsync<AmazonSecurityTokenServiceException>(() => sts.AssumeRoleAsync(request, TestCloud.Timeout));
            Assert.Equal("AccessDenied", error.ErrorCode);
        }
    }

    [Theory]
    [InlineData("alice", false)]
    [InlineData("bob", true)]
    public async Task DescribeKey_KeyPolicyAllowWithNotPrincipalAlice_AppliesToEveryoneButAlice(string caller, bool allowed)
    {
        await using var server = await TestCloud.StartAsync();
        using var root = KmsTestKit.Client(server, Images);
        var key = await KmsTestKit.CreateKeyAsync(root, KmsTestKit.KeyPolicy(
            Images,
            $$"""{"Sid":"EveryoneButAlice","Effect":"Allow","NotPrincipal":{"AWS":"arn:aws:iam::{{Images}}:user/alice"},"Action":"kms:DescribeKey","Resource":"*"}"""));
        var credentials = await KmsTestKit.UserAsync(server, Images, caller, null);
        using var kms = KmsTestKit.Client(server, credentials);
        var request = new DescribeKeyRequest { KeyId = key.Arn };

        if (allowed)
        {
            Assert.Equal(key.KeyId, (await kms.DescribeKeyAsync(request, TestCloud.Timeout)).KeyMetadata.KeyId);
        }
        else
        {
            var error = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() => kms.DescribeKeyAsync(request, TestCloud.Timeout));
            Assert.Equal("AccessDeniedException", error.ErrorCode);
        }
    }

    [Theory]
    [InlineData("alias/aws/mine", false)]
    [InlineData("alias/awsome", true)]
    public async Task CreateAlias_AccountRoot_RefusedOnlyUnderTheAwsManagedPrefix(string aliasName, bool allowed)
    {
        await using var server = await TestCloud.StartAsync();
        using var kms = KmsTestKit.Client(server, Images);
        var key = await KmsTestKit.CreateKeyAsync(kms);
        var request = new CreateAliasRequest { AliasName = aliasName, TargetKeyId = key.KeyId };

        if (allowed)
        {
            await kms.CreateAliasAsync(request, TestCloud.Timeout);
            var aliases = await kms.ListAliasesAsync(new ListAliasesRequest { KeyId = key.KeyId }, TestCloud.Timeout);
            Assert.Contains(aliases.Aliases, a => a.AliasName == aliasName);
        }
        else
        {
            var error = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() => kms.CreateAliasAsync(request, TestCloud.Timeout));
            Assert.Equal("NotAuthorizedException", error.ErrorCode);
        }
    }

    [Fact]
    public async Task DeleteAlias_AwsManagedAliasAsRoot_Refused()
    {
        await using var server = await TestCloud.StartAsync();
        using var kms = KmsTestKit.Client(server, Images);

        var error = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() => kms.DeleteAliasAsync(new DeleteAliasRequest { AliasName = "alias/aws/ebs" }, TestCloud.Timeout));

        Assert.Equal("NotAuthorizedException", error.ErrorCode);
    }

    [Theory]
    [InlineData("*", false)]
    [InlineData("role", false)]
    [InlineData("session", true)]
    public async Task DescribeKey_SessionWhoseBoundaryAllowsOnlyEc2_KeyPolicyLiftsTheBoundaryOnlyWhenNamingTheSession(string named, bool allowed)
    {
        await using var server = await TestCloud.StartAsync();
        var iam = TestCloud.Iam(server, Images);
        var boundary = await iam.CallAsync("CreatePolicy", ("PolicyName", "Ec2Only"), ("PolicyDocument", KmsTestKit.Allow("ec2:*")));
        Assert.True(boundary.Status == 200, boundary.Raw);
        var role = await iam.CallAsync(
            "CreateRole",
            ("RoleName", "Bounded"),
            ("AssumeRolePolicyDocument", StsTests.TrustAccount(Images)),
            ("PermissionsBoundary", $"arn:aws:iam::{Images}:policy/Ec2Only"));
        Assert.True(role.Status == 200, role.Raw);
        using var sts = TestCloud.Sts(server, Images);
        var session = await sts.AssumeRoleAsync(new AssumeRoleRequest { RoleArn = $"arn:aws:iam::{Images}:role/Bounded", RoleSessionName = "probe" }, TestCloud.Timeout);
        var principal = named switch
        {
            "role" => $"arn:aws:iam::{Images}:role/Bounded",
            "session" => session.AssumedRoleUser.Arn,
            _ => "*",
        };
        using var root = KmsTestKit.Client(server, Images);
        var key = await KmsTestKit.CreateKeyAsync(root, KmsTestKit.KeyPolicy(
            Images,
            $$"""{"Sid":"Describe","Effect":"Allow","Principal":{"AWS":"{{principal}}"},"Action":"kms:DescribeKey","Resource":"*"}"""));
        using var kms = KmsTestKit.Client(server, session.Credentials);
        var request = new DescribeKeyRequest { KeyId = key.Arn };

        if (allowed)
        {
            Assert.Equal(key.KeyId, (await kms.DescribeKeyAsync(request, TestCloud.Timeout)).KeyMetadata.KeyId);
        }
        else
        {
            var error = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() => kms.DescribeKeyAsync(request, TestCloud.Timeout));
            Assert.Equal("AccessDeniedException", error.ErrorCode);
            Assert.Contains("no permissions boundary allows the kms:DescribeKey action", error.Message, StringComparison.Ordinal);
        }
    }

    /// <summary>A role in the images account that its root may assume, with an inline policy allowing kms:*.</summary>
    private static async Task CreateRoleWithKmsAsync(LocalCloudServer server, string roleName)
    {
        await StsTests.CreateRoleAsync(server, Images, roleName, StsTests.TrustAccount(Images));
        var put = await TestCloud.Iam(server, Images).CallAsync("PutRolePolicy", ("RoleName", roleName), ("PolicyName", "kms"), ("PolicyDocument", KmsTestKit.Allow("kms:*")));
        Assert.True(put.Status == 200, put.Raw);
    }
}
