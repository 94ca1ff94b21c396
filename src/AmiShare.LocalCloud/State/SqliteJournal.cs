using System.Text.Json;

namespace AmiShare.LocalCloud.State;

/// <summary>
/// The one path from memory to SQLite: rows are queued in commit order and a dedicated thread writes whatever has
/// accumulated in one SQLite transaction (group commit). Under load one transaction carries many requests' rows,
/// and nobody holds the state's write lock while SQLite works. A state commit waits for its own rows
/// (<see cref="WaitFor"/>), so a returned <see cref="LocalCloudState.Write{T}"/> is on disk as before; appends of
/// detached kinds (CloudTrail events) do not wait at all. <see cref="Dispose"/> writes everything queued first.
/// </summary>
/// <remarks>
/// A dedicated thread rather than a pool task: request threads block in <see cref="WaitFor"/>, and the thread that
/// releases them must not queue behind them on a two-core machine's thread pool.
/// </remarks>
internal sealed class SqliteJournal : IDisposable
{
    // Monitor rather than Lock: writers wait on it for their rows, the writer thread for work.
    private readonly object gate = new();
    private readonly SqliteEntityStore store;
    private readonly Thread writer;
    private List<JournalRow> queued = [];
    private long appended;
    private long written;
    private long failedFrom = long.MaxValue;
    private Exception? failure;
    private bool closing;

    public SqliteJournal(SqliteEntityStore store)
    {
        this.store = store;
        writer = new Thread(Run) { IsBackground = true, Name = "LocalCloud SQLite journal" };
        writer.Start();
    }

    /// <summary>Queues rows (written in this order, after every earlier append); returns the ticket to wait for.</summary>
    public long Append(IEnumerable<JournalRow> rows)
    {
        lock (gate)
        {
            ThrowIfUnusable();
            queued.AddRange(rows);
            appended++;
            Monitor.PulseAll(gate);
            return appended;
        }
    }

    /// <summary>Blocks until the rows of <paramref name="ticket"/> (and all before them) are in SQLite.</summary>
    public void WaitFor(long ticket)
    {
        lock (gate)
        {
            while (written < ticket && failure is null)
            {
                Monitor.Wait(gate);
            }

            if (failure is not null && ticket >= failedFrom)
            {
                throw Unusable();
            }
        }
    }

    /// <summary>Blocks until everything appended so far is in SQLite.</summary>
    public void Flush()
    {
        long ticket;
        lock (gate)
        {
            ticket = appended;
        }

        WaitFor(ticket);
    }

    public void Dispose()
    {
        lock (gate)
        {
            if (closing)
            {
                return;
            }

            closing = true;
            Monitor.PulseAll(gate);
        }

        writer.Join();
    }

    private void Run()
    {
        while (true)
        {
            List<JournalRow> batch;
            long upTo, from;
            lock (gate)
            {
                while (queued.Count == 0 && !closing)
                {
                    Monitor.Wait(gate);
                }

                if (queued.Count == 0)
                {
                    return;
                }

                (batch, queued) = (queued, []);
                from = written + 1;
                upTo = appended;
            }

            Exception? error = null;
            try
            {
                if (Volatile.Read(ref failure) is null)
                {
                    store.Apply([.. batch.Select(r => (r.Kind, r.Key, r.Json ?? (r.Value is null ? null : JsonSerializer.Serialize(r.Value, r.Value.GetType(), LocalCloudState.Json))))]);
                }
            }
#pragma warning disable CA1031 // The thread must go on releasing waiters: the failure is kept and thrown to them and to later writers.
            catch (Exception caught)
#pragma warning restore CA1031
            {
                error = caught;
            }

            lock (gate)
            {
                if (error is not null && failure is null)
                {
                    failure = error;
                    failedFrom = from;
                }

                written = upTo;
                Monitor.PulseAll(gate);
            }
        }
    }

    private void ThrowIfUnusable()
    {
        if (failure is not null)
        {
            throw Unusable();
        }

        ObjectDisposedException.ThrowIf(closing, this);
    }

    private InvalidOperationException Unusable() =>
        new("LocalCloud could not save its state to SQLite; the data file misses the changes since. Restart the cloud.", failure);
}

/// <summary>
/// One row on its way to SQLite: its JSON, or (for a detached kind) the record to serialize on the journal thread;
/// both null deletes the row.
/// </summary>
internal readonly record struct JournalRow(string Kind, EntityKey Key, string? Json, object? Value = null);
