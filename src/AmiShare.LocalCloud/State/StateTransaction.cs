namespace AmiShare.LocalCloud.State;

/// <summary>
/// The view handed to a <see cref="LocalCloudState.Write{T}"/> callback: reads see the committed state plus this
/// transaction's own pending changes; changes reach memory and SQLite together when the callback returns.
/// </summary>
public sealed class StateTransaction : IStateView
{
    private readonly LocalCloudState state;
    private readonly Dictionary<(string Kind, EntityKey Key), object?> pending = [];
    private readonly List<(string Kind, EntityKey Key)> order = [];

    internal StateTransaction(LocalCloudState state)
    {
        this.state = state;
    }

    internal IEnumerable<(string Kind, EntityKey Key, object? Value)> Changes =>
        order.Select(k => (k.Kind, k.Key, pending[k]));

    public T? Find<T>(EntityKind<T> kind, EntityKey key)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(kind);
        // The state's current version, read live: a Write nested in this one's callback commits before this one does.
        return pending.TryGetValue((kind.Name, key), out var value) ? (T?)value : state.Committed.Find(kind, key);
    }

    public IReadOnlyList<T> List<T>(EntityKind<T> kind, string? accountId = null, string? region = null)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(kind);
        var committed = state.Committed;
        if (!order.Exists(k => k.Kind == kind.Name))
        {
            return committed.List(kind, accountId, region);
        }

        var merged = new SortedDictionary<EntityKey, T>();
        foreach (var (key, value) in committed.Entries(kind))
        {
            merged[key] = value;
        }

        foreach (var ((name, key), value) in pending)
        {
            if (name != kind.Name)
            {
                continue;
            }

            if (value is null)
            {
                merged.Remove(key);
            }
            else
            {
                merged[key] = (T)value;
            }
        }

        return [.. merged
            .Where(p => (accountId is null || p.Key.AccountId == accountId) && (region is null || p.Key.Region == region))
            .Select(p => p.Value)];
    }

    public void Put<T>(EntityKind<T> kind, EntityKey key, T value)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(kind);
        ArgumentNullException.ThrowIfNull(value);
        Record(kind.Name, key, value);
    }

    /// <summary>Removes an entity; returns whether it existed.</summary>
    public bool Delete<T>(EntityKind<T> kind, EntityKey key)
        where T : class
    {
        var existed = Find(kind, key) is not null;
        if (existed)
        {
            Record(kind.Name, key, null);
        }

        return existed;
    }

    private void Record(string kind, EntityKey key, object? value)
    {
        if (!pending.ContainsKey((kind, key)))
        {
            order.Add((kind, key));
        }

        pending[(kind, key)] = value;
    }
}
