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
