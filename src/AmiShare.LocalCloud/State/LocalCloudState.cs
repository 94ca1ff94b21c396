using System.Text.Json;
using System.Text.Json.Serialization;

namespace AmiShare.LocalCloud.State;

/// <summary>
/// All emulated cloud state: typed immutable records in memory, written through to SQLite as JSON rows and
/// loaded back at start. Writers are serialized and each <see cref="Write{T}"/> is all-or-nothing: if the callback
/// throws, neither memory nor the database changes. Readers take no lock: a commit publishes a new immutable
/// <see cref="StateSnapshot"/> in one reference write, and <see cref="Read{T}"/> works on whichever version is
/// current when it starts, so a slow write never holds up a read.
/// </summary>
/// <remarks>
/// SQLite work runs outside the write lock: a commit queues its rows on the <see cref="SqliteJournal"/>, publishes and
/// releases the lock. With a data file it then waits until the journal thread has written them, so concurrent
/// commits share one SQLite transaction and a returned Write is on disk; a reader may see a change a moment before
/// it is. The private in-memory database is never read back, so there a Write does not wait (its rows still follow).
/// If SQLite ever fails, the waiting Write and every later one throws (the memory state is kept, the file is behind).
/// </remarks>
public sealed class LocalCloudState : IDisposable
{
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
    };

    private readonly Lock writeGate = new();
    private readonly SqliteEntityStore store;
    private readonly SqliteJournal journal;
    private readonly List<IDisposable> companions = [];
    private readonly HashSet<string> detachedKinds = new(StringComparer.Ordinal);
    private StateSnapshot committed;

    private LocalCloudState(SqliteEntityStore store, string? dataFilePath)
    {
        this.store = store;
        DataFilePath = dataFilePath;
        committed = StateSnapshot.Load(store.LoadAll());
        journal = new SqliteJournal(store);
    }

    /// <summary>Opens the state: a private in-memory database when <paramref name="dataFilePath"/> is null, else that file.</summary>
    public static LocalCloudState Open(string? dataFilePath) => new(SqliteEntityStore.Open(dataFilePath), dataFilePath);

    /// <summary>The SQLite file, or null for the private in-memory database; services keeping bulk data beside the
    /// entity rows (EC2 block content) store it there.</summary>
    public string? DataFilePath { get; }

    /// <summary>The version readers see now; written only under the write lock, read without it.</summary>
    internal StateSnapshot Committed => Volatile.Read(ref committed);

    /// <summary>Ties a service's own store (e.g. a second SQLite connection) to this state's lifetime.</summary>
    public void DisposeWith(IDisposable companion)
    {
        ArgumentNullException.ThrowIfNull(companion);
        lock (writeGate)
        {
            companions.Add(companion);
        }
    }

    public T Read<T>(Func<IStateView, T> read)
    {
        ArgumentNullException.ThrowIfNull(read);
        return read(Committed);
    }

    public T Write<T>(Func<StateTransaction, T> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        T result;
        long ticket;
        lock (writeGate)
        {
            var transaction = new StateTransaction(this);
            result = write(transaction);
            ticket = Commit(transaction);
        }

        if (ticket > 0 && DataFilePath is not null)
        {
            journal.WaitFor(ticket);
        }

        return result;
    }

    public void Write(Action<StateTransaction> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        Write(transaction =>
        {
            write(transaction);
            return true;
        });
    }

    public void Dispose()
    {
        lock (writeGate)
        {
            // Companions first: one may still be writing rows through this state (the CloudTrail writer drains its queue).
            foreach (var companion in companions)
            {
                companion.Dispose();
            }

            companions.Clear();
        }

        journal.Dispose();
        store.Dispose();
    }

    /// <summary>Blocks until every change and appended row so far is in SQLite (a Write already waits for its own).</summary>
    internal void Flush() => journal.Flush();

    /// <summary>
    /// Takes a kind out of the in-memory tables and hands back its stored records in key order. For append-only
    /// kinds whose owner keeps its own in-memory index (CloudTrail events): they would only double the memory and
    /// make every commit of theirs a snapshot. From then on the owner persists them with <see cref="AppendDetached{T}"/>;
    /// reads of the kind see nothing and transactions may not write it.
    /// </summary>
    internal IReadOnlyList<T> Detach<T>(EntityKind<T> kind)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(kind);
        lock (writeGate)
        {
            var snapshot = committed;
            var records = snapshot.List(kind);
            detachedKinds.Add(kind.Name);
            Volatile.Write(ref committed, snapshot.Without(kind.Name));
            return records;
        }
    }

    /// <summary>
    /// Queues rows of a detached kind for SQLite without waiting and without touching the in-memory state; they are
    /// serialized and written on the journal thread, batched with whatever else is queued. Any thread may call it.
    /// Throws once SQLite has failed or the state is disposed.
    /// </summary>
    internal void AppendDetached<T>(EntityKind<T> kind, IEnumerable<(EntityKey Key, T Value)> rows)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(kind);
        ArgumentNullException.ThrowIfNull(rows);
        journal.AppendUnawaited([.. rows.Select(r => new JournalRow(kind.Name, r.Key, null, r.Value))]);
    }

    // Publishes the transaction's changes and queues them for SQLite; returns the journal ticket (0: nothing changed).
    private long Commit(StateTransaction transaction)
    {
        var changes = transaction.Changes.ToList();
        if (changes.Count == 0)
        {
            return 0;
        }

        foreach (var change in changes)
        {
            if (detachedKinds.Contains(change.Kind))
            {
                throw new InvalidOperationException($"Entity kind '{change.Kind}' is kept by its service and written with AppendDetached, not in a transaction.");
            }
        }

        // Serialized here, under the lock, so a record that cannot be stored fails its Write before anything changes.
        List<JournalRow> rows = [.. changes.Select(c => new JournalRow(c.Kind, c.Key, c.Value is null ? null : JsonSerializer.Serialize(c.Value, c.Value.GetType(), Json)))];
        var ticket = journal.Append(rows);
        // Built from the current version, not the one the transaction started from: a Write nested in this one's
        // callback (the lock is reentrant) has already published its changes and they must stay.
        Volatile.Write(ref committed, committed.With(changes));
        return ticket;
    }
}
