using System.Globalization;
using Amazon.KeyManagementService.Model;
using Amazon.Runtime;
using AmiShare.LocalCloud.Tests.Kms;
using AmiShare.LocalCloud.Tests.Support;
using Tag = Amazon.SecurityToken.Model.Tag;

namespace AmiShare.LocalCloud.Tests;

/// <summary>
/// IAM tags on roles and users over HTTP (IAM User Guide, "Tagging IAM resources", "Controlling access to and for IAM
/// users and roles using tags"): the operations and their limits, the tag condition keys they are authorized with,
/// and the tags as <c>aws:PrincipalTag</c> of the user's or role session's own requests.
/// </summary>
public sealed class IamTagsTests
{
    private const string Images = KmsTestKit.Images;
    private const string RoleArn = $"arn:aws:iam::{Images}:role/Tagged";

    [Fact]
    public async Task TagRole_ThenListAndUntag_RoundTrips()
    {
        await using var server = await TestCloud.StartAsync();
        var iam = TestCloud.Iam(server, Images);
        await StsTests.CreateRoleAsync(server, Images, "Tagged", StsTests.TrustAccount(Images));

        var tagged = await iam.CallAsync("TagRole", [("RoleName", "Tagged"), .. Tags(("team", "platform"), ("cost", "42"))]);
        var listed = await iam.CallAsync("ListRoleTags", ("RoleName", "Tagged"));
        var role = await iam.CallAsync("GetRole", ("RoleName", "Tagged"));
        var untagged = await iam.CallAsync("UntagRole", ("RoleName", "Tagged"), ("TagKeys.member.1", "COST"));
        var after = await iam.CallAsync("ListRoleTags", ("RoleName", "Tagged"));

        Assert.True(tagged.Status == 200, tagged.Raw);
        Assert.Equal(["team", "cost"], listed.Values("Key"));
        Assert.Equal(["platform", "42"], listed.Values("Value"));
        Assert.Equal("false", listed.Value("IsTruncated"));
        Assert.Equal(["team", "cost"], role.Values("Key"));
        Assert.Equal(200, untagged.Status);
        Assert.Equal(["team"], after.Values("Key"));
    }

    [Fact]
    public async Task TagUser_CreatedWithTagsThenTaggedAndUntagged_RoundTrips()
    {
        await using var server = await TestCloud.StartAsync();
        var iam = TestCloud.Iam(server, Images);

        var created = await iam.CallAsync("CreateUser", [("UserName", "builder"), .. Tags(("team", "platform"))]);
        var tagged = await iam.CallAsync("TagUser", [("UserName", "builder"), .. Tags(("cost", "42"))]);
        var user = await iam.CallAsync("GetUser", ("UserName", "builder"));
        var untagged = await iam.CallAsync("UntagUser", ("UserName", "builder"), ("TagKeys.member.1", "team"));
        var after = await iam.CallAsync("ListUserTags", ("UserName", "builder"));

        Assert.Equal(["team"], created.Values("Key"));
        Assert.Equal(200, tagged.Status);
        Assert.Equal(["team", "cost"], user.Values("Key"));
        Assert.Equal(200, untagged.Status);
        Assert.Equal(["cost"], after.Values("Key"));
        Assert.Equal(["42"], after.Values("Value"));
    }

    [Fact]
    public async Task TagRole_KeyDifferingOnlyInCase_ReplacesTag()
    {
        await using var server = await TestCloud.StartAsync();
        var iam = TestCloud.Iam(server, Images);
        await iam.CallAsync("CreateRole", [("RoleName", "Tagged"), ("AssumeRolePolicyDocument", StsTests.TrustAccount(Images)), .. Tags(("Department", "finance"))]);

        await iam.CallAsync("TagRole", [("RoleName", "Tagged"), .. Tags(("department", "hr"))]);
        var listed = await iam.CallAsync("ListRoleTags", ("RoleName", "Tagged"));

        Assert.Equal(["department"], listed.Values("Key"));
        Assert.Equal(["hr"], listed.Values("Value"));
    }

    [Theory]
    [InlineData("long-key", 400, "ValidationError")]
    [InlineData("long-value", 400, "ValidationError")]
    [InlineData("empty-key", 400, "ValidationError")]
    [InlineData("duplicate-keys", 400, "InvalidInput")]
    [InlineData("aws-prefix", 400, "InvalidInput")]
    [InlineData("51-in-request", 400, "ValidationError")]
    public async Task TagRole_TagsBreakLimit_Refused(string limit, int status, string code)
    {
        await using var server = await TestCloud.StartAsync();
        var iam = TestCloud.Iam(server, Images);
        await StsTests.CreateRoleAsync(server, Images, "Tagged", StsTests.TrustAccount(Images));
        var tags = limit switch
        {
            "long-key" => Tags((new string('k', 129), "v")),
            "long-value" => Tags(("k", new string('v', 257))),
            "empty-key" => Tags(("", "v")),
            "duplicate-keys" => Tags(("team", "a"), ("TEAM", "b")),
            "aws-prefix" => Tags(("aws:team", "a")),
            _ => Numbered(0, 51),
        };

        var response = await iam.CallAsync("TagRole", [("RoleName", "Tagged"), .. tags]);
        var listed = await iam.CallAsync("ListRoleTags", ("RoleName", "Tagged"));

        Assert.Equal(status, response.Status);
        Assert.Equal(code, response.ErrorCode);
        Assert.Empty(listed.Values("Key"));
    }

    [Fact]
    public async Task TagUser_Past50OnEntity_LimitExceeded()
    {
        await using var server = await TestCloud.StartAsync();
        var iam = TestCloud.Iam(server, Images);
        await iam.CallAsync("CreateUser", [("UserName", "builder"), .. Numbered(0, 50)]);

        var replaced = await iam.CallAsync("TagUser", [("UserName", "builder"), .. Numbered(49, 1)]);
        var added = await iam.CallAsync("TagUser", [("UserName", "builder"), .. Numbered(50, 1)]);

        Assert.Equal(200, replaced.Status);
        Assert.Equal(409, added.Status);
        Assert.Equal("LimitExceeded", added.ErrorCode);
    }

    [Fact]
    public async Task TagRole_UserWithoutTagRole_AccessDenied()
    {
        await using var server = await TestCloud.StartAsync();
        await StsTests.CreateRoleAsync(server, Images, "Tagged", StsTests.TrustAccount(Images));
        var operator_ = await IamAs(server, "operator", KmsTestKit.Allow("iam:ListRoleTags,iam:UntagRole"));

        var denied = await operator_.CallAsync("TagRole", [("RoleName", "Tagged"), .. Tags(("team", "platform"))]);
        var listed = await operator_.CallAsync("ListRoleTags", ("RoleName", "Tagged"));

        Assert.Equal(403, denied.Status);
        Assert.Contains("iam:TagRole", denied.Value("Message"), StringComparison.Ordinal);
        Assert.Equal(200, listed.Status);
    }

    [Fact]
    public async Task CreateRole_TagsWithoutTagRole_AccessDenied()
    {
        await using var server = await TestCloud.StartAsync();
        var operator_ = await IamAs(server, "operator", KmsTestKit.Allow("iam:CreateRole"));

        var tagged = await operator_.CallAsync("CreateRole", [("RoleName", "Tagged"), ("AssumeRolePolicyDocument", StsTests.TrustAccount(Images)), .. Tags(("team", "platform"))]);
        var untagged = await operator_.CallAsync("CreateRole", ("RoleName", "Plain"), ("AssumeRolePolicyDocument", StsTests.TrustAccount(Images)));

        Assert.Equal(403, tagged.Status);
        Assert.Contains("iam:TagRole", tagged.Value("Message"), StringComparison.Ordinal);
        Assert.Equal(200, untagged.Status);
    }

    [Theory]
    [InlineData("Department", 200)]
    [InlineData("CostCenter", 403)]
    public async Task TagUser_ConditionOnTagKeys_OnlyListedKeysMayBeSet(string key, int status)
    {
        await using var server = await TestCloud.StartAsync();
        await TestCloud.Iam(server, Images).CallAsync("CreateUser", ("UserName", "builder"));
        // IAM User Guide example "IAM: Manage a specific tag".
        var operator_ = await IamAs(server, "operator", """
            {"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":["iam:TagUser","iam:TagRole","iam:UntagUser","iam:UntagRole"],"Resource":"*","Condition":{"ForAllValues:StringEquals":{"aws:TagKeys":"Department"}}}}
            """);

        var response = await operator_.CallAsync("TagUser", [("UserName", "builder"), .. Tags((key, "x"))]);
        var untag = await operator_.CallAsync("UntagUser", ("UserName", "builder"), ("TagKeys.member.1", key));

        Assert.Equal(status, response.Status);
        Assert.Equal(status, untag.Status);
    }

    [Fact]
    public async Task GetRole_ConditionOnResourceTag_DecidesByRoleTag()
    {
        await using var server = await TestCloud.StartAsync();
        var root = TestCloud.Iam(server, Images);
        await root.CallAsync("CreateRole", [("RoleName", "Mine"), ("AssumeRolePolicyDocument", StsTests.TrustAccount(Images)), .. Tags(("team", "platform"))]);
        await root.CallAsync("CreateRole", [("RoleName", "Theirs"), ("AssumeRolePolicyDocument", StsTests.TrustAccount(Images)), .. Tags(("team", "marketing"))]);
        var reader = await IamAs(server, "reader", """
            {"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"iam:GetRole","Resource":"*","Condition":{"StringEquals":{"iam:ResourceTag/team":"platform"}}}}
            """);

        var mine = await reader.CallAsync("GetRole", ("RoleName", "Mine"));
        var theirs = await reader.CallAsync("GetRole", ("RoleName", "Theirs"));

        Assert.Equal(200, mine.Status);
        Assert.Equal(403, theirs.Status);
    }

    [Theory]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public async Task ListKeys_UserPrincipalTagCondition_AllowedOnlyWhenTagged(bool tagged, bool denied)
    {
        await using var server = await TestCloud.StartAsync();
        var credentials = await KmsTestKit.UserAsync(server, Images, "builder", ListKeysForTeam("platform"));
        if (tagged)
        {
            await TestCloud.Iam(server, Images).CallAsync("TagUser", [("UserName", "builder"), .. Tags(("team", "platform"))]);
        }

        using var kms = KmsTestKit.Client(server, credentials);
        var error = await Record.ExceptionAsync(() => kms.ListKeysAsync(new ListKeysRequest(), TestCloud.Timeout));

        Assert.Equal(denied, error is not null);
    }

    [Theory]
    [InlineData(null, true)]
    [InlineData("marketing", false)]
    [InlineData("platform", true)]
    public async Task ListKeys_RoleTaggedTeamPlatform_SessionTagOverridesRoleTag(string? sessionTeam, bool allowed)
    {
        await using var server = await TestCloud.StartAsync();
        await StsSessionTagsTests.CreateRoleAsync(server, "Tagged", StsSessionTagsTests.TrustWithTagSession(Images), ListKeysForTeam("platform"));
        await TestCloud.Iam(server, Images).CallAsync("TagRole", [("RoleName", "Tagged"), .. Tags(("team", "platform"))]);
        using var sts = TestCloud.Sts(server, Images);
        // The session tag's key differs in case from the role's: session tags override ignoring case.
        var assumed = await StsSessionTagsTests.AssumeAsync(sts, RoleArn, sessionTeam is null ? [] : [new Tag { Key = "TEAM", Value = sessionTeam }]);

        using var kms = KmsTestKit.Client(server, assumed.Credentials);
        var error = await Record.ExceptionAsync(() => kms.ListKeysAsync(new ListKeysRequest(), TestCloud.Timeout));

        Assert.Equal(allowed, error is null);
    }

    [Fact]
    public async Task ListKeys_RoleTaggedAfterSessionWasMade_TagAppliesToLaterRequests()
    {
        await using var server = await TestCloud.StartAsync();
        await StsSessionTagsTests.CreateRoleAsync(server, "Tagged", StsTests.TrustAccount(Images), ListKeysForTeam("platform"));
        using var sts = TestCloud.Sts(server, Images);
        var assumed = await StsSessionTagsTests.AssumeAsync(sts, RoleArn, []);
        using var kms = KmsTestKit.Client(server, assumed.Credentials);

        var before = await Record.ExceptionAsync(() => kms.ListKeysAsync(new ListKeysRequest(), TestCloud.Timeout));
        await TestCloud.Iam(server, Images).CallAsync("TagRole", [("RoleName", "Tagged"), .. Tags(("team", "platform"))]);
        var after = await Record.ExceptionAsync(() => kms.ListKeysAsync(new ListKeysRequest(), TestCloud.Timeout));

        Assert.NotNull(before);
        Assert.Null(after);
    }

    internal static (string, string)[] Tags(params (string Key, string Value)[] tags) =>
    [
        .. tags.SelectMany((t, i) => new[]
        {
            (string.Create(CultureInfo.InvariantCulture, $"Tags.member.{i + 1}.Key"), t.Key),
            (string.Create(CultureInfo.InvariantCulture, $"Tags.member.{i + 1}.Value"), t.Value),
        }),
    ];

    private static (string, string)[] Numbered(int first, int count) =>
        Tags([.. Enumerable.Range(first, count).Select(n => (string.Create(CultureInfo.InvariantCulture, $"key{n}"), "v"))]);

    private static async Task<SignedQueryClient> IamAs(LocalCloudServer server, string userName, string policy)
    {
        var credentials = (await KmsTestKit.UserAsync(server, Images, userName, policy)).GetCredentials();
        return TestCloud.Iam(server, credentials.AccessKey, credentials.SecretKey);
    }

    private static string ListKeysForTeam(string team) => """
        {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:ListKeys","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalTag/team":"TEAM"}}}]}
        """.Replace("TEAM", team, StringComparison.Ordinal);
}
