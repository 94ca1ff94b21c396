using System.Globalization;
using Amazon.DynamoDBv2.Model;
using AmiShare.Core.Execution;

namespace AmiShare.Ledger;

/// <summary>The DynamoDB ledger's reads: runs and their steps, the open run of a fingerprint, one item.</summary>
public sealed partial class DynamoDbShareLedger
{
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
        // The run's partition after its own item (#RUN sorts first): the journal items, and any one-item-per-step items of older runs.
        var items = new List<Dictionary<string, AttributeValue>>();
        Dictionary<string, AttributeValue>? start = null;
        do
        {
            var page = await CallAsync(
                () => client.QueryAsync(
                    new QueryRequest
                    {
                        TableName = table,
                        ConsistentRead = true,
                        KeyConditionExpression = "pk = :pk AND sk > :run",
                        ExpressionAttributeValues = new() { [":pk"] = S("RUN#" + runId), [":run"] = S(RunSort) },
                        ExclusiveStartKey = start,
                    },
                    cancellationToken),
                cancellationToken).ConfigureAwait(false);
            items.AddRange(page.Items ?? []);
            start = page.LastEvaluatedKey is { Count: > 0 } last ? last : null;
        }
        while (start is not null);

        return FoldSteps(items);
    }

    private async Task<Dictionary<string, AttributeValue>?> GetItemAsync(Dictionary<string, AttributeValue> key, CancellationToken cancellationToken)
    {
        var response = await CallAsync(() => client.GetItemAsync(new GetItemRequest { TableName = table, Key = key, ConsistentRead = true }, cancellationToken), cancellationToken).ConfigureAwait(false);
        return response.Item is { Count: > 0 } item ? item : null;
    }
}
