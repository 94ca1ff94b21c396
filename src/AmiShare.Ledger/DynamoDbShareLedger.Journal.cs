using System.Text;
using Amazon.DynamoDBv2.Model;
using AmiShare.Core.Execution;

namespace AmiShare.Ledger;

/// <summary>
/// The DynamoDB ledger's journal of steps: one item per journal write, not one per step. A write (a group's starts, a
/// group's completions, or both) is one Put of a new item, pk <c>RUN#id</c>, sk <c>LOG#</c>time<c>#</c>random, holding
/// the steps it started (<c>started</c>, the encoded keys) and those it completed (<c>done</c>: key, outcome, result).
/// A run's state is the fold of its items in order. A group of fifty steps is then one item in a two-action
/// transaction (the fence's check and the Put) instead of fifty-one actions: on DynamoDB it costs fewer write units
/// (a transaction charges per item and per KB), and emulators that copy the table per action (moto) stay fast.
/// Runs written before by one item per step (<c>STEP#</c>) are still read.
/// </summary>
public sealed partial class DynamoDbShareLedger
{
    private const string JournalPrefix = "LOG#";

    /// <summary>Below DynamoDB's 400 KB item limit, with room for the attribute names and the other attributes.</summary>
    private const int MaxJournalItemBytes = 256 * 1024;

    /// <summary>A transaction holds at most 4 MB: at most this many full journal items beside the fences.</summary>
    private const int MaxJournalItemsPerTransaction = 12;

    /// <summary>The journal items of one write: the starts and completions, split where an item would grow past <see cref="MaxJournalItemBytes"/>.</summary>
    private List<TransactWriteItem> JournalPuts(string runId, IReadOnlyList<LedgerStepKey> started, IReadOnlyList<LedgerStepCompletion> done)
    {
        var now = Now();
        var puts = new List<TransactWriteItem>();
        var startedValues = new List<AttributeValue>();
        var doneValues = new List<AttributeValue>();
        var bytes = 0;

        void Flush()
        {
            if (startedValues.Count == 0 && doneValues.Count == 0)
            {
                return;
            }

            var item = new Dictionary<string, AttributeValue>
            {
                ["pk"] = S("RUN#" + runId),
                ["sk"] = S($"{JournalPrefix}{now}#{Guid.NewGuid():N}"),
                ["kind"] = S("journal"),
                ["at"] = S(now),
            };
            if (startedValues.Count > 0)
            {
                item["started"] = new AttributeValue { L = [.. startedValues] };
            }

            if (doneValues.Count > 0)
            {
                item["done"] = new AttributeValue { L = [.. doneValues] };
            }

            puts.Add(new TransactWriteItem { Put = new Put { TableName = table, Item = item } });
            (startedValues, doneValues, bytes) = ([], [], 0);
        }

        void Add(List<AttributeValue> into, AttributeValue value, int size)
        {
            if (bytes + size > MaxJournalItemBytes)
            {
                Flush();
            }

            into.Add(value);
            bytes += size;
        }

        foreach (var step in started)
        {
            var encoded = step.Encode();
            Add(startedValues, S(encoded), Encoding.UTF8.GetByteCount(encoded) + 8);
        }

        foreach (var step in done)
        {
            var encoded = step.Key.Encode();
            var entry = new Dictionary<string, AttributeValue> { ["k"] = S(encoded), ["o"] = S(step.Outcome) };
            if (step.Result is not null)
            {
                entry["r"] = S(step.Result);
            }

            Add(doneValues, new AttributeValue { M = entry }, Encoding.UTF8.GetByteCount(encoded) + Encoding.UTF8.GetByteCount(step.Outcome) + Encoding.UTF8.GetByteCount(step.Result ?? string.Empty) + 32);
        }

        Flush();
        return puts;
    }

    /// <summary>Writes the journal items, each transaction fenced, as few transactions as the limits allow (usually one).</summary>
    private async Task JournalAsync(string runId, IReadOnlyList<LedgerStepKey> started, IReadOnlyList<LedgerStepCompletion> done, IReadOnlyList<Lease> fences, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(fences);
        foreach (var chunk in JournalPuts(runId, started, done).Chunk(Math.Min(MaxJournalItemsPerTransaction, MaxTransactionActions - fences.Count)))
        {
            await FencedWriteAsync(fences, chunk, change: null, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>A run's steps from its items: the old one-item-per-step form first, then the journal items in the order written.</summary>
    private static Dictionary<LedgerStepKey, LedgerStep> FoldSteps(IEnumerable<Dictionary<string, AttributeValue>> items)
    {
        var steps = new Dictionary<LedgerStepKey, LedgerStep>();
        var journal = new List<Dictionary<string, AttributeValue>>();
        foreach (var item in items)
        {
            var sort = item["sk"].S;
            if (sort.StartsWith(StepPrefix, StringComparison.Ordinal))
            {
                var key = LedgerStepKey.Parse(item["stepKey"].S);
                steps[key] = new LedgerStep(key, item.ContainsKey("completed"), item.TryGetValue("outcome", out var o) ? o.S : null, item.TryGetValue("result", out var r) ? r.S : null);
            }
            else if (sort.StartsWith(JournalPrefix, StringComparison.Ordinal))
            {
                journal.Add(item);
            }
        }

        foreach (var item in journal.OrderBy(i => i["sk"].S, StringComparer.Ordinal))
        {
            foreach (var value in item.TryGetValue("started", out var started) ? started.L ?? [] : [])
            {
                var key = LedgerStepKey.Parse(value.S);
                steps.TryAdd(key, new LedgerStep(key, false, null, null));
            }

            foreach (var value in item.TryGetValue("done", out var done) ? done.L ?? [] : [])
            {
                var key = LedgerStepKey.Parse(value.M["k"].S);
                var result = value.M.TryGetValue("r", out var r) ? r.S : steps.GetValueOrDefault(key)?.Result;
                steps[key] = new LedgerStep(key, true, value.M["o"].S, result);
            }
        }

        return steps;
    }
}
