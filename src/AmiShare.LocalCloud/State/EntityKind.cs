namespace AmiShare.LocalCloud.State;

/// <summary>
/// Names a kind of stored entity and the record type it holds. Services declare their own kinds
/// (e.g. <c>new EntityKind&lt;Snapshot&gt;("ec2.snapshot")</c>) and need no schema change: every kind is stored
/// as JSON rows in the one <c>entities</c> table. The name is persisted, so never rename a shipped kind.
/// </summary>
public sealed class EntityKind<T>
    where T : class
{
    public EntityKind(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        Name = name;
    }

    public string Name { get; }

    public override string ToString() => Name;
}

/// <summary>
/// Where an entity lives: owning account, region (empty for global services such as IAM) and an id unique
/// within that account and region. Use <see cref="Global"/> for entities that belong to no account.
/// </summary>
public readonly record struct EntityKey(string AccountId, string Region, string Id) : IComparable<EntityKey>
{
    public const string NoAccount = "";

    public const string GlobalRegion = "";

    public static EntityKey Global(string id) => new(NoAccount, GlobalRegion, id);

    public static EntityKey InAccount(string accountId, string id) => new(accountId, GlobalRegion, id);

    public int CompareTo(EntityKey other)
    {
        var byAccount = string.CompareOrdinal(AccountId, other.AccountId);
        if (byAccount != 0)
        {
            return byAccount;
        }

        var byRegion = string.CompareOrdinal(Region, other.Region);
        return byRegion != 0 ? byRegion : string.CompareOrdinal(Id, other.Id);
    }

    public static bool operator <(EntityKey left, EntityKey right) => left.CompareTo(right) < 0;

    public static bool operator >(EntityKey left, EntityKey right) => left.CompareTo(right) > 0;

    public static bool operator <=(EntityKey left, EntityKey right) => left.CompareTo(right) <= 0;

    public static bool operator >=(EntityKey left, EntityKey right) => left.CompareTo(right) >= 0;
}
