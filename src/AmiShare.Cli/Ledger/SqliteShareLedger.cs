using System.Globalization;
using AmiShare.Core.Execution;
using Microsoft.Data.Sqlite;

namespace AmiShare.Cli.Ledger;

/// <summary>
/// The ledger on disk (<c>~/.amishare/ledger.db</c> unless <c>--ledger</c> or AMISHARE_LEDGER says otherwise). Each
/// write is its own transaction, committed before the cloud call it describes returns to the executor, so a kill
/// at any point leaves at most one step marked started-but-not-done, which the next run redoes idempotently.
/// </summary>
public sealed class SqliteShareLedger : IShareLedger, IDisposable
{
    private readonly SqliteConnection connection;
    private readonly TimeProvider time;
    private readonly SemaphoreSlim gate = new(1, 1);

    private SqliteShareLedger(SqliteConnection connection, TimeProvider time)
    {
        this.connection = connection;
        this.time = time;
    }

    public static string DefaultPath =>
        Environment.GetEnvironmentVariable("AMISHARE_LEDGER") is { Length: > 0 } path
            ? path
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".amishare", "ledger.db");

    public static SqliteShareLedger Open(string path, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (Path.GetDirectoryName(Path.GetFullPath(path)) is { } directory)
        {
            Directory.CreateDirectory(directory);
        }

        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        using (var command = connection.CreateCommand())
        {
            // WAL keeps a concurrent reader (another amishare) from blocking; busy_timeout waits for a concurrent writer.
            command.CommandText = """
                PRAGMA journal_mode = WAL;
                PRAGMA busy_timeout = 5000;
                CREATE TABLE IF NOT EXISTS runs (
                    id TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, command TEXT NOT NULL,
                    started TEXT NOT NULL, finished TEXT, succeeded INTEGER);
                CREATE INDEX IF NOT EXISTS runs_open ON runs (fingerprint, finished);
                CREATE TABLE IF NOT EXISTS steps (
                    run_id TEXT NOT NULL REFERENCES runs (id), step_key TEXT NOT NULL,
                    started TEXT NOT NULL, completed TEXT, outcome TEXT, result TEXT,
                    PRIMARY KEY (run_id, step_key));
                """;
            command.ExecuteNonQuery();
        }

        return new SqliteShareLedger(connection, time);
    }

    /// <summary>The newest unfinished run with this fingerprint, without beginning one.</summary>
    public async Task<LedgerRun?> FindUnfinishedAsync(string fingerprint, CancellationToken cancellationToken)
    {
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using var find = connection.CreateCommand();
            find.CommandText = "SELECT id FROM runs WHERE fingerprint = $f AND finished IS NULL ORDER BY started DESC LIMIT 1";
            find.Parameters.AddWithValue("$f", fingerprint);
            return await find.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is string id
                ? new LedgerRun(id, true, await StepsAsync(id, cancellationToken).ConfigureAwait(false))
                : null;
        }
        finally
        {
            gate.Release();
        }
    }

    public async Task<LedgerRun> BeginOrResumeAsync(string fingerprint, string command, CancellationToken cancellationToken)
    {
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            string? open = null;
            using (var find = connection.CreateCommand())
            {
                find.CommandText = "SELECT id FROM runs WHERE fingerprint = $f AND finished IS NULL ORDER BY started DESC LIMIT 1";
                find.Parameters.AddWithValue("$f", fingerprint);
                open = (string?)await find.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
            }

            if (open is not null)
            {
                return new LedgerRun(open, true, await StepsAsync(open, cancellationToken).ConfigureAwait(false));
            }

            var id = $"{time.GetUtcNow():yyyyMMddTHHmmssfffZ}-{Guid.NewGuid():N}"[..40];
            using var insert = connection.CreateCommand();
            insert.CommandText = "INSERT INTO runs (id, fingerprint, command, started) VALUES ($id, $f, $c, $t)";
            insert.Parameters.AddWithValue("$id", id);
            insert.Parameters.AddWithValue("$f", fingerprint);
            insert.Parameters.AddWithValue("$c", command);
            insert.Parameters.AddWithValue("$t", Now());
            await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return new LedgerRun(id, false, new Dictionary<string, LedgerStep>());
        }
        finally
        {
            gate.Release();
        }
    }

    public Task StepStartedAsync(string runId, string stepKey, CancellationToken cancellationToken) =>
        ExecuteAsync(
            "INSERT INTO steps (run_id, step_key, started) VALUES ($r, $k, $t) ON CONFLICT (run_id, step_key) DO NOTHING",
            cancellationToken,
            ("$r", runId),
            ("$k", stepKey),
            ("$t", Now()));

    public Task StepCompletedAsync(string runId, string stepKey, string outcome, string? result, CancellationToken cancellationToken) =>
        ExecuteAsync(
            "UPDATE steps SET completed = $t, outcome = $o, result = $res WHERE run_id = $r AND step_key = $k",
            cancellationToken,
            ("$r", runId),
            ("$k", stepKey),
            ("$t", Now()),
            ("$o", outcome),
            ("$res", result));

    public Task FinishAsync(string runId, bool succeeded, CancellationToken cancellationToken) =>
        ExecuteAsync("UPDATE runs SET finished = $t, succeeded = $s WHERE id = $r", cancellationToken, ("$r", runId), ("$t", Now()), ("$s", succeeded ? 1 : 0));

    public void Dispose()
    {
        connection.Dispose();
        gate.Dispose();
    }

    private async Task<IReadOnlyDictionary<string, LedgerStep>> StepsAsync(string runId, CancellationToken cancellationToken)
    {
        var steps = new Dictionary<string, LedgerStep>(StringComparer.Ordinal);
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT step_key, completed IS NOT NULL, outcome, result FROM steps WHERE run_id = $r";
        command.Parameters.AddWithValue("$r", runId);
        using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var key = reader.GetString(0);
            steps[key] = new LedgerStep(key, reader.GetBoolean(1), reader.IsDBNull(2) ? null : reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3));
        }

        return steps;
    }

    private async Task ExecuteAsync(string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using var command = connection.CreateCommand();
            command.CommandText = sql;
            foreach (var (name, value) in parameters)
            {
                command.Parameters.AddWithValue(name, value ?? DBNull.Value);
            }

            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            gate.Release();
        }
    }

    private string Now() => time.GetUtcNow().ToString("O", CultureInfo.InvariantCulture);
}
