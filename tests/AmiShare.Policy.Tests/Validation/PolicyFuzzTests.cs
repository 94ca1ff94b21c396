using System.Collections.Immutable;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using AmiShare.Policy.Parsing;
using AmiShare.Policy.Validation;
using CsCheck;

namespace AmiShare.Policy.Tests.Validation;

/// <summary>
/// The parser and validator read text from users and from other accounts' key policies, so no input may
/// make them throw, hang or stay silent about being broken. Iterations are bounded to keep each test
/// within a few seconds on a two-core machine.
/// </summary>
public sealed class PolicyFuzzTests
{
    private static readonly string[] Tokens =
    [
        "{", "}", "[", "]", ",", ":", " ", "\n", "\"", "\\", "null", "true", "false", "0", "-1.5e308", "1e999",
        "\"Version\"", "\"2012-10-17\"", "\"2008-10-17\"", "\"Id\"", "\"Statement\"", "\"Sid\"", "\"Effect\"",
        "\"Allow\"", "\"Deny\"", "\"Principal\"", "\"NotPrincipal\"", "\"AWS\"", "\"Service\"", "\"*\"",
        "\"Action\"", "\"NotAction\"", "\"kms:*\"", "\"kms:CreateGrant\"", "\"Resource\"", "\"NotResource\"",
        "\"arn:aws:iam::111122223333:root\"", "\"arn:aws:iam::*:root\"", "\"arn:\"", "\"Condition\"",
        "\"StringEquals\"", "\"ForAllValues:StringLike\"", "\"NullIfExists\"", "\"Bool\"", "\"IpAddress\"",
        "\"DateLessThan\"", "\"NumericEquals\"", "\"BinaryEquals\"", "\"aws:SourceIp\"", "\"aws:TagKeys\"",
        "\"kms:ViaService\"", "\"${aws:username}\"", "\"${\"", "\"\\u0000\"", "\"\\ud800\"", "\"💥\"",
    ];

    private static readonly Gen<string> TokenSoup = Gen.OneOf(Tokens).Array[0, 80].Select(string.Concat);

    /// <summary>Policies that are valid JSON with the right shape but random, often wrong, contents.</summary>
    private static readonly Gen<string> ShapedPolicy =
        Gen.Select(
            Gen.OneOf("\"2012-10-17\"", "\"2008-10-17\"", "\"1\"", "7", "null"),
            Gen.Select(
                Gen.OneOf("\"Allow\"", "\"Deny\"", "\"allow\"", "1"),
                Gen.OneOf("\"*\"", "{\"AWS\":\"*\"}", "{\"AWS\":[\"111122223333\",\"arn:aws:iam::*:root\"]}", "{\"Service\":\"ec2\"}", "{}", "[]"),
                Gen.OneOf("\"kms:*\"", "[\"kms:CreateGrant\",\"KMS:Decrypt\"]", "\"kms-x\"", "\"*\"", "[]", "[1]"),
                Gen.OneOf("\"*\"", "\"arn:aws:s3:::b/${aws:username}\"", "\"bucket\"", "[]"),
                Gen.OneOf(
                    "{}",
                    "{\"StringEquals\":{\"aws:PrincipalOrgID\":\"o-1\"}}",
                    "{\"ForAllValues:StringEquals\":{\"aws:PrincipalOrgID\":[\"o-1\",2,true]}}",
                    "{\"NullIfExists\":{\"aws:TagKeys\":\"maybe\"}}",
                    "{\"IpAddress\":{\"aws:SourceIp\":\"300.1.1.1/99\"}}",
                    "{\"DateLessThan\":{\"aws:CurrentTime\":\"99999999999999999999\"}}",
                    "{\"BinaryEquals\":{\"k\":\"\"}}",
                    "{\"Nope\":{\"k\":\"v\"}}",
                    "{\"StringEquals\":[]}",
                    "{\"Bool\":{\"aws:SecureTransport\":{\"nested\":1}}}"),
                Gen.OneOf("Principal", "NotPrincipal", "Sid"),
                (effect, principal, action, resource, condition, principalName) =>
                    $"{{\"Sid\":\"S 1\",\"Effect\":{effect},\"{principalName}\":{principal},\"Action\":{action},\"Resource\":{resource},\"Condition\":{condition}}}")
                .Array[0, 6],
            (version, statements) => $"{{\"Version\":{version},\"Statement\":[{string.Join(",", statements)}]}}");

    [Fact]
    public void ParseAndValidate_RandomStrings_NeverThrowAndReportInvalidJson() =>
        Gen.String[0, 300].Sample(AssertHandled, iter: 3_000);

    [Fact]
    public void ParseAndValidate_RandomBytesAsText_NeverThrowAndReportInvalidJson() =>
        Gen.Byte.Array[0, 400].Sample(
            bytes =>
            {
                AssertHandled(Encoding.UTF8.GetString(bytes));
                AssertHandled(Encoding.Latin1.GetString(bytes));
            },
            iter: 1_000);

    [Fact]
    public void ParseAndValidate_JsonTokenSoup_NeverThrowAndReportInvalidJson() =>
        TokenSoup.Sample(AssertHandled, iter: 5_000);

    [Fact]
    public void ParseAndValidate_WellShapedRandomPolicies_NeverThrowOrFault() =>
        ShapedPolicy.Sample(AssertHandled, iter: 1_500);

    [Fact]
    public void ParseAndValidate_SingleCharacterMutationsOfARealPolicy_NeverThrow()
    {
        var policy = PolicyValidatorTests.RealisticKeyPolicy;
        Gen.Select(Gen.Int[0, policy.Length - 1], Gen.Char, Gen.Int[0, 2])
            .Sample(
                mutation =>
                {
                    var (at, c, how) = mutation;
                    var mutated = how switch
                    {
                        0 => policy.Remove(at, 1),
                        1 => policy.Insert(at, c.ToString()),
                        _ => string.Concat(policy.AsSpan(0, at), c.ToString(), policy.AsSpan(at + 1)),
                    };
                    AssertHandled(mutated);
                },
                iter: 1_000);
    }

    [Fact]
    public void ParseAndValidate_EveryTruncationOfAValidPolicy_ReportsAnError()
    {
        var policy = PolicyValidatorTests.RealisticKeyPolicy.TrimEnd();
        for (var length = 0; length < policy.Length; length++)
        {
            var truncated = policy[..length];

            Assert.True(PolicyParser.Parse(truncated).HasErrors, $"A policy cut at {length} characters parsed without errors.");
            var findings = Validate(truncated, PolicyKind.Key);
            Assert.Contains(findings, f => f.Severity == Severity.Error);
        }
    }

    [Theory]
    [InlineData("[", 10_000, "")]
    [InlineData("[", 10_000, "]")]
    [InlineData("{\"a\":", 10_000, "}")]
    [InlineData("{\"Statement\":[", 10_000, "]}")]
    [InlineData("{\"Version\":\"2012-10-17\",\"Statement\":{\"Condition\":{\"StringEquals\":{\"k\":[", 10_000, "]}}}}")]
    public void ParseAndValidate_DeepNesting_ReportsErrorWithoutStackOverflow(string open, int depth, string close)
    {
        var text = new StringBuilder()
            .Insert(0, open, depth)
            .Append(new StringBuilder().Insert(0, close, close.Length == 0 ? 0 : depth))
            .ToString();

        var findings = Validate(text, PolicyKind.Key);

        Assert.Contains(findings, f => f.Severity == Severity.Error);
    }

    [Fact]
    public void ParseAndValidate_TwoMegabyteInput_IsRefusedQuickly()
    {
        var huge = "{\"Version\":\"2012-10-17\",\"Statement\":[" + new string(' ', 2 * 1024 * 1024) + "]}";
        var clock = Stopwatch.StartNew();

        var findings = Validate(huge, PolicyKind.Key);

        Assert.Contains(findings, f => f.Code == "PolicyTooLarge" && f.Severity == Severity.Error);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"Refusing 2 MB took {clock.Elapsed}.");
    }

    [Fact]
    public void ParseAndValidate_LargestAcceptedInputOfManyStatements_FinishesQuickly()
    {
        // Just under the parser's limit, packed with statements that trip many rules at once.
        var statement = "{\"Sid\":\"Dup\",\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":[\"kms:*\",\"bad action\"],\"Resource\":\"bucket\",\"Condition\":{\"ForAllValues:StringEquals\":{\"aws:SourceIp\":\"1.2.3.*\"},\"Nope\":{\"k\":\"v\"}}}";
        var count = (PolicyParser.MaxInputCharacters - 100) / (statement.Length + 1);
        var json = "{\"Version\":\"2012-10-17\",\"Statement\":[" + string.Join(",", Enumerable.Repeat(statement, count)) + "]}";
        var clock = Stopwatch.StartNew();

        var findings = Validate(json, PolicyKind.Key);

        Assert.Contains(findings, f => f.Code == "KeyPolicyTooLarge");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"Validating {count} statements took {clock.Elapsed}.");
    }

    /// <summary>
    /// Both entry points finish without throwing for every kind; findings are well formed; no rule faulted;
    /// and text that System.Text.Json itself rejects always yields at least one error.
    /// </summary>
    private static void AssertHandled(string text)
    {
        var parsed = PolicyParser.Parse(text);
        if (!IsJson(text))
        {
            Assert.True(parsed.HasErrors, "Invalid JSON parsed without an error.");
        }

        foreach (var kind in Enum.GetValues<PolicyKind>())
        {
            var findings = Validate(text, kind);
            if (!IsJson(text))
            {
                Assert.Contains(findings, f => f.Severity == Severity.Error);
            }

            if (parsed.Document is { } document)
            {
                PolicyValidatorTests.AssertWellFormed(PolicyValidator.Validate(document, kind));
            }
        }
    }

    private static ImmutableArray<Finding> Validate(string text, PolicyKind kind)
    {
        var findings = PolicyValidator.Validate(text, kind);
        PolicyValidatorTests.AssertWellFormed(findings);
        return findings;
    }

    /// <summary>An independent oracle: what the BCL considers JSON, with IAM's own depth cap.</summary>
    private static bool IsJson(string text)
    {
        try
        {
            using var _ = JsonDocument.Parse(text, new JsonDocumentOptions { MaxDepth = PolicyParser.MaxDepth });
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
