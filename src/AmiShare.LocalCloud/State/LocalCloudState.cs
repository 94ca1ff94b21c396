using System.Text.Json;
using System.Text.Json.Serialization;

namespace AmiShare.LocalCloud.State;

/// <summary>
/// All emulated cloud state: typed immutable records in memory, written through to SQLite as JSON rows and
/// loaded back at start. One lock makes every <see cref="Write{T}"/> a single-writer, all-or-nothing
/// transaction: if the callback throws, neither memory nor the database changes.
/// </summary>
/// <remarks>
/// SQLite work runs synchronously under the lock on purpose: Microsoft.Data.Sqlite's async methods complete
/// synchronously anyway, and a lock cannot be held across an await.
/// </remarks>
public sealed class LocalCloudState : IDisposable
{
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
    };

    private readonly Lock gate = new();
    private readonly SqliteEntityStore store;
    private readonly Dictionary<string, SortedDictionary<EntityKey, object>> entities = new(StringComparer.Ordinal);
    private readonly List<IDisposable> companions = [];

    private LocalCloudState(SqliteEntityStore store, string? dataFilePath)
    {
        this.store = store;
        DataFilePath = dataFilePath;
        foreach (var row in store.LoadAll())
        {
            KindTable(row.Kind)[row.Key] = new StoredJson(row.Json);
        }
    }

    /// <summary>Opens the state: a private in-memory database when <paramref name="dataFilePath"/> is null, else that file.</summary>
    public static LocalCloudState Open(string? dataFilePath) => new(SqliteEntityStore.Open(dataFilePath), dataFilePath);

    /// <summary>The SQLite file, or null for the private in-memory database; services keeping bulk data beside the
    /// entity rows (EC2 block content) store it there.</summary>
    public string? DataFilePath { get; }

    /// <summary>Ties a service's own store (e.g. a second SQLite connection) to this state's lifetime.</summary>
    public void DisposeWith(IDisposable companion)
    {
        ArgumentNullException.ThrowIfNull(companion);
        lock (gate)
        {
            companions.Add(companion);
        }
    }

    public T Read<T>(Func<IStateView, T> read)
    {
        ArgumentNullException.ThrowIfNull(read);
        lock (gate)
        {
            return read(new StateTransaction(this));
        }
    }

    public T Write<T>(Func<StateTransaction, T> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        lock (gate)
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
        lock (gate)
        {
            foreach (var companion in companions)
            {
                companion.Dispose();
            }

            companions.Clear();
        }

        store.Dispose();
    }

    internal T? FindCommitted<T>(EntityKind<T> kind, EntityKey key)
        where T : class
    {
        var table = KindTable(kind.Name);
        return table.TryGetValue(key, out var value) ? Materialize(kind, table, key, value) : null;
    }

    internal IEnumerable<KeyValuePair<EntityKey, T>> ListCommitted<T>(EntityKind<T> kind)
        where T : class
    {
        var table = KindTable(kind.Name);
        foreach (var (key, value) in table.ToList())
        {
            yield return new KeyValuePair<EntityKey, T>(key, Materialize(kind, table, key, value));
        }
    }

    private void Commit(StateTransaction transaction)
    {
        var changes = transaction.Changes
            .Select(c => (c.Kind, c.Key, c.Value is null ? null : JsonSerializer.Serialize(c.Value, c.Value.GetType(), Json)))
            .ToList();
        store.Apply(changes);
        foreach (var change in transaction.Changes)
        {
            var table = KindTable(change.Kind);
            if (change.Value is null)
            {
                table.Remove(change.Key);
            }
            else
            {
                table[change.Key] = change.Value;
            }
        }
    }

    // Rows loaded from disk stay JSON until first asked for, because only the service that owns a kind
    // knows its record type.
    private static T Materialize<T>(EntityKind<T> kind, SortedDictionary<EntityKey, object> table, EntityKey key, object value)
        where T : class
    {
        switch (value)
        {
            case T typed:
                return typed;
            case StoredJson stored:
                var materialized = JsonSerializer.Deserialize<T>(stored.Json, Json)
                    ?? throw new InvalidOperationException($"Stored {kind.Name} '{key.Id}' is null.");
                table[key] = materialized;
                return materialized;
            default:
                throw new InvalidOperationException($"Entity kind '{kind.Name}' holds {value.GetType().Name}, not {typeof(T).Name}.");
        }
    }

    private SortedDictionary<EntityKey, object> KindTable(string kind)
    {
        if (!entities.TryGetValue(kind, out var table))
        {
            table = [];
            entities[kind] = table;
        }

        return table;
    }

    private sealed record StoredJson(string Json);
}
