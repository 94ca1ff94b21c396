using System.Collections.Immutable;
using System.Text.Json;

namespace AmiShare.LocalCloud.State;

/// <summary>
/// One committed version of every entity table. Immutable: a commit builds the next snapshot (sharing every
/// untouched table and tree node) and publishes it with one reference write, so readers take no lock and each
/// read sees one consistent version of the whole state.
/// </summary>
internal sealed class StateSnapshot : IStateView
{
    private static readonly ImmutableSortedDictionary<EntityKey, object> EmptyTable =
        ImmutableSortedDictionary.Create<EntityKey, object>(EntityKeyOrder.Instance);

    private readonly ImmutableDictionary<string, ImmutableSortedDictionary<EntityKey, object>> tables;

    private StateSnapshot(ImmutableDictionary<string, ImmutableSortedDictionary<EntityKey, object>> tables)
    {
        this.tables = tables;
    }

    public static StateSnapshot Empty { get; } =
        new(ImmutableDictionary.Create<string, ImmutableSortedDictionary<EntityKey, object>>(StringComparer.Ordinal));

    /// <summary>Rows as loaded from SQLite: their JSON is parsed the first time the owning service reads them.</summary>
    public static StateSnapshot Load(IEnumerable<EntityRow> rows)
    {
        var builders = new Dictionary<string, ImmutableSortedDictionary<EntityKey, object>.Builder>(StringComparer.Ordinal);
        foreach (var row in rows)
        {
            if (!builders.TryGetValue(row.Kind, out var builder))
            {
                builder = EmptyTable.ToBuilder();
                builders[row.Kind] = builder;
            }

            builder[row.Key] = new StoredJson(row.Json);
        }

        return new(Empty.tables.SetItems(builders.Select(b => KeyValuePair.Create(b.Key, b.Value.ToImmutable()))));
    }

    public T? Find<T>(EntityKind<T> kind, EntityKey key)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(kind);
        return tables.TryGetValue(kind.Name, out var table) && table.TryGetValue(key, out var value) ? Materialize(kind, key, value) : null;
    }

    public IReadOnlyList<T> List<T>(EntityKind<T> kind, string? accountId = null, string? region = null)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(kind);
        if (!tables.TryGetValue(kind.Name, out var table) || table.IsEmpty)
        {
            return [];
        }

        var list = new List<T>();
        foreach (var (key, value) in table)
        {
            if ((accountId is null || key.AccountId == accountId) && (region is null || key.Region == region))
            {
                list.Add(Materialize(kind, key, value));
            }
        }

        return list;
    }

    /// <summary>Every entity of a kind in key order, typed.</summary>
    public IEnumerable<KeyValuePair<EntityKey, T>> Entries<T>(EntityKind<T> kind)
        where T : class
    {
        if (!tables.TryGetValue(kind.Name, out var table))
        {
            yield break;
        }

        foreach (var (key, value) in table)
        {
            yield return KeyValuePair.Create(key, Materialize(kind, key, value));
        }
    }

    /// <summary>The next version: this one with a transaction's changes (a null value deletes).</summary>
    public StateSnapshot With(IEnumerable<(string Kind, EntityKey Key, object? Value)> changes)
    {
        var builders = new Dictionary<string, ImmutableSortedDictionary<EntityKey, object>.Builder>(StringComparer.Ordinal);
        foreach (var (kind, key, value) in changes)
        {
            if (!builders.TryGetValue(kind, out var builder))
            {
                builder = (tables.TryGetValue(kind, out var table) ? table : EmptyTable).ToBuilder();
                builders[kind] = builder;
            }

            if (value is null)
            {
                builder.Remove(key);
            }
            else
            {
                builder[key] = value;
            }
        }

        return builders.Count == 0 ? this : new(tables.SetItems(builders.Select(b => KeyValuePair.Create(b.Key, b.Value.ToImmutable()))));
    }

    /// <summary>The next version without a kind's table.</summary>
    public StateSnapshot Without(string kind) => new(tables.Remove(kind));

    // Rows loaded from disk stay JSON until first asked for, because only the service that owns a kind knows its
    // record type. The parsed record is cached in the row itself, so each loaded row is parsed once; records
    // written since the start are kept as the objects the writer gave and never parsed at all.
    private static T Materialize<T>(EntityKind<T> kind, EntityKey key, object value)
        where T : class => value switch
        {
            T typed => typed,
            StoredJson stored => stored.As(kind, key),
            _ => throw new InvalidOperationException($"Entity kind '{kind.Name}' holds {value.GetType().Name}, not {typeof(T).Name}."),
        };

    /// <summary>A loaded row and, once read, its record.</summary>
    private sealed class StoredJson(string json)
    {
        private object? record;

        public T As<T>(EntityKind<T> kind, EntityKey key)
            where T : class
        {
            if (Volatile.Read(ref record) is { } cached)
            {
                return cached as T
                    ?? throw new InvalidOperationException($"Entity kind '{kind.Name}' holds {cached.GetType().Name}, not {typeof(T).Name}.");
            }

            var parsed = JsonSerializer.Deserialize<T>(json, LocalCloudState.Json)
                ?? throw new InvalidOperationException($"Stored {kind.Name} '{key.Id}' is null.");
            // Two readers may parse the same row at once; both then return the first one's record, so a row has one identity.
            return (T)(Interlocked.CompareExchange(ref record, parsed, null) ?? parsed);
        }
    }

    /// <summary>Key order (account, region, id; ordinal) without going through <see cref="IComparable{T}"/> dispatch.</summary>
    private sealed class EntityKeyOrder : IComparer<EntityKey>
    {
        public static EntityKeyOrder Instance { get; } = new();

        public int Compare(EntityKey x, EntityKey y) => x.CompareTo(y);
    }
}
