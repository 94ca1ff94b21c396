using AmiShare.Core.Model;

namespace AmiShare.Core.Tests;

public sealed class ShareTargetTests
{
    public static TheoryData<string, ShareTargetKind, string?, string?> GoodTargets => new()
    {
        { "222222222222", ShareTargetKind.Account, null, null },
        { " 012345678901 ", ShareTargetKind.Account, null, null },
        { "arn:aws:organizations::111111111111:organization/o-abcdefghij", ShareTargetKind.Organization, "o-abcdefghij", null },
        { "arn:aws:organizations::111111111111:ou/o-abcdefghij/ou-ab12-11111111", ShareTargetKind.OrganizationalUnit, "o-abcdefghij", "ou-ab12-11111111" },
        { "arn:aws-us-gov:organizations::111111111111:ou/o-abcdefghij/ou-ab12-11111111", ShareTargetKind.OrganizationalUnit, "o-abcdefghij", "ou-ab12-11111111" },
    };

    [Theory]
    [MemberData(nameof(GoodTargets))]
    public void Parse_ValidTarget_ReturnsKindAndIds(string text, ShareTargetKind kind, string? org, string? ou)
    {
        var result = ShareTarget.Parse(text);

        Assert.True(result.IsSuccess, result.Error);
        Assert.Equal(kind, result.Target!.Kind);
        Assert.Equal(text.Trim(), result.Target.Value);
        Assert.Equal(org, result.Target.OrganizationId);
        Assert.Equal(ou, result.Target.OuId);
    }

    /// <summary>Each bad input with a fragment of the fix the error must carry.</summary>
    public static TheoryData<string, string> BadTargets => new()
    {
        { "", "12-digit account id" },
        { "12345678901", "exactly 12" },
        { "1234567890123", "exactly 12" },
        { "o-abcdefghij", "arn:aws:organizations::MANAGEMENT_ACCOUNT:organization/o-abcdefghij" },
        { "ou-ab12-11111111", "arn:aws:organizations::MANAGEMENT_ACCOUNT:ou/o-ORGID/ou-ab12-11111111" },
        { "all", "Public sharing is refused" },
        { "arn:aws:iam::222222222222:role/Launcher", "--principal" },
        { "arn:aws:organizations::111111111111:organization/abc", "not an organization or OU ARN" },
        { "arn:aws:organizations::111111111111:ou/ou-ab12-11111111", "not an organization or OU ARN" },
        { "my-friend", "not a share target" },
    };

    [Theory]
    [MemberData(nameof(BadTargets))]
    public void Parse_InvalidTarget_ReturnsErrorWithFix(string text, string fix)
    {
        var result = ShareTarget.Parse(text);

        Assert.False(result.IsSuccess);
        Assert.Contains(fix, result.Error, StringComparison.Ordinal);
    }
}
