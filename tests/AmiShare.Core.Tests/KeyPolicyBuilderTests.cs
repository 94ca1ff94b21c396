using System.Globalization;
using System.Text.Json;
using AmiShare.Core.KeyPolicies;
using AmiShare.Core.Model;
using AmiShare.Core.Planning;
using AmiShare.Policy;
using AmiShare.Policy.Catalogue;
using AmiShare.Policy.Validation;
using static AmiShare.Core.Tests.Fixtures;

namespace AmiShare.Core.Tests;

public sealed class KeyPolicyBuilderTests
{
    private static readonly KeyAudience AccountA = KeyAudience.Of(principals: ["arn:aws:iam::222222222222:root"]);

    public static TheoryData<string, KeyAudience> Audiences => new()
    {
        { "account", AccountA },
        { "two accounts", KeyAudience.Of(principals: ["arn:aws:iam::222222222222:root", "arn:aws:iam::333333333333:root"]) },
        { "role principal", KeyAudience.Of(principals: ["arn:aws:iam::222222222222:role/Launcher"]) },
        { "organization", KeyAudience.Of(organizationIds: [OrgId]) },
        { "ou", KeyAudience.Of(orgPaths: [$"{OrgId}/r-ab12/{OuId}/*"]) },
        { "asg", KeyAudience.Of(principals: ["arn:aws:iam::222222222222:root"], asgPrincipals: ["arn:aws:iam::222222222222:root"]) },
        { "everything", KeyAudience.Of(["arn:aws:iam::222222222222:root"], [OrgId], [$"{OrgId}/*/{OuId}/*"], ["arn:aws:iam::222222222222:root"]) },
    };

    /// <summary>Policies with foreign statements in awkward places: single object, interleaved, look-alike Sids.</summary>
    public static TheoryData<string, string> ExistingPolicies => new()
    {
        { "default indented", DefaultPolicy },
        { "single statement object", $$"""{"Version":"2012-10-17","Statement":{{DefaultStatement}}}""" },
        { "look-alike sid", $$"""{"Version":"2012-10-17","Statement":[{{DefaultStatement}},{"Sid":"AmiShareNotes","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::555555555555:root"},"Action":"kms:DescribeKey","Resource":"*"}]}""" },
        { "interleaved amishare", $$"""{"Version":"2012-10-17","Statement":[{{DefaultStatement}},{"Sid":"AmiShareUseUsEast1","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::333333333333:root"},"Action":["kms:Decrypt"],"Resource":"*"},{{CiStatement}}]}""" },
        { "escaped text and numbers", """{"Version":"2012-10-17","Statement":[""" + DefaultStatement + """,{"Sid":"Odd \u00e9 <tag>","Effect":"Deny","Principal":"*","Action":"kms:*","Resource":"*","Condition":{"NumericGreaterThan":{"aws:MultiFactorAuthAge":3600.50}}}]}""" },
    };

    [Theory]
    [MemberData(nameof(ExistingPolicies))]
    public void Share_ForeignStatements_KeptInContentAndOrder(string name, string policy)
    {
        var before = KeyPolicyBuilder.Read(policy).ForeignStatements;

        var change = KeyPolicyBuilder.Share(policy, Region, AccountA);

        Assert.True(change.Changed, name);
        var after = KeyPolicyBuilder.Read(change.PolicyJson).ForeignStatements;
        Assert.Equal(before.ToArray(), after.ToArray());
        var statements = JsonDocument.Parse(change.PolicyJson).RootElement.GetProperty("Statement");
        for (var i = 0; i < before.Length; i++)
        {
            Assert.Equal(before[i], Compact(statements[i]));
        }
    }

    [Theory]
    [MemberData(nameof(Audiences))]
    public void Share_AppliedTwice_SecondChangesNothing(string name, KeyAudience audience)
    {
        var first = KeyPolicyBuilder.Share(DefaultPolicy, Region, audience);
        var second = KeyPolicyBuilder.Share(first.PolicyJson, Region, audience);

        Assert.True(first.Changed, name);
        Assert.False(second.Changed, name);
        Assert.Equal(first.PolicyJson, second.PolicyJson);
    }

    [Theory]
    [MemberData(nameof(Audiences))]
    public void Share_AnyAudience_PassesValidatorWithoutErrorsOrSecurityWarnings(string name, KeyAudience audience)
    {
        var change = KeyPolicyBuilder.Share(DefaultPolicy, Region, audience);

        var serious = PolicyValidator.Validate(change.PolicyJson, PolicyKind.Key)
            .Where(f => f.Severity is Severity.Error or Severity.SecurityWarning);
        Assert.True(!serious.Any(), $"{name}: {string.Join("; ", serious)}");
        Assert.Empty(change.Findings);
    }

    [Fact]
    public void Share_ExistingAmiShareStatements_UnionsPrincipals()
    {
        var first = KeyPolicyBuilder.Share(DefaultPolicy, Region, KeyAudience.Of(principals: ["arn:aws:iam::333333333333:root"]));

        var second = KeyPolicyBuilder.Share(first.PolicyJson, Region, AccountA);

        var audience = KeyPolicyBuilder.Read(second.PolicyJson).AudienceIn(Region);
        Assert.Equal(["arn:aws:iam::222222222222:root", "arn:aws:iam::333333333333:root"], audience.Principals);
    }

    [Fact]
    public void Share_OrganizationAndOu_UsesStarPrincipalWithOrgConditions()
    {
        var change = KeyPolicyBuilder.Share(DefaultPolicy, Region, KeyAudience.Of(organizationIds: [OrgId], orgPaths: [$"{OrgId}/r-ab12/{OuId}/*"]));

        var statements = JsonDocument.Parse(change.PolicyJson).RootElement.GetProperty("Statement").EnumerateArray().ToList();
        var org = statements.Single(s => s.GetProperty("Sid").GetString() == "AmiShareUseUsEast1Org");
        var ou = statements.Single(s => s.GetProperty("Sid").GetString() == "AmiShareGrantUsEast1Ou");
        Assert.Equal("*", org.GetProperty("Principal").GetString());
        Assert.Equal(OrgId, org.GetProperty("Condition").GetProperty("StringEquals").GetProperty("aws:PrincipalOrgID")[0].GetString());
        Assert.Equal("ec2.us-east-1.amazonaws.com", org.GetProperty("Condition").GetProperty("StringEquals").GetProperty("kms:ViaService").GetString());
        Assert.Equal($"{OrgId}/r-ab12/{OuId}/*", ou.GetProperty("Condition").GetProperty("ForAnyValue:StringLike").GetProperty("aws:PrincipalOrgPaths")[0].GetString());
        Assert.Equal("true", ou.GetProperty("Condition").GetProperty("Bool").GetProperty("kms:GrantIsForAWSResource").GetString());
    }

    [Fact]
    public void Share_Asg_AddsCreateGrantWithoutAwsResourceCondition()
    {
        var change = KeyPolicyBuilder.Share(DefaultPolicy, Region, KeyAudience.Of(principals: ["arn:aws:iam::222222222222:root"], asgPrincipals: ["arn:aws:iam::222222222222:root"]));

        var asg = JsonDocument.Parse(change.PolicyJson).RootElement.GetProperty("Statement").EnumerateArray()
            .Single(s => s.GetProperty("Sid").GetString() == "AmiShareGrantUsEast1Asg");
        Assert.Equal("kms:CreateGrant", asg.GetProperty("Action").GetString());
        Assert.False(asg.TryGetProperty("Condition", out _));
    }

    public static TheoryData<string, KeyAudience, KeyAudience, string[]> UnshareCases => new()
    {
        { "remove one of two", AccountA, KeyAudience.Empty, ["arn:aws:iam::333333333333:root"] },
        { "kept for another image", AccountA, AccountA, ["arn:aws:iam::222222222222:root", "arn:aws:iam::333333333333:root"] },
        { "remove both drops statements", KeyAudience.Of(principals: ["arn:aws:iam::222222222222:root", "arn:aws:iam::333333333333:root"]), KeyAudience.Empty, [] },
        { "remove someone never there", KeyAudience.Of(principals: ["arn:aws:iam::444444444444:root"]), KeyAudience.Empty, ["arn:aws:iam::222222222222:root", "arn:aws:iam::333333333333:root"] },
    };

    [Theory]
    [MemberData(nameof(UnshareCases))]
    public void Unshare_Targets_RemovesOnlyWhatIsNoLongerNeeded(string name, KeyAudience remove, KeyAudience stillShared, string[] expected)
    {
        var shared = KeyPolicyBuilder.Share(DefaultPolicy, Region, KeyAudience.Of(principals: ["arn:aws:iam::222222222222:root", "arn:aws:iam::333333333333:root"])).PolicyJson;

        var change = KeyPolicyBuilder.Unshare(shared, Region, remove, stillShared);

        Assert.Equal(expected, KeyPolicyBuilder.Read(change.PolicyJson).AudienceIn(Region).Principals);
        Assert.Equal(KeyPolicyBuilder.Read(DefaultPolicy).ForeignStatements.ToArray(), KeyPolicyBuilder.Read(change.PolicyJson).ForeignStatements.ToArray());
        if (expected.Length == 0)
        {
            Assert.DoesNotContain("AmiShare", change.PolicyJson, StringComparison.Ordinal);
        }

        Assert.True(name.Length > 0);
    }

    [Fact]
    public void Share_TooLargeWithAllAccountsInKnownOrg_FoldsIntoOrgCondition()
    {
        var accounts = ManyAccounts(1200);
        var audience = KeyAudience.Of(principals: accounts.Select(a => Arns.AccountRoot(a)));

        var change = KeyPolicyBuilder.Share(DefaultPolicy, Region, audience, Organization([.. accounts]));

        Assert.True(change.Changed);
        Assert.False(change.IsRefused);
        Assert.Contains(change.Findings, f => f.Code == "KeyPolicyFoldedIntoOrganization" && f.Severity == FindingSeverity.Warning);
        Assert.True(KeyPolicyBuilder.ByteCount(change.PolicyJson) <= AwsLimits.KeyPolicyMaxBytes);
        var read = KeyPolicyBuilder.Read(change.PolicyJson).AudienceIn(Region);
        Assert.Empty(read.Principals);
        Assert.Equal([OrgId], read.OrganizationIds);
    }

    public static TheoryData<string, bool> RefusalCases => new()
    {
        { "org unknown", false },
        { "one account outside the org", true },
    };

    [Theory]
    [MemberData(nameof(RefusalCases))]
    public void Share_TooLargeWithoutFold_RefusesAndKeepsPolicy(string name, bool orgKnown)
    {
        var accounts = ManyAccounts(1200);
        var audience = KeyAudience.Of(principals: accounts.Select(a => Arns.AccountRoot(a)));
        var organization = orgKnown ? Organization([.. accounts.Skip(1)]) : null;

        var change = KeyPolicyBuilder.Share(DefaultPolicy, Region, audience, organization);

        Assert.True(change.IsRefused, name);
        Assert.False(change.Changed);
        Assert.Equal(DefaultPolicy, change.PolicyJson);
        Assert.Contains(change.Findings, f => f.Code == "KeyPolicyTooLarge" && f.Message.Contains("organization or OU", StringComparison.Ordinal));
    }

    [Fact]
    public void Share_UnreadablePolicy_RefusesWithFix()
    {
        var change = KeyPolicyBuilder.Share("{not json", Region, AccountA);

        Assert.True(change.IsRefused);
        Assert.Contains("put-key-policy", change.Findings[0].Message, StringComparison.Ordinal);
    }

    public static TheoryData<string, string> RegionTokens => new()
    {
        { "us-east-1", "UsEast1" },
        { "eu-west-1", "EuWest1" },
        { "ap-southeast-2", "ApSoutheast2" },
        { "us-gov-west-1", "UsGovWest1" },
    };

    [Theory]
    [MemberData(nameof(RegionTokens))]
    public void RegionToken_Region_RoundTrips(string region, string token)
    {
        Assert.Equal(token, KeyPolicyBuilder.RegionToken(region));
        Assert.Equal(region, KeyPolicyBuilder.RegionFromToken(token));
    }

    [Fact]
    public void Share_TwoRegions_KeepsSeparateStatementsPerRegion()
    {
        var first = KeyPolicyBuilder.Share(DefaultPolicy, "us-east-1", AccountA);
        var second = KeyPolicyBuilder.Share(first.PolicyJson, "eu-west-1", AccountA);

        var reading = KeyPolicyBuilder.Read(second.PolicyJson);
        Assert.Equal(["eu-west-1", "us-east-1"], reading.Audiences.Keys);
        Assert.Contains("ec2.eu-west-1.amazonaws.com", second.PolicyJson, StringComparison.Ordinal);
    }

    private static List<string> ManyAccounts(int count) =>
        [.. Enumerable.Range(0, count).Select(i => (500000000000L + i).ToString(CultureInfo.InvariantCulture))];

    private static string Compact(JsonElement element) =>
        System.Text.Json.Nodes.JsonNode.Parse(element.GetRawText())!.ToJsonString(new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
}
