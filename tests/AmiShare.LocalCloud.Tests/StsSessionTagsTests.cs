using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using Amazon.SecurityToken;
using Amazon.SecurityToken.Model;
using AmiShare.LocalCloud.Tests.Kms;
using AmiShare.LocalCloud.Tests.Support;
using Tag = Amazon.SecurityToken.Model.Tag;

namespace AmiShare.LocalCloud.Tests;

/// <summary>
/// AssumeRole session tags through the real AWS SDK, as the IAM User Guide ("Passing session tags in AWS STS")
/// describes them: sts:TagSession in the trust policy, aws:RequestTag/aws:TagKeys on the request, aws:PrincipalTag
/// on the session's own requests, the tag limits, and transitive tags in a role chain.
/// </summary>
public sealed class StsSessionTagsTests
{
    private const string Images = KmsTestKit.Images;
    private const string Prod = KmsTestKit.Prod;
    private const string RoleArn = $"arn:aws:iam::{Images}:role/Tagged";

    [Fact]
    public async Task AssumeRole_TagsWithoutTagSessionInTrust_AccessDenied()
    {
        await using var server = await TestCloud.StartAsync();
        await StsTests.CreateRoleAsync(server, Images, "Tagged", StsTests.TrustAccount(Images));
        using var sts = TestCloud.Sts(server, Images);

        var error = await Assert.ThrowsAsync<AmazonSecurityTokenServiceException>(() => AssumeAsync(sts, RoleArn, [Team("platform")]));

        Assert.Equal("AccessDenied", error.ErrorCode);
        Assert.Contains("sts:TagSession", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AssumeRole_TagsWithTagSessionInTrust_SessionIssued()
    {
        await using var server = await TestCloud.StartAsync();
        await StsTests.CreateRoleAsync(server, Images, "Tagged", TrustWithTagSession(Images));
        using var sts = TestCloud.Sts(server, Images);

        var assumed = await AssumeAsync(sts, RoleArn, [Team("platform")]);

        Assert.StartsWith("ASIA", assumed.Credentials.AccessKeyId, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AssumeRole_NoTagsAndNoTagSessionInTrust_StillAllowed()
    {
        await using var server = await TestCloud.StartAsync();
        await StsTests.CreateRoleAsync(server, Images, "Tagged", StsTests.TrustAccount(Images));
        using var sts = TestCloud.Sts(server, Images);

        var assumed = await AssumeAsync(sts, RoleArn, []);

        Assert.StartsWith("ASIA", assumed.Credentials.AccessKeyId, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("platform", true)]
    [InlineData("marketing", false)]
    public async Task AssumeRole_TrustConditionOnRequestTag_DecidesByTagValue(string team, bool allowed)
    {
        await using var server = await TestCloud.StartAsync();
        await StsTests.CreateRoleAsync(server, Images, "Tagged", TrustWithTagSession(Images, """{"StringEquals":{"aws:RequestTag/team":"platform"}}"""));
        using var sts = TestCloud.Sts(server, Images);

        var error = await Record.ExceptionAsync(() => AssumeAsync(sts, RoleArn, [Team(team)]));

        Assert.Equal(allowed, error is null);
    }

    [Theory]
    [InlineData("team", true)]
    [InlineData("cost", false)]
    public async Task AssumeRole_TrustConditionOnTagKeys_DecidesByKeys(string key, bool allowed)
    {
        await using var server = await TestCloud.StartAsync();
        await StsTests.CreateRoleAsync(server, Images, "Tagged", TrustWithTagSession(Images, """{"ForAllValues:StringEquals":{"aws:TagKeys":["team"]}}"""));
        using var sts = TestCloud.Sts(server, Images);

        var error = await Record.ExceptionAsync(() => AssumeAsync(sts, RoleArn, [new Tag { Key = key, Value = "x" }]));

        Assert.Equal(allowed, error is null);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task AssumeRole_CrossAccountCallerNeedsTagSessionInIdentityPolicyToo_AllowedOnlyWithIt(bool identityAllowsTagSession)
    {
        await using var server = await TestCloud.StartAsync();
        await StsTests.CreateRoleAsync(server, Images, "Tagged", TrustWithTagSession(Prod));
        var caller = await KmsTestKit.UserAsync(server, Prod, "tagger", KmsTestKit.Allow(identityAllowsTagSession ? "sts:AssumeRole,sts:TagSession" : "sts:AssumeRole"));
        using var sts = TestCloud.Sts(server, caller);

        var error = await Record.ExceptionAsync(() => AssumeAsync(sts, RoleArn, [Team("platform")]));

        Assert.Equal(identityAllowsTagSession, error is null);
    }

    [Theory]
    [InlineData("platform", true)]
    [InlineData("marketing", false)]
    [InlineData(null, false)]
    public async Task KmsListKeys_RolePolicyConditionOnPrincipalTag_AllowedOnlyForSessionTaggedAccordingly(string? team, bool allowed)
    {
        await using var server = await TestCloud.StartAsync();
        await CreateRoleAsync(server, "Tagged", TrustWithTagSession(Images), ListKeysForTeam("platform"));
        using var sts = TestCloud.Sts(server, Images);
        var assumed = await AssumeAsync(sts, RoleArn, team is null ? [] : [Team(team)]);
        using var kms = KmsTestKit.Client(server, assumed.Credentials);

        var error = await Record.ExceptionAsync(() => kms.ListKeysAsync(new ListKeysRequest(), TestCloud.Timeout));

        Assert.Equal(allowed, error is null);
        Assert.True(allowed || error is AmazonKeyManagementServiceException { ErrorCode: "AccessDeniedException" }, error?.ToString());
    }

    [Fact]
    public async Task AssumeRole_FiftyOneTags_ValidationError()
    {
        await using var server = await TestCloud.StartAsync();
        await StsTests.CreateRoleAsync(server, Images, "Tagged", TrustWithTagSession(Images));
        using var sts = TestCloud.Sts(server, Images);

        var error = await Assert.ThrowsAsync<AmazonSecurityTokenServiceException>(() =>
            AssumeAsync(sts, RoleArn, [.. Enumerable.Range(0, 51).Select(i => new Tag { Key = $"k{i}", Value = "v" })]));

        Assert.Equal("ValidationError", error.ErrorCode);
        Assert.Contains("less than or equal to 50", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AssumeRole_KeysDifferingOnlyInCase_InvalidParameterValue()
    {
        await using var server = await TestCloud.StartAsync();
        await StsTests.CreateRoleAsync(server, Images, "Tagged", TrustWithTagSession(Images));
        using var sts = TestCloud.Sts(server, Images);

        var error = await Assert.ThrowsAsync<AmazonSecurityTokenServiceException>(() =>
            AssumeAsync(sts, RoleArn, [Team("platform"), new Tag { Key = "Team", Value = "other" }]));

        Assert.Equal("InvalidParameterValue", error.ErrorCode);
        Assert.Equal("Duplicate tag keys found. Please note that Tag keys are case insensitive.", error.Message);
    }

    [Fact]
    public async Task AssumeRole_KeyLongerThan128_ValidationError()
    {
        await using var server = await TestCloud.StartAsync();
        await StsTests.CreateRoleAsync(server, Images, "Tagged", TrustWithTagSession(Images));
        using var sts = TestCloud.Sts(server, Images);

        var error = await Assert.ThrowsAsync<AmazonSecurityTokenServiceException>(() =>
            AssumeAsync(sts, RoleArn, [new Tag { Key = new string('k', 129), Value = "v" }]));

        Assert.Equal("ValidationError", error.ErrorCode);
    }

    [Fact]
    public async Task AssumeRole_TransitiveKeyNotAmongTags_InvalidParameterValue()
    {
        await using var server = await TestCloud.StartAsync();
        await StsTests.CreateRoleAsync(server, Images, "Tagged", TrustWithTagSession(Images));
        using var sts = TestCloud.Sts(server, Images);

        var error = await Assert.ThrowsAsync<AmazonSecurityTokenServiceException>(() =>
            AssumeAsync(sts, RoleArn, [Team("platform")], ["cost"]));

        Assert.Equal("InvalidParameterValue", error.ErrorCode);
    }

    [Theory]
    [InlineData(true, true)]
    [InlineData(false, false)]
    public async Task KmsListKeys_ChainedSession_HasTheTagOnlyWhenItWasTransitive(bool transitive, bool allowed)
    {
        await using var server = await TestCloud.StartAsync();
        await CreateRoleAsync(server, "First", TrustWithTagSession(Images), KmsTestKit.Allow("sts:AssumeRole,sts:TagSession"));
        await CreateRoleAsync(server, "Second", TrustWithTagSession(Images), ListKeysForTeam("platform"));
        using var sts = TestCloud.Sts(server, Images);
        var first = await AssumeAsync(sts, $"arn:aws:iam::{Images}:role/First", [Team("platform")], transitive ? ["team"] : []);
        using var firstSts = TestCloud.Sts(server, first.Credentials);

        var second = await AssumeAsync(firstSts, $"arn:aws:iam::{Images}:role/Second", []);
        using var kms = KmsTestKit.Client(server, second.Credentials);
        var error = await Record.ExceptionAsync(() => kms.ListKeysAsync(new ListKeysRequest(), TestCloud.Timeout));

        Assert.Equal(allowed, error is null);
    }

    [Fact]
    public async Task AssumeRole_ChainedSessionPassesInheritedTransitiveKey_InvalidParameterValue()
    {
        await using var server = await TestCloud.StartAsync();
        await CreateRoleAsync(server, "First", TrustWithTagSession(Images), KmsTestKit.Allow("sts:AssumeRole,sts:TagSession"));
        await CreateRoleAsync(server, "Second", TrustWithTagSession(Images), ListKeysForTeam("admins"));
        using var sts = TestCloud.Sts(server, Images);
        var first = await AssumeAsync(sts, $"arn:aws:iam::{Images}:role/First", [Team("platform")], ["team"]);
        using var firstSts = TestCloud.Sts(server, first.Credentials);

        var error = await Assert.ThrowsAsync<AmazonSecurityTokenServiceException>(() =>
            AssumeAsync(firstSts, $"arn:aws:iam::{Images}:role/Second", [new Tag { Key = "TEAM", Value = "admins" }]));

        Assert.Equal("InvalidParameterValue", error.ErrorCode);
    }

    [Fact]
    public async Task AssumeRole_ChainedSessionWithTransitiveTagIntoRoleWithoutTagSession_AccessDenied()
    {
        await using var server = await TestCloud.StartAsync();
        await CreateRoleAsync(server, "First", TrustWithTagSession(Images), KmsTestKit.Allow("sts:AssumeRole,sts:TagSession"));
        await StsTests.CreateRoleAsync(server, Images, "Second", StsTests.TrustAccount(Images));
        using var sts = TestCloud.Sts(server, Images);
        var first = await AssumeAsync(sts, $"arn:aws:iam::{Images}:role/First", [Team("platform")], ["team"]);
        using var firstSts = TestCloud.Sts(server, first.Credentials);

        var error = await Assert.ThrowsAsync<AmazonSecurityTokenServiceException>(() => AssumeAsync(firstSts, $"arn:aws:iam::{Images}:role/Second", []));

        Assert.Equal("AccessDenied", error.ErrorCode);
    }

    internal static Task<AssumeRoleResponse> AssumeAsync(AmazonSecurityTokenServiceClient sts, string roleArn, List<Tag> tags, List<string>? transitive = null) =>
        sts.AssumeRoleAsync(
            new AssumeRoleRequest
            {
                RoleArn = roleArn,
                RoleSessionName = "tagged",
                Tags = tags.Count == 0 ? null : tags,
                TransitiveTagKeys = transitive is { Count: > 0 } ? transitive : null,
            },
            TestCloud.Timeout);

    /// <summary>A trust policy letting <paramref name="account"/> assume the role and tag the session (under an optional condition).</summary>
    internal static string TrustWithTagSession(string account, string? tagCondition = null) => $$"""
        {"Version":"2012-10-17","Statement":[
          {"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::{{account}}:root"},"Action":"sts:AssumeRole"},
          {"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::{{account}}:root"},"Action":"sts:TagSession"{{(tagCondition is null ? "" : ",\"Condition\":" + tagCondition)}}}]}
        """;

    internal static async Task CreateRoleAsync(LocalCloudServer server, string roleName, string trust, string permissions)
    {
        await StsTests.CreateRoleAsync(server, Images, roleName, trust);
        var put = await TestCloud.Iam(server, Images).CallAsync("PutRolePolicy", ("RoleName", roleName), ("PolicyName", "permissions"), ("PolicyDocument", permissions));
        Assert.True(put.Status == 200, put.Raw);
    }

    private static string ListKeysForTeam(string team) => """
        {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["kms:ListKeys","sts:AssumeRole","sts:TagSession"],"Resource":"*","Condition":{"StringEquals":{"aws:PrincipalTag/team":"TEAM"}}}]}
        """.Replace("TEAM", team, StringComparison.Ordinal);

    private static Tag Team(string value) => new() { Key = "team", Value = value };
}
