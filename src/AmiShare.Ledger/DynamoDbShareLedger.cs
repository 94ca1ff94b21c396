using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using AmiShare.Core.Execution;

namespace AmiShare.Ledger;

/// <summary>
/// The ledger in one DynamoDB table, for runners on many machines (CI runners). Items, by partition (pk) and sort (sk) key:
/// <list type="bullet">
/// <item>run: pk <c>RUN#id</c>, sk <c>#RUN</c>: fingerprint, command, started, finished, succeeded;</item>
/// <item>its steps — one per image, key and action — pk <c>RUN#id</c>, sk <c>STEP#</c> and the SHA-256 of the step key (a sort key
/// holds at most 1,024 bytes, and a target list of a hundred accounts is longer), the key itself in <c>stepKey</c>: one Query reads a run whole;</item>
/// <item>an index of runs by fingerprint: pk <c>FP#fingerprint</c>, sk <c>RUN#id</c>, with finished, to find an open run;</item>
/// <item>a lease: pk <c>LEASE#name</c>, sk <c>#LEASE</c>: owner, purpose, fence, expires (ms), ttl (s, the table's TTL attribute).</item>
/// </list>
/// Every write of a run is a TransactWriteItems with a ConditionCheck per fence (owner and fence unchanged), so a
/// stale holder's write fails as a whole. TTL deletes lazily, so a lease's expiry is read from its attribute.
/// </summary>
public sealed class DynamoDbShareLedger(IAmazonDynamoDB client, string table, TimeProvider time) : IShareLedger, IDisposable
{
    /// <summary>TransactWriteItems takes at most 100 actions (aws-facts §12).</summary>
    private const int MaxTransactionActions = 100;

    private const string RunSort = "#RUN";
    private const string LeaseSort = "#LEASE";
    private const string StepPrefix = "STEP#";

    /// <summary>A lease item outlives its expiry by a day before TTL removes it: long enough that no fence is forgotten while it matters.</summary>
    private static readonly TimeSpan LeaseRetention = TimeSpan.FromDays(1);

    /// <summary>The fingerprint of each run this client began or resumed, so finishing it needs no read first.</summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> fingerprints = new(StringComparer.Ordinal);

    public string Table => table;

    public async Task<LedgerRun?> FindUnfinishedAsync(string fingerprint, CancellationToken cancellationToken)
    {
        var open = await OpenRunAsync(fingerprint, cancellationToken).ConfigureAwait(false);
        if (open is null)
        {
            return null;
        }

        fingerprints[open] = fingerprint;
        return new LedgerRun(open, true, await StepsAsync(open, cancellationToken).ConfigureAwait(false));
    }

    public async Task<LedgerRun> BeginOrResumeAsync(string fingerprint, string command, CancellationToken cancellationToken)
    {
        if (await FindUnfinishedAsync(fingerprint, cancellationToken).ConfigureAwait(false) is { } resumed)
        {
            return resumed;
        }

        var id = LedgerRunIds.New(time);
        var now = Now();
        await CallAsync(
            () => client.TransactWriteItemsAsync(
                new TransactWriteItemsRequest
                {
                    TransactItems =
                    [
                        new TransactWriteItem
                        {
                            Put = new Put
                            {
                                TableName = table,
                                Item = new() { ["pk"] = S("RUN#" + id), ["sk"] = S(RunSort), ["kind"] = S("run"), ["id"] = S(id), ["fingerprint"] = S(fingerprint), ["command"] = S(command), ["started"] = S(now) },
                                ConditionExpression = "attribute_not_exists(pk)",
                            },
                        },
                        new TransactWriteItem
                        {
                            Put = new Put { TableName = table, Item = new() { ["pk"] = S("FP#" + fingerprint), ["sk"] = S("RUN#" + id), ["kind"] = S("open"), ["started"] = S(now) } },
                        },
                    ],
                },
                cancellationToken),
            cancellationToken).ConfigureAwait(false);
        fingerprints[id] = fingerprint;
        return new LedgerRun(id, false, new Dictionary<LedgerStepKey, LedgerStep>());
    }

    public async Task StepsStartedAsync(string runId, IReadOnlyList<LedgerStepKey> steps, IReadOnlyList<Lease> fences, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(steps);
        ArgumentNullException.ThrowIfNull(fences);
        var now = S(Now());

        // Batched: as many steps per transaction as the limit leaves beside the fences' condition checks.
        foreach (var chunk in steps.Chunk(MaxTransactionActions - fences.Count))
        {
            var updates = chunk.Select(step => new TransactWriteItem
            {
                Update = new Update
                {
                    TableName = table,
                    Key = StepKey(runId, step),
                    UpdateExpression = "SET #kind = :kind, #stepKey = :stepKey, #started = if_not_exists(#started, :now)",
                    ExpressionAttributeNames = new() { ["#kind"] = "kind", ["#stepKey"] = "stepKey", ["#started"] = "started" },
                    ExpressionAttributeValues = new() { [":kind"] = S("step"), [":stepKey"] = S(step.Encode()), [":now"] = now },
                },
            });
            await FencedWriteAsync(fences, updates, cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task StepsCompletedAsync(string runId, IReadOnlyList<LedgerStepCompletion> steps, IReadOnlyList<Lease> fences, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(steps);
        ArgumentNullException.ThrowIfNull(fences);
        var now = S(Now());
        foreach (var chunk in steps.Chunk(MaxTransactionActions - fences.Count))
        {
            await FencedWriteAsync(fences, chunk.Select(step => Completion(runId, step.Key, step.Outcome, step.Result, now)), cancellationToken).ConfigureAwait(false);
        }
    }

    private TransactWriteItem Completion(string runId, LedgerStepKey step, string outcome, string? result, AttributeValue now)
    {
        var values = new Dictionary<string, AttributeValue> { [":kind"] = S("step"), [":stepKey"] = S(step.Encode()), [":now"] = now, [":outcome"] = S(outcome) };
        var expression = "SET #kind = :kind, #stepKey = :stepKey, #started = if_not_exists(#started, :now), #completed = :now, #outcome = :outcome";
        if (result is not null)
        {
            values[":result"] = S(result);
            expression += ", #result = :result";
        }

        var names = new Dictionary<string, string> { ["#kind"] = "kind", ["#stepKey"] = "stepKey", ["#started"] = "started", ["#completed"] = "completed", ["#outcome"] = "outcome" };
        if (result is not null)
        {
            names["#result"] = "result";
        }

        return new TransactWriteItem { Update = new Update { TableName = table, Key = StepKey(runId, step), UpdateExpression = expression, ExpressionAttributeNames = names, ExpressionAttributeValues = values } };
    }

    public async Task FinishAsync(string runId, bool succeeded, IReadOnlyList<Lease> fences, CancellationToken cancellationToken)
    {
        var fingerprint = fingerprints.TryGetValue(runId, out var known)
            ? known
            : (await GetItemAsync(Key("RUN#" + runId, RunSort), cancellationToken).ConfigureAwait(false) ?? throw new InvalidOperationException($"The ledger has no run {runId}."))["fingerprint"].S;
        var now = S(Now());
        var names = new Dictionary<string, string> { ["#finished"] = "finished" };
        await FencedWriteAsync(
            fences,
            [
                new TransactWriteItem
                {
                    Update = new Update
                    {
                        TableName = table,
                        Key = Key("RUN#" + runId, RunSort),
                        UpdateExpression = "SET #finished = :now, #succeeded = :ok",
                        ExpressionAttributeNames = new() { ["#finished"] = "finished", ["#succeeded"] = "succeeded" },
                        ExpressionAttributeValues = new() { [":now"] = now, [":ok"] = new AttributeValue { BOOL = succeeded } },
                    },
                },
                new TransactWriteItem
                {
                    Update = new Update { TableName = table, Key = Key("FP#" + fingerprint, "RUN#" + runId), UpdateExpression = "SET #finished = :now", ExpressionAttributeNames = names, ExpressionAttributeValues = new() { [":now"] = now } },
                },
            ],
            cancellationToken).ConfigureAwait(false);
    }

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
                            ConditionExpression = "attribute_not_exists(pk) OR #expires <= :now OR #owner = :owner",
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
                return new LeaseAttempt(true, new Lease(request.Name, request.Owner, request.Purpose, (previous?.Fence ?? 0) + 1, expires), previous);
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
        await SetLeaseExpiryAsync(lease, time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<LedgerRunSummary>> ListRunsAsync(int limit, CancellationToken cancellationToken)
    {
        // Runs are few beside steps; a filtered scan reads them without a second index (list is an operator's command, not the hot path).
        var runs = new List<Dictionary<string, AttributeValue>>();
        Dictionary<string, AttributeValue>? start = null;
        do
        {
            var page = await CallAsync(
                () => client.ScanAsync(
                    new ScanRequest
                    {
                        TableName = table,
                        FilterExpression = "#kind = :run",
                        ExpressionAttributeNames = new() { ["#kind"] = "kind" },
                        ExpressionAttributeValues = new() { [":run"] = S("run") },
                        ExclusiveStartKey = start,
                    },
                    cancellationToken),
                cancellationToken).ConfigureAwait(false);
            runs.AddRange(page.Items ?? []);
            start = page.LastEvaluatedKey is { Count: > 0 } last ? last : null;
        }
        while (start is not null);

        var summaries = new List<LedgerRunSummary>();
        foreach (var run in runs.OrderByDescending(r => r["id"].S, StringComparer.Ordinal).Take(limit))
        {
            var steps = await StepsAsync(run["id"].S, cancellationToken).ConfigureAwait(false);
            summaries.Add(Summary(run, steps.Values));
        }

        return summaries;
    }

    public async Task<LedgerRunDetail?> GetRunAsync(string runId, CancellationToken cancellationToken)
    {
        var run = await GetItemAsync(Key("RUN#" + runId, RunSort), cancellationToken).ConfigureAwait(false);
        if (run is null)
        {
            return null;
        }

        var steps = await StepsAsync(runId, cancellationToken).ConfigureAwait(false);
        return new LedgerRunDetail(Summary(run, steps.Values), [.. steps.Values.OrderBy(s => s.Key.Encode(), StringComparer.Ordinal)]);
    }

    public void Dispose() => client.Dispose();

    private static LedgerRunSummary Summary(Dictionary<string, AttributeValue> run, IEnumerable<LedgerStep> steps)
    {
        var list = steps.ToList();
        return new LedgerRunSummary(
            run["id"].S,
            run["fingerprint"].S,
            run["command"].S,
            DateTimeOffset.Parse(run["started"].S, CultureInfo.InvariantCulture),
            run.TryGetValue("finished", out var finished) ? DateTimeOffset.Parse(finished.S, CultureInfo.InvariantCulture) : null,
            run.TryGetValue("succeeded", out var succeeded) ? succeeded.BOOL : null,
            list.Count,
            list.Count(s => s.Completed));
    }

    private async Task<bool> SetLeaseExpiryAsync(Lease lease, DateTimeOffset expires, CancellationToken cancellationToken)
    {
        try
        {
            await CallAsync(
                () => client.UpdateItemAsync(
                    new UpdateItemRequest
                    {
                        TableName = table,
                        Key = Key("LEASE#" + lease.Name, LeaseSort),
                        UpdateExpression = "SET #expires = :expires, #ttl = :ttl",
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

    private async Task<string?> OpenRunAsync(string fingerprint, CancellationToken cancellationToken)
    {
        var response = await CallAsync(
            () => client.QueryAsync(
                new QueryRequest
                {
                    TableName = table,
                    ConsistentRead = true,
                    KeyConditionExpression = "pk = :pk",
                    FilterExpression = "attribute_not_exists(#finished)",
                    ExpressionAttributeNames = new() { ["#finished"] = "finished" },
                    ExpressionAttributeValues = new() { [":pk"] = S("FP#" + fingerprint) },
                    ScanIndexForward = false,
                },
                cancellationToken),
            cancellationToken).ConfigureAwait(false);
        return response.Items?.Select(i => i["sk"].S["RUN#".Length..]).FirstOrDefault();
    }

    private async Task<IReadOnlyDictionary<LedgerStepKey, LedgerStep>> StepsAsync(string runId, CancellationToken cancellationToken)
    {
        var steps = new Dictionary<LedgerStepKey, LedgerStep>();
        Dictionary<string, AttributeValue>? start = null;
        do
        {
            var page = await CallAsync(
                () => client.QueryAsync(
                    new QueryRequest
                    {
                        TableName = table,
                        ConsistentRead = true,
                        KeyConditionExpression = "pk = :pk AND begins_with(sk, :step)",
                        ExpressionAttributeValues = new() { [":pk"] = S("RUN#" + runId), [":step"] = S(StepPrefix) },
                        ExclusiveStartKey = start,
                    },
                    cancellationToken),
                cancellationToken).ConfigureAwait(false);
            foreach (var item in page.Items ?? [])
            {
                var key = LedgerStepKey.Parse(item["stepKey"].S);
                steps[key] = new LedgerStep(key, item.ContainsKey("completed"), item.TryGetValue("outcome", out var o) ? o.S : null, item.TryGetValue("result", out var r) ? r.S : null);
            }

            start = page.LastEvaluatedKey is { Count: > 0 } last ? last : null;
        }
        while (start is not null);

        return steps;
    }

    /// <summary>The writes, each in a transaction with a ConditionCheck per fence; a failed check becomes <see cref="LeaseLostException"/>.</summary>
    private async Task FencedWriteAsync(IReadOnlyList<Lease> fences, IEnumerable<TransactWriteItem> writes, CancellationToken cancellationToken)
    {
        var items = fences.Select(fence => new TransactWriteItem
        {
            ConditionCheck = new ConditionCheck
            {
                TableName = table,
                Key = Key("LEASE#" + fence.Name, LeaseSort),
                ConditionExpression = "#owner = :owner AND #fence = :fence",
                ExpressionAttributeNames = new() { ["#owner"] = "owner", ["#fence"] = "fence" },
                ExpressionAttributeValues = new() { [":owner"] = S(fence.Owner), [":fence"] = N(fence.Fence) },
            },
        }).Concat(writes).ToList();
        try
        {
            await CallAsync(() => client.TransactWriteItemsAsync(new TransactWriteItemsRequest { TransactItems = items }, cancellationToken), cancellationToken).ConfigureAwait(false);
        }
        catch (TransactionCanceledException ex)
        {
            var reasons = ex.CancellationReasons ?? [];
            var lost = Enumerable.Range(0, Math.Min(fences.Count, reasons.Count)).FirstOrDefault(i => reasons[i].Code == "ConditionalCheckFailed", -1);
            if (lost >= 0)
            {
                throw new LeaseLostException(fences[lost].Name);
            }

            // No per-item reason (some emulators): a fence is the only condition these writes carry.
            if (fences.Count > 0 && ex.Message.Contains("ConditionalCheckFailed", StringComparison.Ordinal))
            {
                throw new LeaseLostException(fences[0].Name);
            }

            throw;
        }
    }

    private async Task<Dictionary<string, AttributeValue>?> GetItemAsync(Dictionary<string, AttributeValue> key, CancellationToken cancellationToken)
    {
        var response = await CallAsync(() => client.GetItemAsync(new GetItemRequest { TableName = table, Key = key, ConsistentRead = true }, cancellationToken), cancellationToken).ConfigureAwait(false);
        return response.Item is { Count: > 0 } item ? item : null;
    }

    /// <summary>A missing table becomes one clear error whose fix is <c>amishare ledger init</c>.</summary>
    private async Task<T> CallAsync<T>(Func<Task<T>> call, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (ResourceNotFoundException ex)
        {
            throw new LedgerUnavailableException($"The DynamoDB ledger table '{table}' does not exist ({ex.Message}).", $"Create it once: amishare ledger init --ledger dynamodb://{table}");
        }
    }

    private static Lease ToLease(string name, Dictionary<string, AttributeValue> item) => new(
        name,
        item.TryGetValue("owner", out var owner) ? owner.S : string.Empty,
        item.TryGetValue("purpose", out var purpose) ? purpose.S : string.Empty,
        item.TryGetValue("fence", out var fence) ? long.Parse(fence.N, CultureInfo.InvariantCulture) : 0,
        DateTimeOffset.FromUnixTimeMilliseconds(item.TryGetValue("expires", out var expires) ? long.Parse(expires.N, CultureInfo.InvariantCulture) : 0));

    private static Dictionary<string, AttributeValue> StepKey(string runId, LedgerStepKey step) =>
        Key("RUN#" + runId, StepPrefix + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(step.Encode()))));

    private static Dictionary<string, AttributeValue> Key(string pk, string sk) => new() { ["pk"] = S(pk), ["sk"] = S(sk) };

    private static AttributeValue S(string value) => new() { S = value };

    private static AttributeValue N(long value) => new() { N = value.ToString(CultureInfo.InvariantCulture) };

    private string Now() => time.GetUtcNow().ToString("O", CultureInfo.InvariantCulture);
}
