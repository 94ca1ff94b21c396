using Amazon.DynamoDBv2.Model;
using AmiShare.Core.Execution;

namespace AmiShare.Ledger;

/// <summary>The DynamoDB ledger's start of a group of key-policy steps that takes the keys' leases in the same transaction.</summary>
public sealed partial class DynamoDbShareLedger
{
    /// <summary>The completions in a journal item and each lease of <paramref name="releases"/> released by its fence's conditional update: one transaction.</summary>
    public async Task StepsCompletedReleasingAllAsync(string runId, IReadOnlyList<LedgerStepCompletion> steps, IReadOnlyList<Lease> fences, IReadOnlyList<Lease> releases, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(steps);
        ArgumentNullException.ThrowIfNull(fences);
        ArgumentNullException.ThrowIfNull(releases);
        var puts = JournalPuts(runId, [], steps);
        if (puts.Count > MaxJournalItemsPerTransaction || fences.Count + puts.Count > MaxTransactionActions || !releases.All(fences.Contains))
        {
            await StepsCompletedAsync(runId, steps, fences, cancellationToken).ConfigureAwait(false);
            foreach (var release in releases)
            {
                await ReleaseLeaseAsync(release, cancellationToken).ConfigureAwait(false);
            }

            return;
        }

        var now = time.GetUtcNow();
        await FencedWriteAsync(fences, puts, fence => releases.Contains(fence) ? Released(now) : null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// One transaction: the fences' checks, a conditional take of each lease, the journal item. A take's condition
    /// admits only a lease never taken or released (no owner) whose fence is below the new one, which is the take's
    /// time in ms: the transaction returns no old values, so the fence cannot be the old one plus one, but it still
    /// rises (the condition says so) and still differs from every earlier (owner, fence). A lease held or expired
    /// under another owner, or a clock behind the fence, fails the take: nothing is written, and the steps are then
    /// journalled alone for the caller to take each lease as usual (waiting, or reporting the takeover).
    /// </summary>
    public async Task<IReadOnlyList<Lease>?> StepsStartedTakingLeasesAsync(string runId, IReadOnlyList<LedgerStepKey> steps, IReadOnlyList<Lease> fences, IReadOnlyList<LeaseRequest> leases, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(steps);
        ArgumentNullException.ThrowIfNull(fences);
        ArgumentNullException.ThrowIfNull(leases);
        var puts = JournalPuts(runId, steps, []);
        var names = leases.Select(l => l.Name).Concat(fences.Select(f => f.Name)).ToList();
        if (leases.Count == 0 || puts.Count > MaxJournalItemsPerTransaction || fences.Count + leases.Count + puts.Count > MaxTransactionActions || names.Distinct(StringComparer.Ordinal).Count() != names.Count)
        {
            await StepsStartedAsync(runId, steps, fences, cancellationToken).ConfigureAwait(false);
            return null;
        }

        var now = time.GetUtcNow();
        var fence = now.ToUnixTimeMilliseconds();
        var taken = leases.Select(r => new Lease(r.Name, r.Owner, r.Purpose, fence, now + r.Duration)).ToList();
        var takes = taken.Select(lease => new TransactWriteItem
        {
            Update = new Update
            {
                TableName = table,
                Key = Key("LEASE#" + lease.Name, LeaseSort),
                UpdateExpression = "SET #kind = :kind, #owner = :owner, #purpose = :purpose, #expires = :expires, #ttl = :ttl, #fence = :fence",
                ConditionExpression = "attribute_not_exists(pk) OR (attribute_not_exists(#owner) AND #fence < :fence)",
                ExpressionAttributeNames = new() { ["#kind"] = "kind", ["#owner"] = "owner", ["#purpose"] = "purpose", ["#expires"] = "expires", ["#ttl"] = "ttl", ["#fence"] = "fence" },
                ExpressionAttributeValues = new()
                {
                    [":kind"] = S("lease"),
                    [":owner"] = S(lease.Owner),
                    [":purpose"] = S(lease.Purpose),
                    [":expires"] = N(lease.Expires.ToUnixTimeMilliseconds()),
                    [":ttl"] = N((lease.Expires + LeaseRetention).ToUnixTimeSeconds()),
                    [":fence"] = N(fence),
                },
            },
        });
        var items = fences.Select(f => FenceItem(f, change: null)).Concat(takes).Concat(puts).ToList();
        try
        {
            await CallAsync(() => client.TransactWriteItemsAsync(new TransactWriteItemsRequest { TransactItems = items }, cancellationToken), cancellationToken).ConfigureAwait(false);
            return taken;
        }
        catch (TransactionCanceledException ex)
        {
            var reasons = ex.CancellationReasons ?? [];
            var lost = Enumerable.Range(0, Math.Min(fences.Count, reasons.Count)).FirstOrDefault(i => reasons[i].Code == "ConditionalCheckFailed", -1);
            if (lost >= 0)
            {
                throw new LeaseLostException(fences[lost].Name);
            }

            // A lease was not free (or no reason was given): journal the steps alone; that write's own fences say whether the run's lease is still held.
            await StepsStartedAsync(runId, steps, fences, cancellationToken).ConfigureAwait(false);
            return null;
        }
    }
}
