using Amazon.Runtime;
using Amazon.SecurityToken;
using Amazon.SecurityToken.Model;
using AmiShare.LocalCloud.Seed;
using AmiShare.LocalCloud.Tests.Support;

namespace AmiShare.LocalCloud.Tests;

public sealed class StsTests
{
    private const string Images = DefaultSeed.ImagesAccountId;
    private const string Prod = DefaultSeed.ProdAccountId;
    private const string Partner = DefaultSeed.PartnerAccountId;

    [Fact]
    public async Task GetCallerIdentity_RootCredentials_ReturnsAccountRoot()
    {
        await using var server = await TestCloud.StartAsync();
        using var sts = TestCloud.Sts(server, Images);

        var identity = await sts.GetCallerIdentityAsync(new GetCallerIdentityRequest(), TestCloud.Timeout);

        Assert.Equal(Images, identity.Account);
        Assert.Equal($"arn:aws:iam::{Images}:root", identity.Arn);
        Assert.Equal(Images, identity.UserId);
    }

    [Fact]
    public async Task GetCallerIdentity_WrongSecret_SignatureDoesNotMatch()
    {
        await using var server = await TestCloud.StartAsync();
        using var sts = TestCloud.Sts(server, new BasicAWSCredentials(server.Account(Images).RootAccessKeyId, "not-the-secret"));

        var error = await Assert.ThrowsAsync<AmazonSecurityTokenServiceException>(() => sts.GetCallerIdentityAsync(new GetCallerIdentityRequest(), TestCloud.Timeout));

        Assert.Equal("SignatureDoesNotMatch", error.ErrorCode);
        Assert.Equal(403, (int)error.StatusCode);
    }

    [Fact]
    public async Task GetCallerIdentity_UnknownAccessKey_InvalidClientTokenId()
    {
        await using var server = await TestCloud.StartAsync();
        using var sts = TestCloud.Sts(server, new BasicAWSCredentials("AKIAUNKNOWN000000000", "whatever"));

        var error = await Assert.ThrowsAsync<AmazonSecurityTokenServiceException>(() => sts.GetCallerIdentityAsync(new GetCallerIdentityRequest(), TestCloud.Timeout));

        Assert.Equal("InvalidClientTokenId", error.ErrorCode);
        Assert.Equal("The security token included in the request is invalid.", error.Message);
    }

    [Fact]
    public async Task GetCallerIdentity_FiftyParallelRequests_AllSucceed()
    {
        await using var server = await TestCloud.StartAsync();
        var accounts = new[] { Images, Prod, Partner };

        var identities = await Task.WhenAll(Enumerable.Range(0, 50).Select(async i =>
        {
            using var sts = TestCloud.Sts(server, accounts[i % accounts.Length]);
            return await sts.GetCallerIdentityAsync(new GetCallerIdentityRequest(), TestCloud.Timeout);
        }));

        Assert.All(identities.Select((identity, i) => (identity, i)), p => Assert.Equal(accounts[p.i % accounts.Length], p.identity.Account));
    }

    [Fact]
    public async Task AssumeRole_TrustNamesCallerAccount_SessionCredentialsAuthenticateAsAssumedRole()
    {
        await using var server = await TestCloud.StartAsync();
        await CreateRoleAsync(server, Images, "Sharer", TrustAccount(Prod));
        using var prodSts = TestCloud.Sts(server, Prod);

        var assumed = await prodSts.AssumeRoleAsync(
            new AssumeRoleRequest { RoleArn = $"arn:aws:iam::{Images}:role/Sharer", RoleSessionName = "amishare" },
            TestCloud.Timeout);

        Assert.StartsWith("ASIA", assumed.Credentials.AccessKeyId, StringComparison.Ordinal);
        Assert.Equal($"arn:aws:sts::{Images}:assumed-role/Sharer/amishare", assumed.AssumedRoleUser.Arn);
        using var sessionSts = TestCloud.Sts(server, assumed.Credentials);
        var identity = await sessionSts.GetCallerIdentityAsync(new GetCallerIdentityRequest(), TestCloud.Timeout);
        Assert.Equal(Images, identity.Account);
        Assert.Equal($"arn:aws:sts::{Images}:assumed-role/Sharer/amishare", identity.Arn);
        Assert.EndsWith(":amishare", identity.UserId, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AssumeRole_SessionUsedAfterExpiry_ExpiredToken()
    {
        var clock = TestCloud.Clock();
        await using var server = await TestCloud.StartAsync(clock);
        await CreateRoleAsync(server, Images, "Sharer", TrustAccount(Prod));
        using var prodSts = TestCloud.Sts(server, Prod);
        var assumed = await prodSts.AssumeRoleAsync(
            new AssumeRoleRequest { RoleArn = $"arn:aws:iam::{Images}:role/Sharer", RoleSessionName = "short", DurationSeconds = 900 },
            TestCloud.Timeout);
        Assert.Equal(clock.GetUtcNow().AddSeconds(900).ToUnixTimeSeconds(), new DateTimeOffset(assumed.Credentials.Expiration!.Value).ToUnixTimeSeconds());

        clock.Advance(TimeSpan.FromSeconds(901));

        using var sessionSts = TestCloud.Sts(server, assumed.Credentials);
        var error = await Assert.ThrowsAsync<AmazonSecurityTokenServiceException>(() => sessionSts.GetCallerIdentityAsync(new GetCallerIdentityRequest(), TestCloud.Timeout));
        Assert.Equal("ExpiredToken", error.ErrorCode);
    }

    [Fact]
    public async Task AssumeRole_TrustNamesOtherAccount_AccessDenied()
    {
        await using var server = await TestCloud.StartAsync();
        await CreateRoleAsync(server, Images, "Sharer", TrustAccount(Prod));
        using var partnerSts = TestCloud.Sts(server, Partner);

        var error = await Assert.ThrowsAsync<AmazonSecurityTokenServiceException>(() => partnerSts.AssumeRoleAsync(
            new AssumeRoleRequest { RoleArn = $"arn:aws:iam::{Images}:role/Sharer", RoleSessionName = "nope" },
            TestCloud.Timeout));

        Assert.Equal("AccessDenied", error.ErrorCode);
        Assert.Contains($"arn:aws:iam::{Partner}:root is not authorized to perform: sts:AssumeRole", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AssumeRole_RoleDoesNotExist_AccessDeniedLikeAws()
    {
        await using var server = await TestCloud.StartAsync();
        using var prodSts = TestCloud.Sts(server, Prod);

        var error = await Assert.ThrowsAsync<AmazonSecurityTokenServiceException>(() => prodSts.AssumeRoleAsync(
            new AssumeRoleRequest { RoleArn = $"arn:aws:iam::{Images}:role/Missing", RoleSessionName = "s1" },
            TestCloud.Timeout));

        Assert.Equal("AccessDenied", error.ErrorCode);
    }

    [Theory]
    [InlineData("expected-id", true)]
    [InlineData("wrong-id", false)]
    [InlineData(null, false)]
    public async Task AssumeRole_TrustRequiresExternalId_AllowedOnlyWithMatchingId(string? externalId, bool allowed)
    {
        await using var server = await TestCloud.StartAsync();
        var trust = """
            {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::444444444444:root"},
             "Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"expected-id"}}}]}
            """;
        await CreateRoleAsync(server, Images, "PartnerAccess", trust);
        using var partnerSts = TestCloud.Sts(server, Partner);
        var request = new AssumeRoleRequest { RoleArn = $"arn:aws:iam::{Images}:role/PartnerAccess", RoleSessionName = "partner", ExternalId = externalId };

        if (allowed)
        {
            var response = await partnerSts.AssumeRoleAsync(request, TestCloud.Timeout);
            Assert.NotNull(response.Credentials.SessionToken);
        }
        else
        {
            var error = await Assert.ThrowsAsync<AmazonSecurityTokenServiceException>(() => partnerSts.AssumeRoleAsync(request, TestCloud.Timeout));
            Assert.Equal("AccessDenied", error.ErrorCode);
        }
    }

    [Fact]
    public async Task AssumeRole_CrossAccountUserNeedsIdentityPolicy_AllowedOnceInlinePolicyListsAction()
    {
        await using var server = await TestCloud.StartAsync();
        await CreateRoleAsync(server, Images, "Sharer", TrustAccount(Prod));
        var prodIam = TestCloud.Iam(server, Prod);
        await prodIam.CallAsync("CreateUser", ("UserName", "deployer"));
        var key = await prodIam.CallAsync("CreateAccessKey", ("UserName", "deployer"));
        using var userSts = TestCloud.Sts(server, new BasicAWSCredentials(key.Value("AccessKeyId"), key.Value("SecretAccessKey")));
        var request = new AssumeRoleRequest { RoleArn = $"arn:aws:iam::{Images}:role/Sharer", RoleSessionName = "deployer" };

        var denied = await Assert.ThrowsAsync<AmazonSecurityTokenServiceException>(() => userSts.AssumeRoleAsync(request, TestCloud.Timeout));
        Assert.Equal("AccessDenied", denied.ErrorCode);
        Assert.Contains("no identity-based policy allows the sts:AssumeRole action", denied.Message, StringComparison.Ordinal);

        await prodIam.CallAsync("PutUserPolicy", ("UserName", "deployer"), ("PolicyName", "assume"),
            ("PolicyDocument", """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}"""));
        var assumed = await userSts.AssumeRoleAsync(request, TestCloud.Timeout);
        Assert.Equal($"arn:aws:sts::{Images}:assumed-role/Sharer/deployer", assumed.AssumedRoleUser.Arn);
    }

    [Fact]
    public async Task AssumeRole_DurationAboveRoleMaximum_ValidationError()
    {
        await using var server = await TestCloud.StartAsync();
        await CreateRoleAsync(server, Images, "Sharer", TrustAccount(Prod));
        using var prodSts = TestCloud.Sts(server, Prod);

        var error = await Assert.ThrowsAsync<AmazonSecurityTokenServiceException>(() => prodSts.AssumeRoleAsync(
            new AssumeRoleRequest { RoleArn = $"arn:aws:iam::{Images}:role/Sharer", RoleSessionName = "long", DurationSeconds = 7200 },
            TestCloud.Timeout));

        Assert.Equal("ValidationError", error.ErrorCode);
    }

    internal static string TrustAccount(string accountId) => $$"""
        {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::{{accountId}}:root"},"Action":"sts:AssumeRole"}]}
        """;

    internal static async Task CreateRoleAsync(LocalCloudServer server, string accountId, string roleName, string trustPolicy)
    {
        var response = await TestCloud.Iam(server, accountId).CallAsync("CreateRole", ("RoleName", roleName), ("AssumeRolePolicyDocument", trustPolicy));
        Assert.True(response.Status == 200, response.Raw);
    }
}
