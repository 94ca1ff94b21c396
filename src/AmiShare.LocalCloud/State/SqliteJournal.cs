using System.Collections.Concurrent;
using System.Text.Json;

namespace AmiShare.LocalCloud.State;

/// <summary>
/// The one path from memory to SQLite: rows are queued and a dedicated thread writes whatever has accumulated in
/// one SQLite transaction (group commit). Under load one transaction carries many requests' rows, and nobody holds
/// the state's write lock while SQLite works. A state commit can wait for its own rows (<see cref="WaitFor"/>);
/// appends of detached kinds (CloudTrail events) never wait. <see cref="Flush"/> and <see cref="Dispose"/> return
/// once everything queued before them is written, so a clean shutdown loses nothing.
/// </summary>
/// <remarks>
/// Appending takes no lock (every request appends its CloudTrail events): a lock-free queue, and the writer is woken
/// only when it has gone idle. Commits are queued under the state's write lock, so queue order is ticket order and
/// "ticket N written" means every earlier ticket is too. The writer is a dedicated thread rather than a pool task:
/// request threads block in <see cref="WaitFor"/>, and the thread that releases them must not queue behind them.
/// </remarks>
internal sealed class SqliteJournal : IDisposable
{
    private readonly SqliteEntityStore store;
    private readonly ConcurrentQueue<Entry> queue = new();

    // Monitor the idle writer sleeps on. Not a SemaphoreSlim: that spins before it sleeps, and on two cores the
    // spinning took CPU from the requests that would have given it work.
    private readonly object wake = new();
    private readonly Thread writer;

    // Monitor: ticket waiters sleep on it and the writer pulses it after each batch.
    private readonly object written = new();
    private long tickets;
    private long writtenTicket;
    private long failedTicket = long.MaxValue;
    private Exception? failure;
    private int idle;
    private int closing;

    public SqliteJournal(SqliteEntityStore store)
    {
        this.store = store;
        writer = new Thread(Run) { IsBackground = true, Name = "LocalCloud SQLite journal" };
        writer.Start();
    }

    /// <summary>
    /// Queues rows that are written after everything queued before; returns the ticket to <see cref="WaitFor"/>.
    /// Callers that want tickets in order must append under one lock (the state's write lock does).
    /// </summary>
    public long Append(IReadOnlyList<JournalRow> rows)
    {
        ThrowIfUnusable();
        var ticket = Interlocked.Increment(ref tickets);
        Enqueue(new Entry(rows, ticket, null));
        return ticket;
    }

    /// <summary>Queues rows without a ticket (nobody waits for them).</summary>
    public void AppendUnawaited(IReadOnlyList<JournalRow> rows)
    {
        ThrowIfUnusable();
        Enqueue(new Entry(rows, 0, null));
    }

    /// <summary>Blocks until the rows of <paramref name="ticket"/> (and all before them) are in SQLite.</summary>
    public void WaitFor(long ticket)
    {
        lock (written)
        {
            while (Volatile.Read(ref writtenTicket) < ticket && failure is null)
            {
                Monitor.Wait(written);
            }

            if (failure is not null && ticket >= failedTicket)
            {
                throw Unusable();
            }
        }
    }

    /// <summary>Blocks until everything queued before the call is in SQLite (or the write failed: then throws).</summary>
    public void Flush()
    {
        if (Volatile.Read(ref closing) != 0)
        {
            writer.Join();
        }
        else
        {
            using var done = new ManualResetEventSlim();
            Enqueue(new Entry([], 0, done));
            done.Wait();
        }

        ThrowIfFailed();
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref closing, 1) != 0)
        {
            writer.Join();
            return;
        }

        Wake();
        writer.Join();
    }

    private void Enqueue(Entry entry)
    {
        queue.Enqueue(entry);
        if (Interlocked.CompareExchange(ref idle, 0, 1) == 1)
        {
            Wake();
        }
    }

    private void Wake()
    {
        lock (wake)
        {
            Monitor.Pulse(wake);
        }
    }

    private void Run()
    {
        var batch = new List<JournalRow>();
        var barriers = new List<ManualResetEventSlim>();
        while (true)
        {
            long maxTicket = 0, firstTicket = 0;
            while (queue.TryDequeue(out var entry))
            {
                batch.AddRange(entry.Rows);
                if (entry.Ticket > 0)
                {
                    firstTicket = firstTicket == 0 ? entry.Ticket : firstTicket;
                    maxTicket = entry.Ticket;
                }

                if (entry.Barrier is { } barrier)
                {
                    // Everything before the barrier is in this batch; release it once the batch is written.
                    barriers.Add(barrier);
                    break;
                }
            }

            if (batch.Count == 0 && barriers.Count == 0)
            {
                if (Volatile.Read(ref closing) != 0 && queue.IsEmpty)
                {
                    return;
                }

                // Go idle, then look again under the monitor: an entry queued before the flag was set would otherwise
                // wake nobody, and a Pulse cannot slip in between the look and the Wait.
                lock (wake)
                {
                    // A full fence (not a plain store): the look at the queue must not move before the flag is set.
                    Interlocked.Exchange(ref idle, 1);
                    if (queue.IsEmpty && Volatile.Read(ref closing) == 0)
                    {
                        Monitor.Wait(wake);
                    }

                    Volatile.Write(ref idle, 0);
                }

                continue;
            }

            Write(batch, firstTicket, maxTicket);
            batch.Clear();
            foreach (var barrier in barriers)
            {
                barrier.Set();
            }

            barriers.Clear();
        }
    }

    private void Write(List<JournalRow> batch, long firstTicket, long maxTicket)
    {
        Exception? error = null;
        if (batch.Count > 0 && Volatile.Read(ref failure) is null)
        {
            try
            {
                store.Apply([.. batch.Select(r => (r.Kind, r.Key, r.Json ?? (r.Value is null ? null : JsonSerializer.Serialize(r.Value, r.Value.GetType(), LocalCloudState.Json))))]);
            }
#pragma warning disable CA1031 // The thread must go on releasing waiters: the failure is kept and thrown to them and to later writers.
            catch (Exception caught)
#pragma warning restore CA1031
            {
                error = caught;
            }
        }

        lock (written)
        {
            if (error is not null && failure is null)
            {
                failure = error;
                // A batch without tickets (events only) fails every later ticket; one with tickets, its own first.
                failedTicket = firstTicket > 0 ? firstTicket : Volatile.Read(ref writtenTicket) + 1;
            }

            if (maxTicket > 0)
            {
                Volatile.Write(ref writtenTicket, maxTicket);
            }

            Monitor.PulseAll(written);
        }
    }

    private void ThrowIfUnusable()
    {
        ThrowIfFailed();
        ObjectDisposedException.ThrowIf(Volatile.Read(ref closing) != 0, this);
    }

    private void ThrowIfFailed()
    {
        if (Volatile.Read(ref failure) is not null)
        {
            throw Unusable();
        }
    }

    private InvalidOperationException Unusable() =>
        new("LocalCloud could not save its state to SQLite; the data file misses the changes since. Restart the cloud.", failure);

    /// <summary>Rows queued together; a ticket (0: none) to report written, or a flush barrier to release.</summary>
    private sealed record Entry(IReadOnlyList<JournalRow> Rows, long Ticket, ManualResetEventSlim? Barrier);
}

/// <summary>
/// One row on its way to SQLite: its JSON, or (for a detached kind) the record to serialize on the journal thread;
/// both null deletes the row.
/// </summary>
internal readonly record struct JournalRow(string Kind, EntityKey Key, string? Json, object? Value = null);
