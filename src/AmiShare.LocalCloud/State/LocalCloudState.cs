using System.Text.Json;
using System.Text.Json.Serialization;

namespace AmiShare.LocalCloud.State;

/// <summary>
/// All emulated cloud state: typed immutable records in memory, written through to SQLite as JSON rows and
/// loaded back at start. Writers are serialized and each <see cref="Write{T}"/> is all-or-nothing: if the callback
/// throws, neither memory nor the database changes. Readers take no lock: a commit publishes a new immutable
/// <see cref="StateSnapshot"/> in one reference write, and <see cref="Read{T}"/> works on whichever version is
/// current when it starts, so a slow write (SQLite included) never holds up a read.
/// </summary>
/// <remarks>
/// SQLite work runs synchronously under the write lock on purpose: Microsoft.Data.Sqlite's async methods complete
/// synchronously anyway, and a lock cannot be held across an await.
/// </remarks>
public sealed class LocalCloudState : IDisposable
{
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
    };

    private readonly Lock writeGate = new();
    private readonly SqliteEntityStore store;
    private readonly List<IDisposable> companions = [];
    private readonly HashSet<string> detachedKinds = new(StringComparer.Ordinal);
    private StateSnapshot committed;

    private LocalCloudState(SqliteEntityStore store, string? dataFilePath)
    {
        this.store = store;
        DataFilePath = dataFilePath;
        committed = StateSnapshot.Load(store.LoadAll());
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
        lock (writeGate)
        {
            var transaction = new StateTransaction(this);
            var result = write(transaction);
            Commit(transaction);
            return result;
        }
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

        store.Dispose();
    }

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
    /// Writes rows of a detached kind to SQLite in one transaction, without touching the in-memory state; safe to call
    /// from any thread, concurrently with <see cref="Write{T}"/>.
    /// </summary>
    internal void AppendDetached<T>(EntityKind<T> kind, IReadOnlyList<(EntityKey Key, T Value)> rows)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(kind);
        ArgumentNullException.ThrowIfNull(rows);
        // Serialized before the connection is taken, so a state commit waits only for the inserts.
        var changes = rows.Select(r => (kind.Name, r.Key, (string?)JsonSerializer.Serialize(r.Value, Json))).ToList();
        store.Apply(changes);
    }

    private void Commit(StateTransaction transaction)
    {
        var changes = transaction.Changes.ToList();
        if (changes.Count == 0)
        {
            return;
        }

        foreach (var change in changes)
        {
            if (detachedKinds.Contains(change.Kind))
            {
                throw new InvalidOperationException($"Entity kind '{change.Kind}' is kept by its service and written with AppendDetached, not in a transaction.");
            }
        }

        store.Apply([.. changes.Select(c => (c.Kind, c.Key, c.Value is null ? null : JsonSerializer.Serialize(c.Value, c.Value.GetType(), Json)))]);
        // Built from the current version, not the one the transaction started from: a Write nested in this one's
        // callback (the lock is reentrant) has already published its changes and they must stay.
        Volatile.Write(ref committed, committed.With(changes));
    }
}
