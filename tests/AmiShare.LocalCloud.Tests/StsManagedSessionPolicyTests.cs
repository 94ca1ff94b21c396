using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using Amazon.SecurityToken;
using Amazon.SecurityToken.Model;
using AmiShare.LocalCloud.Tests.Kms;
using AmiShare.LocalCloud.Tests.Support;

namespace AmiShare.LocalCloud.Tests;

/// <summary>
/// AssumeRole's managed session policies (PolicyArns) through the real AWS SDK. IAM User Guide, "Session policies":
/// the session's permissions are the intersection of the role's identity policies and the session policies, inline
/// and managed together (AWS ORs across multiple policies).
/// </summary>
public sealed class StsManagedSessionPolicyTests
{
    private const string Images = KmsTestKit.Images;
    private const string Prod = KmsTestKit.Prod;
    private const string RoleArn = $"arn:aws:iam::{Images}:role/KeyAdmin";

    [Fact]
    public async Task AssumeRole_ManagedSessionPolicyAllowsOnlyEc2Describe_SessionCannotCreateKeys()
    {
        await using var server = await TestCloud.StartAsync();
        await CreateKeyAdminAsync(server);
        var describeOnly = await CreatePolicyAsync(server, Images, "DescribeOnly", KmsTestKit.Allow("ec2:Describe*"));
        using var sts = TestCloud.Sts(server, Images);

        var session = await AssumeAsync(sts, [describeOnly]);
        using var kms = KmsTestKit.Client(server, session.Credentials);
        var error = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() => KmsTestKit.CreateKeyAsync(kms));

        Assert.Equal("AccessDeniedException", error.ErrorCode);
        Assert.Contains("no session policy allows the kms:CreateKey action", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AssumeRole_InlineAndManagedSessionPolicies_EitherAllowsWithinTheRolesPermissions()
    {
        await using var server = await TestCloud.StartAsync();
        await CreateKeyAdminAsync(server);
        var describeOnly = await CreatePolicyAsync(server, Images, "DescribeOnly", KmsTestKit.Allow("ec2:Describe*,kms:DescribeKey"));
        using var sts = TestCloud.Sts(server, Images);

        var session = await AssumeAsync(sts, [describeOnly], KmsTestKit.Allow("kms:ListKeys"));
        using var kms = KmsTestKit.Client(server, session.Credentials);
        await kms.ListKeysAsync(new ListKeysRequest(), TestCloud.Timeout);
        var error = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() => KmsTestKit.CreateKeyAsync(kms));

        Assert.Equal("AccessDeniedException", error.ErrorCode);
    }

    [Fact]
    public async Task AssumeRole_AwsManagedAdministratorAccessAsSessionPolicy_GrantsNothingBeyondTheRole()
    {
        await using var server = await TestCloud.StartAsync();
        await CreateKeyAdminAsync(server);
        using var sts = TestCloud.Sts(server, Images);

        var session = await AssumeAsync(sts, ["arn:aws:iam::aws:policy/AdministratorAccess"]);
        using var kms = KmsTestKit.Client(server, session.Credentials);
        var key = await KmsTestKit.CreateKeyAsync(kms);
        var iam = TestCloud.Iam(server, session.Credentials.AccessKeyId, session.Credentials.SecretAccessKey, session.Credentials.SessionToken);
        var denied = await iam.CallAsync("CreateUser", ("UserName", "not-allowed"));

        Assert.Equal(Images, key.AWSAccountId);
        Assert.Equal(403, denied.Status);
    }

    [Fact]
    public async Task AssumeRole_PolicyArnOfAnotherAccount_InvalidParameterValue()
    {
        await using var server = await TestCloud.StartAsync();
        await CreateKeyAdminAsync(server);
        var foreign = await CreatePolicyAsync(server, Prod, "Foreign", KmsTestKit.Allow("kms:*"));
        using var sts = TestCloud.Sts(server, Images);

        var error = await Assert.ThrowsAsync<AmazonSecurityTokenServiceException>(() => AssumeAsync(sts, [foreign]));

        Assert.Equal("InvalidParameterValue", error.ErrorCode);
    }

    [Fact]
    public async Task AssumeRole_ElevenPolicyArns_ValidationError()
    {
        await using var server = await TestCloud.StartAsync();
        await CreateKeyAdminAsync(server);
        using var sts = TestCloud.Sts(server, Images);

        var error = await Assert.ThrowsAsync<AmazonSecurityTokenServiceException>(() =>
            AssumeAsync(sts, [.. Enumerable.Repeat("arn:aws:iam::aws:policy/ReadOnlyAccess", 11)]));

        Assert.Equal("ValidationError", error.ErrorCode);
    }

    private static Task<AssumeRoleResponse> AssumeAsync(AmazonSecurityTokenServiceClient sts, List<string> policyArns, string? inline = null) =>
        sts.AssumeRoleAsync(
            new AssumeRoleRequest
            {
                RoleArn = RoleArn,
                RoleSessionName = "managed",
                Policy = inline,
                PolicyArns = [.. policyArns.Select(arn => new PolicyDescriptorType { Arn = arn })],
            },
            TestCloud.Timeout);

    private static async Task CreateKeyAdminAsync(LocalCloudServer server)
    {
        await StsTests.CreateRoleAsync(server, Images, "KeyAdmin", StsTests.TrustAccount(Images));
        var put = await TestCloud.Iam(server, Images).CallAsync("PutRolePolicy", ("RoleName", "KeyAdmin"), ("PolicyName", "kms"), ("PolicyDocument", KmsTestKit.Allow("kms:*,ec2:Describe*")));
        Assert.True(put.Status == 200, put.Raw);
    }

    private static async Task<string> CreatePolicyAsync(LocalCloudServer server, string account, string name, string document)
    {
        var created = await TestCloud.Iam(server, account).CallAsync("CreatePolicy", ("PolicyName", name), ("PolicyDocument", document));
        Assert.True(created.Status == 200, created.Raw);
        return created.Value("Arn")!;
    }
}
