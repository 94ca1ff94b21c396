using System.Collections.Immutable;
using System.Text.Json;
using AmiShare.Policy.Catalogue;

namespace AmiShare.Core.Audit;

/// <summary>An external account's successful use of one key in the window.</summary>
/// <param name="Calls">How many KMS calls it made on the key.</param>
/// <param name="Operations">The KMS operations seen, e.g. Decrypt, CreateGrant.</param>
/// <param name="InvokedBy">Services that called on its behalf (ec2.amazonaws.com for launches), when any.</param>
public sealed record KeyUseEvidence(string KeyArn, string Account, int Calls, DateTimeOffset FirstUsed, DateTimeOffset LastUsed, ImmutableArray<string> Operations, ImmutableArray<string> InvokedBy);

/// <summary>Another account copying a snapshot (<c>SharedSnapshotCopyInitiated</c>) or making volumes from it (<c>SharedSnapshotVolumeCreated</c>).</summary>
public sealed record SnapshotUseEvidence(string SnapshotId, string Account, string EventName, int Count, DateTimeOffset Last);

/// <summary>A change of an image's launch permission or a snapshot's createVolumePermission.</summary>
/// <param name="Who">The caller ARN that made it.</param>
/// <param name="Added">Entries added: account ids, <c>all</c>, organization or OU ARNs.</param>
public sealed record ShareChangeEvidence(string Resource, string EventName, DateTimeOffset Time, string? Who, ImmutableArray<string> Added, ImmutableArray<string> Removed);

/// <summary>What CloudTrail shows for one account in the window.</summary>
public sealed record AuditEvidence(ImmutableArray<KeyUseEvidence> KeyUse, ImmutableArray<SnapshotUseEvidence> SnapshotUse, ImmutableArray<ShareChangeEvidence> ShareChanges)
{
    public static AuditEvidence Empty { get; } = new([], [], []);
}

/// <summary>
/// Aggregates an account's CloudTrail events into evidence (docs/aws-facts.md §7): a KMS call on the account's key by
/// another account is in the key owner's history with <c>userIdentity.accountId</c> the caller; share changes are
/// ModifyImageAttribute / ModifySnapshotAttribute with the entries in <c>requestParameters</c>.
/// </summary>
public static class TrailEvidence
{
    public const string SnapshotCopied = "SharedSnapshotCopyInitiated";
    public const string SnapshotVolumeCreated = "SharedSnapshotVolumeCreated";

    public static AuditEvidence Collect(AccountInventory inventory)
    {
        ArgumentNullException.ThrowIfNull(inventory);
        var events = inventory.EventsOrEmpty;
        if (events.IsEmpty)
        {
            return AuditEvidence.Empty;
        }

        // An event can be read twice when two regions or pages overlap; its id decides.
        var unique = events.GroupBy(e => e.EventId.Length > 0 ? e.EventId : $"{e.EventName}@{e.Time:O}", StringComparer.Ordinal).Select(g => g.First()).ToList();
        return new AuditEvidence(KeyUse(inventory, unique), SnapshotUse(inventory, unique), ShareChanges(unique));
    }

    private static ImmutableArray<KeyUseEvidence> KeyUse(AccountInventory inventory, List<TrailEvent> events)
    {
        var keys = inventory.Keys.Select(k => k.Arn).ToHashSet(StringComparer.Ordinal);
        var uses = from e in events
                   where e.EventSource == AwsServicePrincipals.Kms && e.ErrorCode is null
                         && e.UserAccount is { Length: > 0 } && e.UserAccount != inventory.AccountId
                   from r in e.ResourcesOrEmpty
                   where keys.Contains(r.Name)
                   group e by (Key: r.Name, Account: e.UserAccount!) into g
                   select new KeyUseEvidence(
                       g.Key.Key,
                       g.Key.Account,
                       g.Count(),
                       g.Min(e => e.Time),
                       g.Max(e => e.Time),
                       [.. g.Select(e => e.EventName).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)],
                       [.. g.Select(e => e.InvokedBy).OfType<string>().Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)]);
        return [.. uses.OrderBy(u => u.KeyArn, StringComparer.Ordinal).ThenByDescending(u => u.LastUsed)];
    }

    private static ImmutableArray<SnapshotUseEvidence> SnapshotUse(AccountInventory inventory, List<TrailEvent> events)
    {
        var uses = from e in events
                   where (e.EventName == SnapshotCopied || e.EventName == SnapshotVolumeCreated)
                         && e.UserAccount is { Length: > 0 } && e.UserAccount != inventory.AccountId
                   let snapshot = SnapshotOf(e)
                   where snapshot is not null
                   group e by (Snapshot: snapshot!, Account: e.UserAccount!, e.EventName) into g
                   select new SnapshotUseEvidence(g.Key.Snapshot, g.Key.Account, g.Key.EventName, g.Count(), g.Max(e => e.Time));
        return [.. uses.OrderBy(u => u.SnapshotId, StringComparer.Ordinal).ThenByDescending(u => u.Last)];
    }

    private static ImmutableArray<ShareChangeEvidence> ShareChanges(List<TrailEvent> events)
    {
        var changes = new List<ShareChangeEvidence>();
        foreach (var e in events.Where(e => e.ErrorCode is null && e.EventName is "ModifyImageAttribute" or "ModifySnapshotAttribute"))
        {
            var (resource, added, removed) = ReadChange(e);
            if (resource is not null && (added.Length > 0 || removed.Length > 0))
            {
                changes.Add(new ShareChangeEvidence(resource, e.EventName, e.Time, e.UserArn ?? e.UserAccount, added, removed));
            }
        }

        return [.. changes.OrderByDescending(c => c.Time).ThenBy(c => c.Resource, StringComparer.Ordinal)];
    }

    private static string? SnapshotOf(TrailEvent e)
    {
        if (e.ServiceEventDetailsJson is { } details)
        {
            try
            {
                using var document = JsonDocument.Parse(details);
                if (document.RootElement.TryGetProperty("snapshotId", out var id) && id.ValueKind == JsonValueKind.String)
                {
                    return id.GetString();
                }
            }
            catch (JsonException)
            {
                // Fall back to the resources.
            }
        }

        return e.ResourcesOrEmpty.Select(r => r.Name).FirstOrDefault(n => n.Contains(":snapshot/", StringComparison.Ordinal)) is { } arn
            ? arn[(arn.LastIndexOf('/') + 1)..]
            : null;
    }

    /// <summary>
    /// <c>{"imageId": …, "launchPermission": {"add": {"items": [{"userId": …}]}, "remove": …}}</c>, or
    /// <c>snapshotId</c> with <c>createVolumePermission</c>; items carry userId, group, organizationArn or organizationalUnitArn.
    /// </summary>
    internal static (string? Resource, ImmutableArray<string> Added, ImmutableArray<string> Removed) ReadChange(TrailEvent e)
    {
        if (e.RequestParametersJson is not { } json)
        {
            return (null, [], []);
        }

        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            var image = e.EventName == "ModifyImageAttribute";
            var resource = root.TryGetProperty(image ? "imageId" : "snapshotId", out var id) && id.ValueKind == JsonValueKind.String ? id.GetString() : null;
            if (!root.TryGetProperty(image ? "launchPermission" : "createVolumePermission", out var permission) || permission.ValueKind != JsonValueKind.Object)
            {
                return (resource, [], []);
            }

            return (resource, Entries(permission, "add"), Entries(permission, "remove"));
        }
        catch (JsonException)
        {
            return (null, [], []);
        }
    }

    private static ImmutableArray<string> Entries(JsonElement permission, string direction)
    {
        if (!permission.TryGetProperty(direction, out var list))
        {
            return [];
        }

        var items = list.ValueKind == JsonValueKind.Object && list.TryGetProperty("items", out var inner) ? inner : list;
        if (items.ValueKind != JsonValueKind.Array)
        {
            return [];
        }

        var entries = ImmutableArray.CreateBuilder<string>();
        foreach (var item in items.EnumerateArray().Where(i => i.ValueKind == JsonValueKind.Object))
        {
            foreach (var name in (ReadOnlySpan<string>)["userId", "group", "organizationArn", "organizationalUnitArn"])
            {
                if (item.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String)
                {
                    entries.Add(value.GetString()!);
                }
            }
        }

        return entries.ToImmutable();
    }
}
