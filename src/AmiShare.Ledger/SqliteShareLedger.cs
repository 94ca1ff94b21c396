using System.Globalization;
using AmiShare.Core.Execution;
using Microsoft.Data.Sqlite;

namespace AmiShare.Ledger;

/// <summary>
/// The ledger on disk (<c>~/.amishare/ledger.db</c> unless <c>--ledger</c> or AMISHARE_LEDGER says otherwise), for
/// runners on one machine. Each write is its own transaction, committed before the cloud call it describes returns
/// to the executor, so a kill at any point leaves at most the started-but-not-done steps of one group, which the next
/// run redoes idempotently. Leases live in the same file: every fenced write begins an IMMEDIATE transaction (SQLite's
/// file lock orders processes), checks each fence's (owner, fence) and only then writes.
/// </summary>
public sealed partial class SqliteShareLedger : IShareLedger, IDisposable
{
    private readonly SqliteConnection connection;
    private readonly TimeProvider time;
    private readonly SemaphoreSlim gate = new(1, 1);

    private SqliteShareLedger(SqliteConnection connection, TimeProvider time)
    {
        this.connection = connection;
        this.time = time;
    }

    public static string DefaultPath => Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".amishare", "ledger.db");

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
            // WAL keeps a concurrent reader (another amishare) from blocking; busy_timeout waits for concurrent
            // writers, long enough for several runners sharing the file.
            command.CommandText = """
                PRAGMA busy_timeout = 60000;
                PRAGMA journal_mode = WAL;
                CREATE TABLE IF NOT EXISTS runs (
                    id TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, command TEXT NOT NULL,
                    started TEXT NOT NULL, finished TEXT, succeeded INTEGER);
                CREATE INDEX IF NOT EXISTS runs_open ON runs (fingerprint, finished);
                CREATE TABLE IF NOT EXISTS steps (
                    run_id TEXT NOT NULL REFERENCES runs (id), step_key TEXT NOT NULL,
                    started TEXT NOT NULL, completed TEXT, outcome TEXT, result TEXT,
                    PRIMARY KEY (run_id, step_key));
                CREATE TABLE IF NOT EXISTS leases (
                    name TEXT PRIMARY KEY, owner TEXT NOT NULL, purpose TEXT NOT NULL,
                    fence INTEGER NOT NULL, expires_ms INTEGER NOT NULL);
                """ + ExpansionsSchema;
            command.ExecuteNonQuery();
        }

        return new SqliteShareLedger(connection, time);
    }

    public Task<LedgerRun?> FindUnfinishedAsync(string fingerprint, CancellationToken cancellationToken) =>
        InTransactionAsync<LedgerRun?>(
            async transaction => await OpenRunAsync(transaction, fingerprint, cancellationToken).ConfigureAwait(false) is { } id
                ? new LedgerRun(id, true, await StepsAsync(transaction, id, cancellationToken).ConfigureAwait(false))
                : null,
            cancellationToken);

    public Task<LedgerRun> BeginOrResumeAsync(string fingerprint, string command, CancellationToken cancellationToken) =>
        InTransactionAsync(
            async transaction =>
            {
                if (await OpenRunAsync(transaction, fingerprint, cancellationToken).ConfigureAwait(false) is { } open)
                {
                    return new LedgerRun(open, true, await StepsAsync(transaction, open, cancellationToken).ConfigureAwait(false));
                }

                var id = LedgerRunIds.New(time);
                await ExecuteAsync(transaction, "INSERT INTO runs (id, fingerprint, command, started) VALUES ($id, $f, $c, $t)", cancellationToken, ("$id", id), ("$f", fingerprint), ("$c", command), ("$t", Now())).ConfigureAwait(false);
                return new LedgerRun(id, false, new Dictionary<LedgerStepKey, LedgerStep>());
            },
            cancellationToken);

    public Task StepsStartedAsync(string runId, IReadOnlyList<LedgerStepKey> steps, IReadOnlyList<Lease> fences, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(steps);
        return FencedAsync(
            fences,
            transaction => InsertStartedAsync(transaction, runId, steps, cancellationToken),
            cancellationToken);
    }

    private async Task InsertStartedAsync(SqliteTransaction transaction, string runId, IReadOnlyList<LedgerStepKey> steps, CancellationToken cancellationToken)
    {
        var now = Now();
        foreach (var step in steps)
        {
            await ExecuteAsync(transaction, "INSERT INTO steps (run_id, step_key, started) VALUES ($r, $k, $t) ON CONFLICT (run_id, step_key) DO NOTHING", cancellationToken, ("$r", runId), ("$k", step.Encode()), ("$t", now)).ConfigureAwait(false);
        }
    }

    public Task StepsCompletedAsync(string runId, IReadOnlyList<LedgerStepCompletion> steps, IReadOnlyList<Lease> fences, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(steps);
        return FencedAsync(
            fences,
            async transaction =>
            {
                var now = Now();
                foreach (var step in steps)
                {
                    await ExecuteAsync(
                        transaction,
                        "INSERT INTO steps (run_id, step_key, started, completed, outcome, result) VALUES ($r, $k, $t, $t, $o, $res) ON CONFLICT (run_id, step_key) DO UPDATE SET completed = $t, outcome = $o, result = $res",
                        cancellationToken,
                        ("$r", runId),
                        ("$k", step.Key.Encode()),
                        ("$t", now),
                        ("$o", step.Outcome),
                        ("$res", step.Result)).ConfigureAwait(false);
                }
            },
            cancellationToken);
    }

    public Task FinishAsync(string runId, bool succeeded, IReadOnlyList<Lease> fences, CancellationToken cancellationToken) =>
        FencedAsync(
            fences,
            transaction => ExecuteAsync(transaction, "UPDATE runs SET finished = $t, succeeded = $s WHERE id = $r", cancellationToken, ("$r", runId), ("$t", Now()), ("$s", succeeded ? 1 : 0)),
            cancellationToken);

    public Task<LeaseAttempt> TryAcquireLeaseAsync(LeaseRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return InTransactionAsync(
            async transaction =>
            {
                var now = time.GetUtcNow();
                var current = await ReadLeaseAsync(transaction, request.Name, cancellationToken).ConfigureAwait(false);

                // Expiry is judged by the stored time, as on DynamoDB: a lease row is never deleted, so its fence only rises.
                // A released lease has no owner (''): free at once, and taking it is no takeover.
                if (current is { Owner.Length: > 0 } && current.Owner != request.Owner && !current.IsExpiredAt(now))
                {
                    return new LeaseAttempt(false, current);
                }

                var taken = new Lease(request.Name, request.Owner, request.Purpose, (current?.Fence ?? 0) + 1, now + request.Duration);
                await ExecuteAsync(
                    transaction,
                    "INSERT INTO leases (name, owner, purpose, fence, expires_ms) VALUES ($n, $o, $p, $f, $e) ON CONFLICT (name) DO UPDATE SET owner = $o, purpose = $p, fence = $f, expires_ms = $e",
                    cancellationToken,
                    ("$n", taken.Name),
                    ("$o", taken.Owner),
                    ("$p", taken.Purpose),
                    ("$f", taken.Fence),
                    ("$e", taken.Expires.ToUnixTimeMilliseconds())).ConfigureAwait(false);
                return new LeaseAttempt(true, taken, current is { Owner.Length: > 0 } && current.Owner != request.Owner ? current : null);
            },
            cancellationToken);
    }

    public Task<bool> RenewLeaseAsync(Lease lease, TimeSpan duration, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lease);
        return InTransactionAsync(
            async transaction => await ExecuteAsync(
                transaction,
                "UPDATE leases SET expires_ms = $e WHERE name = $n AND owner = $o AND fence = $f",
                cancellationToken,
                ("$n", lease.Name),
                ("$o", lease.Owner),
                ("$f", lease.Fence),
                ("$e", (time.GetUtcNow() + duration).ToUnixTimeMilliseconds())).ConfigureAwait(false) == 1,
            cancellationToken);
    }

    /// <summary>Expires the lease and clears its owner, so the next take is no takeover; the row (and so its fence) stays.</summary>
    public Task ReleaseLeaseAsync(Lease lease, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lease);
        return InTransactionAsync(
            transaction => ExecuteAsync(
                transaction,
                "UPDATE leases SET expires_ms = $e, owner = '' WHERE name = $n AND owner = $o AND fence = $f",
                cancellationToken,
                ("$n", lease.Name),
                ("$o", lease.Owner),
                ("$f", lease.Fence),
                ("$e", time.GetUtcNow().ToUnixTimeMilliseconds())),
            cancellationToken);
    }

    /// <summary>
    /// One IMMEDIATE transaction: the fences checked, the steps journalled, and each lease taken (its fence plus one)
    /// when every one is free or released; when one is held or expired under another owner, none is taken (null).
    /// </summary>
    public async Task<IReadOnlyList<Lease>?> StepsStartedTakingLeasesAsync(string runId, IReadOnlyList<LedgerStepKey> steps, IReadOnlyList<Lease> fences, IReadOnlyList<LeaseRequest> leases, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(steps);
        ArgumentNullException.ThrowIfNull(leases);
        IReadOnlyList<Lease>? taken = null;
        await FencedAsync(
            fences,
            async transaction =>
            {
                await InsertStartedAsync(transaction, runId, steps, cancellationToken).ConfigureAwait(false);
                var now = time.GetUtcNow();
                var current = new List<Lease?>();
                foreach (var request in leases)
                {
                    current.Add(await ReadLeaseAsync(transaction, request.Name, cancellationToken).ConfigureAwait(false));
                }

                if (leases.Count == 0 || leases.Select(l => l.Name).Distinct(StringComparer.Ordinal).Count() != leases.Count || current.Any(c => c is { Owner.Length: > 0 }))
                {
                    return;
                }

                var leasesTaken = leases.Select((r, i) => new Lease(r.Name, r.Owner, r.Purpose, (current[i]?.Fence ?? 0) + 1, now + r.Duration)).ToList();
                foreach (var lease in leasesTaken)
                {
                    await ExecuteAsync(
                        transaction,
                        "INSERT INTO leases (name, owner, purpose, fence, expires_ms) VALUES ($n, $o, $p, $f, $e) ON CONFLICT (name) DO UPDATE SET owner = $o, purpose = $p, fence = $f, expires_ms = $e",
                        cancellationToken,
                        ("$n", lease.Name),
                        ("$o", lease.Owner),
                        ("$p", lease.Purpose),
                        ("$f", lease.Fence),
                        ("$e", lease.Expires.ToUnixTimeMilliseconds())).ConfigureAwait(false);
                }

                taken = leasesTaken;
            },
            cancellationToken).ConfigureAwait(false);
        return taken;
    }

    public Task<IReadOnlyList<LedgerRunSummary>> ListRunsAsync(int limit, CancellationToken cancellationToken) =>
        InTransactionAsync<IReadOnlyList<LedgerRunSummary>>(
            transaction => SummariesAsync(transaction, "ORDER BY r.started DESC, r.id DESC LIMIT $limit", cancellationToken, ("$limit", limit)),
            cancellationToken);

    public Task<LedgerRunDetail?> GetRunAsync(string runId, CancellationToken cancellationToken) =>
        InTransactionAsync(
            async transaction =>
            {
                var summary = (await SummariesAsync(transaction, "WHERE r.id = $id", cancellationToken, ("$id", runId)).ConfigureAwait(false)).SingleOrDefault();
                return summary is null
                    ? null
                    : new LedgerRunDetail(summary, [.. (await StepsAsync(transaction, runId, cancellationToken).ConfigureAwait(false)).Values.OrderBy(s => s.Key.Encode(), StringComparer.Ordinal)]);
            },
            cancellationToken);

    public void Dispose()
    {
        connection.Dispose();
        gate.Dispose();
    }

    private async Task<IReadOnlyList<LedgerRunSummary>> SummariesAsync(SqliteTransaction transaction, string tail, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        using var command = Command(
            transaction,
            "SELECT r.id, r.fingerprint, r.command, r.started, r.finished, r.succeeded, " +
            "(SELECT count(*) FROM steps s WHERE s.run_id = r.id), (SELECT count(*) FROM steps s WHERE s.run_id = r.id AND s.completed IS NOT NULL) FROM runs r " + tail,
            parameters);
        var runs = new List<LedgerRunSummary>();
        using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            runs.Add(new LedgerRunSummary(
                reader.GetString(0),
                reader.GetString(1),
                reader.GetString(2),
                DateTimeOffset.Parse(reader.GetString(3), CultureInfo.InvariantCulture),
                reader.IsDBNull(4) ? null : DateTimeOffset.Parse(reader.GetString(4), CultureInfo.InvariantCulture),
                reader.IsDBNull(5) ? null : reader.GetInt32(5) != 0,
                reader.GetInt32(6),
                reader.GetInt32(7)));
        }

        return runs;
    }

    private async Task<string?> OpenRunAsync(SqliteTransaction transaction, string fingerprint, CancellationToken cancellationToken)
    {
        using var find = Command(transaction, "SELECT id FROM runs WHERE fingerprint = $f AND finished IS NULL ORDER BY started DESC LIMIT 1", ("$f", fingerprint));
        return (string?)await find.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<Lease?> ReadLeaseAsync(SqliteTransaction transaction, string name, CancellationToken cancellationToken)
    {
        using var read = Command(transaction, "SELECT owner, purpose, fence, expires_ms FROM leases WHERE name = $n", ("$n", name));
        using var reader = await read.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
            ? new Lease(name, reader.GetString(0), reader.GetString(1), reader.GetInt64(2), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(3)))
            : null;
    }

    private async Task<IReadOnlyDictionary<LedgerStepKey, LedgerStep>> StepsAsync(SqliteTransaction transaction, string runId, CancellationToken cancellationToken)
    {
        var steps = new Dictionary<LedgerStepKey, LedgerStep>();
        using var command = Command(transaction, "SELECT step_key, completed IS NOT NULL, outcome, result FROM steps WHERE run_id = $r", ("$r", runId));
        using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var key = LedgerStepKey.Parse(reader.GetString(0));
            steps[key] = new LedgerStep(key, reader.GetBoolean(1), reader.IsDBNull(2) ? null : reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3));
        }

        return steps;
    }

    /// <summary>Checks every fence inside the write's transaction: a stale holder's write is refused, never half-done.</summary>
    private Task FencedAsync(IReadOnlyList<Lease> fences, Func<SqliteTransaction, Task> write, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(fences);
        return InTransactionAsync(
            async transaction =>
            {
                foreach (var fence in fences)
                {
                    using var check = Command(transaction, "SELECT count(*) FROM leases WHERE name = $n AND owner = $o AND fence = $f", ("$n", fence.Name), ("$o", fence.Owner), ("$f", fence.Fence));
                    if (Convert.ToInt64(await check.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture) != 1)
                    {
                        throw new LeaseLostException(fence.Name);
                    }
                }

                await write(transaction).ConfigureAwait(false);
                return true;
            },
            cancellationToken);
    }

    /// <summary>
    /// One IMMEDIATE transaction (the write lock taken at BEGIN, so a read-then-write cannot interleave with another
    /// process's), behind the in-process gate because one connection serves every thread of this run.
    /// </summary>
    private async Task<T> InTransactionAsync<T>(Func<SqliteTransaction, Task<T>> work, CancellationToken cancellationToken)
    {
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using var transaction = connection.BeginTransaction(deferred: false);
            var result = await work(transaction).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return result;
        }
        finally
        {
            gate.Release();
        }
    }

    private Task InTransactionAsync(Func<SqliteTransaction, Task> work, CancellationToken cancellationToken) =>
        InTransactionAsync(
            async transaction =>
            {
                await work(transaction).ConfigureAwait(false);
                return true;
            },
            cancellationToken);

    private SqliteCommand Command(SqliteTransaction transaction, string sql, params (string Name, object? Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        return command;
    }

    private async Task<int> ExecuteAsync(SqliteTransaction transaction, string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        using var command = Command(transaction, sql, parameters);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private string Now() => time.GetUtcNow().ToString("O", CultureInfo.InvariantCulture);
}

/// <summary>Run ids sort by their start: a timestamp, then randomness.</summary>
internal static class LedgerRunIds
{
    public static string New(TimeProvider time) => $"{time.GetUtcNow():yyyyMMddTHHmmssfffZ}-{Guid.NewGuid():N}"[..40];
}
