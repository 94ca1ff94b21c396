using System.Text.Json;
using AmiShare.Cli.Infrastructure;

namespace AmiShare.Cli.Tests;

public sealed class PolicyValidateCommandTests
{
    private static readonly string KeyPolicy = RepositoryPaths.Of("examples", "policy", "key-policy.json");

    [Fact]
    public void Validate_CleanKeyPolicy_SaysOkAndExitsZero()
    {
        var outcome = CliRunner.Run("policy", "validate", KeyPolicy, "--kind", "key");

        Assert.Equal(ExitCodes.Success, outcome.ExitCode);
        Assert.Contains("no findings for a key policy", outcome.Console, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_KeyPolicyCheckedAsIdentityPolicy_ReportsPrincipalErrorsAndExitsOne()
    {
        var outcome = CliRunner.Run("policy", "validate", KeyPolicy, "--kind", "identity", "--output", "json");

        Assert.Equal(ExitCodes.CheckFailed, outcome.ExitCode);
        using var json = JsonDocument.Parse(outcome.Out);
        Assert.False(json.RootElement.GetProperty("valid").GetBoolean());
        Assert.Contains(
            json.RootElement.GetProperty("findings").EnumerateArray(),
            f => f.GetProperty("code").GetString() == "UnsupportedPrincipal" && f.GetProperty("severity").GetString() == "Error");
    }

    [Fact]
    public void Validate_PublicKeyStatementFromStandardInput_WarnsButExitsZero()
    {
        const string policy = """{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "kms:Decrypt", "Resource": "*"}]}""";

        var outcome = CliRunner.RunWithInput(policy, "policy", "validate", "-", "--kind", "key");

        Assert.Equal(ExitCodes.Success, outcome.ExitCode);
        Assert.Contains("SECURITY WARNING PublicAccess", outcome.Console, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_TruncatedJson_ReportsSyntaxErrorWithoutStackTrace()
    {
        var outcome = CliRunner.RunWithInput("{\"Statement\": [", "policy", "validate", "-");

        Assert.Equal(ExitCodes.CheckFailed, outcome.ExitCode);
        Assert.Contains("JsonSyntax", outcome.Console, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", outcome.Console, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_UnknownKind_ExitsWithInvalidInput()
    {
        var outcome = CliRunner.Run("policy", "validate", KeyPolicy, "--kind", "bucket");

        Assert.Equal(ExitCodes.InvalidInput, outcome.ExitCode);
    }

    [Fact]
    public void Validate_Help_MatchesSnapshot()
    {
        var outcome = CliRunner.Run("policy", "validate", "--help");

        Assert.Equal(ExitCodes.Success, outcome.ExitCode);
        Snapshot.Matches("policy-validate-help.txt", outcome.Console);
    }
}
