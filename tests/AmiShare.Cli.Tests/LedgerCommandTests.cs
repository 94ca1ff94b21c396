using AmiShare.Cli.Infrastructure;

namespace AmiShare.Cli.Tests;

public sealed class LedgerCommandTests : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("amishare-ledger-cli-").FullName;

    [Theory]
    [InlineData("list")]
    [InlineData("show", "20261205-000000-abcdef")]
    public void LedgerRead_MissingSqliteFile_OneLineErrorExitTwoAndNoFileMade(params string[] command)
    {
        var path = Path.Combine(directory, "typo.db");
        CliRunner.Width.Value = 400; // one line, as a terminal that does not wrap would show it

        var outcome = CliRunner.Run(["ledger", .. command, "--ledger", path]);

        Assert.Equal(ExitCodes.InvalidInput, outcome.ExitCode);
        var message = outcome.Console.Replace("\r\n", "\n", StringComparison.Ordinal).Trim();
        Assert.Equal($"error: There is no ledger at {path}: no run has been journalled there. Check --ledger (or AMISHARE_LEDGER); without either, runs are journalled in {AmiShare.Ledger.SqliteShareLedger.DefaultPath}.", message);
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void LedgerList_AfterInit_ListsNoRuns()
    {
        var path = Path.Combine(directory, "ledger.db");

        var init = CliRunner.Run("ledger", "init", "--ledger", path);
        var list = CliRunner.Run("ledger", "list", "--ledger", path, "--output", "json");

        Assert.Equal(ExitCodes.Success, init.ExitCode);
        Assert.True(File.Exists(path));
        Assert.Equal(ExitCodes.Success, list.ExitCode);
        Assert.Equal("""{"runs":[]}""", list.Out.Trim().Replace(" ", string.Empty, StringComparison.Ordinal).ReplaceLineEndings(string.Empty));
    }

    public void Dispose() => Directory.Delete(directory, recursive: true);
}
