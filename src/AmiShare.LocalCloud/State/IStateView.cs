namespace AmiShare.LocalCloud.State;

/// <summary>Read access to entities. Records handed out are immutable, so callers may keep them after the call.</summary>
public interface IStateView
{
    T? Find<T>(EntityKind<T> kind, EntityKey key)
        where T : class;

    /// <summary>Entities of a kind in key order, optionally only those of one account and/or region.</summary>
    IReadOnlyList<T> List<T>(EntityKind<T> kind, string? accountId = null, string? region = null)
        where T : class;
}
