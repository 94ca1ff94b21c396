using AmiShare.Cli.Infrastructure;
using Spectre.Console;

namespace AmiShare.Cli.Tests;

/// <summary><c>local serve</c> refusals, which happen before anything listens, run in-process.</summary>
public sealed class LocalServeCommandTests
{
    [Fact]
    public void Serve_SeedWithEmptyAndSharedKeyIds_OneLineErrorExitTwo()
    {
        var seed = Path.Combine(Path.GetTempPath(), $"amishare-seed-{Guid.NewGuid():N}.json");
        File.WriteAllText(seed, """
            { "regions": ["us-east-1"],
              "accounts": [ { "id": "111111111111", "name": "a", "rootAccessKeyId": "", "rootSecretAccessKey": "s" },
                            { "id": "222222222222", "name": "b", "rootAccessKeyId": "test", "rootSecretAccessKey": "test" },
                            { "id": "333333333333", "name": "c", "rootAccessKeyId": "test", "rootSecretAccessKey": "test" } ] }
            """);
        try
        {
            var (exitCode, console) = RunUnwrapped("local", "serve", "--port", "0", "--seed", seed);

            Assert.Equal(ExitCodes.InvalidInput, exitCode);
            var message = console.Replace("\r\n", "\n", StringComparison.Ordinal).Trim();
            Assert.DoesNotContain('\n', message);
            Assert.StartsWith($"error: The seed is not valid: {seed}: accounts:", message, StringComparison.Ordinal);
            Assert.Contains("rootAccessKeyId is empty", message, StringComparison.Ordinal);
            Assert.Contains("rootAccessKeyId 'test' is used by accounts '222222222222' and '333333333333'", message, StringComparison.Ordinal);
            Assert.EndsWith("or leave out --seed for the default cloud.", message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(seed);
        }
    }

    [Theory]
    [InlineData("12345", "is not a 12-digit account id")]
    [InlineData("999999999999", "'999999999999' for unknown access keys is not in this LocalCloud")]
    public void Serve_AcceptUnknownKeysBadAccount_OneLineErrorExitTwo(string account, string expected)
    {
        var outcome = CliRunner.Run("local", "serve", "--port", "0", "--accept-unknown-keys", account);

        Assert.Equal(ExitCodes.InvalidInput, outcome.ExitCode);
        Assert.Contains(expected, outcome.Console, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{ \"rules\": [ { \"service\": \"ec2\", \"throttleRate\": 2 } ] }", "rules[0].throttleRate 2 must be between 0 and 1")]
    [InlineData("{ \"seed\": 1, \"throttle\": 0.2 }", "not a fault plan: unknown property 'throttle' at $.throttle (line 1). Fix it")]
    [InlineData("{ \"rules\": [ { \"bogus\": 1 } ] }", "not a fault plan: unknown property 'bogus' at $.rules[0].bogus (line 1). Fix it")]
    [InlineData("not json", "not a fault plan: 'not json' is an invalid JSON literal. Expected the literal 'null' at $ (line 1). Fix it")]
    public void Serve_BadFaultsFile_OneLineErrorExitTwo(string plan, string expected)
    {
        var faults = Path.Combine(Path.GetTempPath(), $"amishare-faults-{Guid.NewGuid():N}.json");
        File.WriteAllText(faults, plan);
        try
        {
            var (exitCode, console) = RunUnwrapped("local", "serve", "--port", "0", "--faults", faults);

            Assert.Equal(ExitCodes.InvalidInput, exitCode);
            var message = console.Replace("\r\n", "\n", StringComparison.Ordinal).Trim();
            Assert.DoesNotContain('\n', message);
            Assert.StartsWith($"error: The faults file '{faults}' is not valid: ", message, StringComparison.Ordinal);
            Assert.Contains(expected, message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(faults);
        }
    }

    [Fact]
    public void Serve_MissingFaultsFile_OneLineErrorExitTwo()
    {
        var outcome = CliRunner.Run("local", "serve", "--port", "0", "--faults", "/no/such/faults.json");

        Assert.Equal(ExitCodes.InvalidInput, outcome.ExitCode);
        Assert.Contains("No faults file at '/no/such/faults.json'", outcome.Console, StringComparison.Ordinal);
    }

    /// <summary>Like <see cref="CliRunner"/>, but on a console wide enough that no line is wrapped.</summary>
    private static (int ExitCode, string Console) RunUnwrapped(params string[] args)
    {
        var text = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(text),
        });
        console.Profile.Width = 10_000;
        var exitCode = CliApp.Run(args, console, new CliIO(new StringReader(string.Empty), new StringWriter()), null);
        return (exitCode, text.ToString());
    }
}
