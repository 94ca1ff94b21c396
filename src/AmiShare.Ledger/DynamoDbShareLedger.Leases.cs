using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using AmiShare.Core.Execution;

namespace AmiShare.Ledger;

/// <summary>The DynamoDB ledger's leases: take, renew, release, and the fence items of a run's transactions.</summary>
public sealed partial class DynamoDbShareLedger
{
    public async Task<LeaseAttempt> TryAcquireLeaseAsync(LeaseRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);

        // A read that finds the lease expired can race another taker: ask again a few times before reporting the holder.
        for (var attempt = 0; ; attempt++)
        {
            var now = time.GetUtcNow();
            var expires = now + request.Duration;
            try
            {
                var response = await CallAsync(
                    () => client.UpdateItemAsync(
                        new UpdateItemRequest
                        {
                            TableName = table,
                            Key = Key("LEASE#" + request.Name, LeaseSort),
                            UpdateExpression = "SET #kind = :kind, #owner = :owner, #purpose = :purpose, #expires = :expires, #ttl = :ttl ADD #fence :one",
                            ConditionExpression = "attribute_not_exists(pk) OR attribute_not_exists(#owner) OR #expires <= :now OR #owner = :owner",
                            ExpressionAttributeNames = new() { ["#kind"] = "kind", ["#owner"] = "owner", ["#purpose"] = "purpose", ["#expires"] = "expires", ["#ttl"] = "ttl", ["#fence"] = "fence" },
                            ExpressionAttributeValues = new()
                            {
                                [":kind"] = S("lease"),
                                [":owner"] = S(request.Owner),
                                [":purpose"] = S(request.Purpose),
                                [":expires"] = N(expires.ToUnixTimeMilliseconds()),
                                [":ttl"] = N((expires + LeaseRetention).ToUnixTimeSeconds()),
                                [":one"] = N(1),
                                [":now"] = N(now.ToUnixTimeMilliseconds()),
                            },
                            ReturnValues = ReturnValue.ALL_OLD,
                        },
                        cancellationToken),
                    cancellationToken).ConfigureAwait(false);
                var previous = response.Attributes is { Count: > 0 } old ? ToLease(request.Name, old) : null;
                var fence = (previous?.Fence ?? 0) + 1;

                // What the item said about an open run (nothing at all for a new lease: no run was begun under it).
                AttributeValue? openRun = null;
                if (previous is null || response.Attributes!.TryGetValue("openRun", out openRun))
                {
                    openRuns[request.Name] = new OpenRun(fence, openRun is null || openRun.S == NoRun ? null : openRun.S);
                }
                else
                {
                    openRuns.TryRemove(request.Name, out _);
                }

                // A released lease has no owner: taking it is no takeover. Only another owner's expired lease is.
                var takenOver = previous is { Owner.Length: > 0 } holder && holder.Owner != request.Owner ? previous : null;
                return new LeaseAttempt(true, new Lease(request.Name, request.Owner, request.Purpose, fence, expires), takenOver);
            }
            catch (ConditionalCheckFailedException)
            {
                var holder = await GetItemAsync(Key("LEASE#" + request.Name, LeaseSort), cancellationToken).ConfigureAwait(false);
                if (holder is not null && (!ToLease(request.Name, holder).IsExpiredAt(time.GetUtcNow()) || attempt >= 3))
                {
                    return new LeaseAttempt(false, ToLease(request.Name, holder));
                }
            }
        }
    }

    public async Task<bool> RenewLeaseAsync(Lease lease, TimeSpan duration, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lease);
        var expires = time.GetUtcNow() + duration;
        return await SetLeaseExpiryAsync(lease, expires, cancellationToken).ConfigureAwait(false);
    }

    public async Task ReleaseLeaseAsync(Lease lease, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lease);
        await SetLeaseExpiryAsync(lease, time.GetUtcNow(), cancellationToken, release: true).ConfigureAwait(false);
    }

    /// <param name="release">Also clear the owner: the lease is let go, so the next take is no takeover (and no fenced write of this holder passes any more).</param>
    private async Task<bool> SetLeaseExpiryAsync(Lease lease, DateTimeOffset expires, CancellationToken cancellationToken, bool release = false)
    {
        try
        {
            await CallAsync(
                () => client.UpdateItemAsync(
                    new UpdateItemRequest
                    {
                        TableName = table,
                        Key = Key("LEASE#" + lease.Name, LeaseSort),
                        UpdateExpression = "SET #expires = :expires, #ttl = :ttl" + (release ? " REMOVE #owner" : string.Empty),
                        ConditionExpression = "#owner = :owner AND #fence = :fence",
                        ExpressionAttributeNames = new() { ["#expires"] = "expires", ["#ttl"] = "ttl", ["#owner"] = "owner", ["#fence"] = "fence" },
                        ExpressionAttributeValues = new()
                        {
                            [":expires"] = N(expires.ToUnixTimeMilliseconds()),
                            [":ttl"] = N((expires + LeaseRetention).ToUnixTimeSeconds()),
                            [":owner"] = S(lease.Owner),
                            [":fence"] = N(lease.Fence),
                        },
                    },
                    cancellationToken),
                cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (ConditionalCheckFailedException)
        {
            return false;
        }
    }

    private TransactWriteItem FenceItem(Lease fence, LeaseChange? change)
    {
        var names = new Dictionary<string, string> { ["#owner"] = "owner", ["#fence"] = "fence" };
        var values = new Dictionary<string, AttributeValue> { [":owner"] = S(fence.Owner), [":fence"] = N(fence.Fence) };
        const string condition = "#owner = :owner AND #fence = :fence";
        if (change is null)
        {
            return new TransactWriteItem { ConditionCheck = new ConditionCheck { TableName = table, Key = Key("LEASE#" + fence.Name, LeaseSort), ConditionExpression = condition, ExpressionAttributeNames = names, ExpressionAttributeValues = values } };
        }

        foreach (var name in new[] { "openRun", "expires", "ttl" }.Where(n => change.Set.Contains("#" + n, StringComparison.Ordinal)))
        {
            names["#" + name] = name;
        }

        foreach (var (name, value) in change.Values)
        {
            values[name] = value;
        }

        var update = "SET " + change.Set + (change.Release ? " REMOVE #owner" : string.Empty);
        return new TransactWriteItem { Update = new Update { TableName = table, Key = Key("LEASE#" + fence.Name, LeaseSort), UpdateExpression = update, ConditionExpression = condition, ExpressionAttributeNames = names, ExpressionAttributeValues = values } };
    }

    /// <summary>The lease let go at <paramref name="now"/>: expired, its owner cleared (so the next take is no takeover), its TTL a retention later.</summary>
    private static LeaseChange Released(DateTimeOffset now) =>
        new("#expires = :expires, #ttl = :ttl", new() { [":expires"] = N(now.ToUnixTimeMilliseconds()), [":ttl"] = N((now + LeaseRetention).ToUnixTimeSeconds()) }, Release: true);
}
