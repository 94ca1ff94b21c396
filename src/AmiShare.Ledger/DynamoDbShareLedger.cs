using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using AmiShare.Core.Execution;

namespace AmiShare.Ledger;

/// <summary>
/// The ledger in one DynamoDB table, for runners on many machines (CI runners). Items, by partition (pk) and sort (sk) key:
/// <list type="bullet">
/// <item>run: pk <c>RUN#id</c>, sk <c>#RUN</c>: fingerprint, command, started, finished, succeeded;</item>
/// <item>its journal — one item per journal write (a group of steps started, completed, or both) — pk <c>RUN#id</c>, sk <c>LOG#</c>time
/// and a random part, the step keys in the item: one Query reads a run whole (DynamoDbShareLedger.Journal.cs);</item>
/// <item>an index of runs by fingerprint: pk <c>FP#fingerprint</c>, sk <c>RUN#id</c>, with finished, to find an open run;</item>
/// <item>a lease: pk <c>LEASE#name</c>, sk <c>#LEASE</c>: owner, purpose, fence, expires (ms), ttl (s, the table's TTL attribute).</item>
/// </list>
/// Every write of a run is a TransactWriteItems with a ConditionCheck per fence (owner and fence unchanged), so a
/// stale holder's write fails as a whole. TTL deletes lazily, so a lease's expiry is read from its attribute.
/// </summary>
public sealed partial class DynamoDbShareLedger(IAmazonDynamoDB client, string table, TimeProvider time) : IShareLedger, IDisposable
{
    /// <summary>TransactWriteItems takes at most 100 actions (aws-facts §12).</summary>
    private const int MaxTransactionActions = 100;

    private const string RunSort = "#RUN";
    private const string LeaseSort = "#LEASE";
    private const string StepPrefix = "STEP#";

    /// <summary>A lease item outlives its expiry by a day before TTL removes it: long enough that no fence is forgotten while it matters.</summary>
    private static readonly TimeSpan LeaseRetention = TimeSpan.FromDays(1);

    /// <summary>The value of a run lease's <c>openRun</c> when no run is open under it.</summary>
    private const string NoRun = "-";

    /// <summary>What each run lease this client took said about its open run, at the fence of the take.</summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, OpenRun> openRuns = new(StringComparer.Ordinal);

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

    public async Task<LedgerRun> BeginOrResumeAsync(string fingerprint, string command, CancellationToken cancellationToken) =>
        await FindUnfinishedAsync(fingerprint, cancellationToken).ConfigureAwait(false) ?? await BeginAsync(fingerprint, command, runLease: null, cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// The run lease's item holds the open run (<c>openRun</c>, set by the fenced begin, cleared by the finish), so the
    /// take that returned the item's old state already said what to resume: no Query for the open run. A lease item
    /// from before (no <c>openRun</c>) falls back to the Query.
    /// </summary>
    public async Task<LedgerRun> BeginOrResumeAsync(string fingerprint, string command, Lease runLease, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(runLease);
        if (openRuns.TryGetValue(runLease.Name, out var known) && known.Fence == runLease.Fence)
        {
            if (known.RunId is { } open)
            {
                fingerprints[open] = fingerprint;
                return new LedgerRun(open, true, await StepsAsync(open, cancellationToken).ConfigureAwait(false));
            }
        }
        else if (await FindUnfinishedAsync(fingerprint, cancellationToken).ConfigureAwait(false) is { } resumed)
        {
            return resumed;
        }

        return await BeginAsync(fingerprint, command, runLease, cancellationToken).ConfigureAwait(false);
    }

    private async Task<LedgerRun> BeginAsync(string fingerprint, string command, Lease? runLease, CancellationToken cancellationToken)
    {
        var id = LedgerRunIds.New(time);
        var now = Now();
        TransactWriteItem[] writes =
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
        ];
        await FencedWriteAsync(
            runLease is null ? [] : [runLease],
            writes,
            _ => new LeaseChange("#openRun = :run", new() { [":run"] = S(id) }),
            cancellationToken).ConfigureAwait(false);
        fingerprints[id] = fingerprint;
        if (runLease is not null)
        {
            openRuns[runLease.Name] = new OpenRun(runLease.Fence, id);
        }

        return new LedgerRun(id, false, new Dictionary<LedgerStepKey, LedgerStep>());
    }

    public Task StepsStartedAsync(string runId, IReadOnlyList<LedgerStepKey> steps, IReadOnlyList<Lease> fences, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(steps);
        return JournalAsync(runId, steps, [], fences, cancellationToken);
    }

    public Task StepsCompletedAsync(string runId, IReadOnlyList<LedgerStepCompletion> steps, IReadOnlyList<Lease> fences, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(steps);
        return JournalAsync(runId, [], steps, fences, cancellationToken);
    }

    public async Task StepsCompletedReleasingAsync(string runId, IReadOnlyList<LedgerStepCompletion> steps, IReadOnlyList<Lease> fences, Lease release, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(steps);
        ArgumentNullException.ThrowIfNull(fences);
        ArgumentNullException.ThrowIfNull(release);
        var puts = JournalPuts(runId, [], steps);
        if (puts.Count > MaxJournalItemsPerTransaction || !fences.Contains(release))
        {
            await StepsCompletedAsync(runId, steps, fences, cancellationToken).ConfigureAwait(false);
            await ReleaseLeaseAsync(release, cancellationToken).ConfigureAwait(false);
            return;
        }

        // The lease's condition check becomes the conditional update that releases it: one transaction, one round trip.
        await FencedWriteAsync(fences, puts, fence => fence == release ? Released(time.GetUtcNow()) : null, cancellationToken).ConfigureAwait(false);
    }

    public Task FinishAsync(string runId, bool succeeded, IReadOnlyList<Lease> fences, CancellationToken cancellationToken) =>
        FinishAsync(runId, succeeded, fences, release: null, cancellationToken);

    public async Task FinishReleasingAsync(string runId, bool succeeded, IReadOnlyList<Lease> fences, Lease release, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(fences);
        ArgumentNullException.ThrowIfNull(release);
        if (!fences.Contains(release))
        {
            await FinishAsync(runId, succeeded, fences, cancellationToken).ConfigureAwait(false);
            await ReleaseLeaseAsync(release, cancellationToken).ConfigureAwait(false);
            return;
        }

        await FinishAsync(runId, succeeded, fences, release, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Closes the run; the run lease (when a fence) no longer names it as open, and <paramref name="release"/> is let go in the same transaction.</summary>
    private async Task FinishAsync(string runId, bool succeeded, IReadOnlyList<Lease> fences, Lease? release, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(fences);
        var fingerprint = fingerprints.TryGetValue(runId, out var known)
            ? known
            : (await GetItemAsync(Key("RUN#" + runId, RunSort), cancellationToken).ConfigureAwait(false) ?? throw new InvalidOperationException($"The ledger has no run {runId}."))["fingerprint"].S;
        var now = S(Now());
        var names = new Dictionary<string, string> { ["#finished"] = "finished" };
        var runLease = LeaseNames.ForRun(fingerprint);
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
            fence =>
            {
                var expiry = fence == release ? Released(time.GetUtcNow()) : null;
                return fence.Name != runLease ? expiry
                    : expiry is null ? new LeaseChange("#openRun = :run", new() { [":run"] = S(NoRun) })
                    : expiry with { Set = expiry.Set + ", #openRun = :run", Values = new(expiry.Values) { [":run"] = S(NoRun) } };
            },
            cancellationToken).ConfigureAwait(false);
        openRuns.TryRemove(runLease, out _);
    }

    public void Dispose() => client.Dispose();

    /// <summary>
    /// The writes, each in a transaction with a ConditionCheck per fence; a failed check becomes <see cref="LeaseLostException"/>.
    /// A fence that <paramref name="change"/> also changes (released, or naming the open run) is one conditional Update
    /// instead: a transaction may touch an item only once, and the update carries the same condition.
    /// </summary>
    private async Task FencedWriteAsync(IReadOnlyList<Lease> fences, IEnumerable<TransactWriteItem> writes, Func<Lease, LeaseChange?>? change, CancellationToken cancellationToken)
    {
        var items = fences.Select(fence => FenceItem(fence, change?.Invoke(fence))).Concat(writes).ToList();
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

    private static Dictionary<string, AttributeValue> Key(string pk, string sk) => new() { ["pk"] = S(pk), ["sk"] = S(sk) };

    private static AttributeValue S(string value) => new() { S = value };

    private static AttributeValue N(long value) => new() { N = value.ToString(CultureInfo.InvariantCulture) };

    private string Now() => time.GetUtcNow().ToString("O", CultureInfo.InvariantCulture);

    /// <param name="RunId">Null: no run is open under the lease.</param>
    private sealed record OpenRun(long Fence, string? RunId);

    /// <summary>An update of a lease item made in a fenced transaction (its condition is the fence's): the SET clauses, and whether it releases the lease.</summary>
    private sealed record LeaseChange(string Set, Dictionary<string, AttributeValue> Values, bool Release = false);
}
