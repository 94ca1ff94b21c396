using AmiShare.Cli.Infrastructure;
using AmiShare.Core.Execution;
using AmiShare.Ledger;

namespace AmiShare.Cli.Ledger;

/// <summary>--ledger (or AMISHARE_LEDGER) to an open ledger, with the one-line errors the CLI prints.</summary>
internal static class LedgerOpening
{
    public static LedgerLocation Locate(string? ledger)
    {
        try
        {
            return LedgerLocation.Parse(ledger, Environment.GetEnvironmentVariable);
        }
        catch (LedgerUnavailableException ex)
        {
            throw new CliException($"{ex.Message} {ex.Fix}");
        }
    }

    /// <summary>
    /// For commands that only read (ledger list, ledger show): a SQLite file that does not exist is refused rather
    /// than created, so a mistyped --ledger path says so instead of listing an empty ledger it just made.
    /// </summary>
    public static IShareLedger OpenExisting(string? ledger, TimeProvider time)
    {
        if (Locate(ledger) is SqliteLedgerLocation { Path: var path } && !File.Exists(path))
        {
            throw new CliException($"There is no ledger at {path}: no run has been journalled there. Check --ledger (or AMISHARE_LEDGER); without either, runs are journalled in {SqliteShareLedger.DefaultPath}.");
        }

        return Open(ledger, time);
    }

    public static IShareLedger Open(string? ledger, TimeProvider time)
    {
        var location = Locate(ledger);
        try
        {
            return location.Open(time);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or Microsoft.Data.Sqlite.SqliteException)
        {
            throw new CliException($"Cannot open the ledger ({location.Describe()}): {ex.Message}. Pass --ledger FILE (or set AMISHARE_LEDGER) to a writable path, or dynamodb://TABLE.");
        }
    }
}
