using System.Text.Json;
using AmiShare.Cli.Infrastructure;

namespace AmiShare.Cli.Tests;

public sealed class PolicyEvalCommandTests
{
    private static readonly string Example = RepositoryPaths.Of("examples", "policy", "cross-account-kms.json");

    [Fact]
    public void Eval_ExampleFile_PrintsEachDecisionWithItsReason()
    {
        var outcome = CliRunner.Run("policy", "eval", "--input", Example);

        Assert.Equal(ExitCodes.Success, outcome.ExitCode);
        Assert.Contains("ALLOWED", outcome.Console, StringComparison.Ordinal);
        Assert.Contains("IMPLICIT DENY", outcome.Console, StringComparison.Ordinal);
        Assert.Contains("EXPLICIT DENY", outcome.Console, StringComparison.Ordinal);
        Assert.Contains("missing:    IdentityPolicy", outcome.Console, StringComparison.Ordinal);
        Assert.Contains("5 case(s): 2 allowed, 3 denied, 0 unreadable.", outcome.Console, StringComparison.Ordinal);
    }

    [Fact]
    public void Eval_JsonOutput_GivesOneResultPerCaseInOrder()
    {
        var outcome = CliRunner.Run("policy", "eval", "--input", Example, "--output", "json");

        Assert.Equal(ExitCodes.Success, outcome.ExitCode);
        using var json = JsonDocument.Parse(outcome.Out);
        var decisions = json.RootElement.EnumerateArray().Select(r => r.GetProperty("decision").GetString()!).ToArray();
        Assert.Equal(["Allowed", "ImplicitlyDenied", "ImplicitlyDenied", "ExplicitlyDenied", "Allowed"], decisions);
        var first = json.RootElement[0];
        Assert.Equal(
            ["identity[0]:UseSourceKey", "resource:AmiShareCrypto"],
            first.GetProperty("statements").EnumerateArray().Select(s => s.GetProperty("label").GetString()!).Order(StringComparer.Ordinal));
        Assert.Equal("KeyPolicy", json.RootElement[2].GetProperty("missing").GetString());
        Assert.Equal("boundary[0]", json.RootElement[3].GetProperty("statements")[0].GetProperty("policy").GetString());
    }

    [Theory]
    [InlineData("--input", "-")]
    [InlineData("-i", "-")]
    [InlineData("--input=-")]
    public void Eval_DashInput_ReadsStandardInput(params string[] inputArgs)
    {
        const string oneCase = """
            {"request": {"principal": "arn:aws:iam::111111111111:user/alice", "action": "s3:GetObject", "resource": "arn:aws:s3:::b/k"},
             "identityPolicies": [{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:Get*", "Resource": "*"}}]}
            """;

        var outcome = CliRunner.RunWithInput(oneCase, ["policy", "eval", .. inputArgs, "-o", "json"]);

        Assert.Equal(ExitCodes.Success, outcome.ExitCode);
        Assert.Equal("Allowed", JsonDocument.Parse(outcome.Out).RootElement[0].GetProperty("decision").GetString());
    }

    [Fact]
    public void Eval_MissingFile_ExitsWithInvalidInputAndSaysTheFix()
    {
        var outcome = CliRunner.Run("policy", "eval", "--input", "/no/such/cases.json");

        Assert.Equal(ExitCodes.InvalidInput, outcome.ExitCode);
        Assert.Contains("No file at '/no/such/cases.json'", outcome.Console, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", outcome.Console, StringComparison.Ordinal);
    }

    [Fact]
    public void Eval_CaseWithTypoedMember_ReportsItAndExitsWithInvalidInput()
    {
        const string typo = """{"request": {"principal": "arn:aws:iam::111111111111:root", "action": "s3:GetObject", "resource": "*"}, "identityPolicy": []}""";

        var outcome = CliRunner.RunWithInput(typo, "policy", "eval", "--input", "-", "--output", "json");

        Assert.Equal(ExitCodes.InvalidInput, outcome.ExitCode);
        var result = JsonDocument.Parse(outcome.Out).RootElement[0];
        Assert.Equal("Error", result.GetProperty("decision").GetString());
        Assert.Equal("UnknownMember", result.GetProperty("findings")[0].GetProperty("code").GetString());
    }

    [Fact]
    public void Eval_NotJson_ExitsWithInvalidInput()
    {
        var outcome = CliRunner.RunWithInput("{ this is not json", "policy", "eval", "--input", "-");

        Assert.Equal(ExitCodes.InvalidInput, outcome.ExitCode);
        Assert.Contains("not valid JSON", outcome.Console, StringComparison.Ordinal);
    }

    [Fact]
    public void Eval_WithoutInput_ExitsWithInvalidInputAndNamesTheOption()
    {
        var outcome = CliRunner.Run("policy", "eval");

        Assert.Equal(ExitCodes.InvalidInput, outcome.ExitCode);
        Assert.Contains("--input is required", outcome.Console, StringComparison.Ordinal);
    }

    [Fact]
    public void Eval_UnknownOption_ExitsWithInvalidInputAndPointsAtHelp()
    {
        var outcome = CliRunner.Run("policy", "eval", "--inptu", "x.json");

        Assert.Equal(ExitCodes.InvalidInput, outcome.ExitCode);
        Assert.Contains("--help", outcome.Console, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("local-serve-help.txt", "local", "serve", "--help")]
    [InlineData("root-help.txt", "--help")]
    [InlineData("share-help.txt", "share", "--help")]
    [InlineData("unshare-help.txt", "unshare", "--help")]
    [InlineData("retire-help.txt", "retire", "--help")]
    [InlineData("verify-help.txt", "verify", "--help")]
    [InlineData("adopt-help.txt", "adopt", "--help")]
    [InlineData("demo-help.txt", "demo", "--help")]
    [InlineData("doctor-help.txt", "doctor", "--help")]
    [InlineData("audit-help.txt", "audit", "--help")]
    [InlineData("ledger-init-help.txt", "ledger", "init", "--help")]
    [InlineData("ledger-list-help.txt", "ledger", "list", "--help")]
    [InlineData("ledger-show-help.txt", "ledger", "show", "--help")]
    public void Help_Command_MatchesSnapshot(string snapshot, params string[] args)
    {
        var outcome = CliRunner.Run(args);

        Assert.Equal(ExitCodes.Success, outcome.ExitCode);
        Snapshot.Matches(snapshot, outcome.Console);
    }

    [Fact]
    public void Eval_Help_MatchesSnapshot()
    {
        var outcome = CliRunner.Run("policy", "eval", "--help");

        Assert.Equal(ExitCodes.Success, outcome.ExitCode);
        Snapshot.Matches("policy-eval-help.txt", outcome.Console);
    }

    [Theory]
    [InlineData(new[] { "--input", "-" }, new[] { "--input=-" })]
    [InlineData(new[] { "validate", "-" }, new[] { "validate", CliIO.StandardInputArgument })]
    [InlineData(new[] { "--input=-", "-" }, new[] { "--input=-", CliIO.StandardInputArgument })]
    [InlineData(new[] { "--input", "file.json" }, new[] { "--input", "file.json" })]
    public void JoinStandardInputValues_LoneDash_BecomesAValueSpectreAccepts(string[] args, string[] expected) =>
        Assert.Equal(expected, CliApp.JoinStandardInputValues(args));
}
