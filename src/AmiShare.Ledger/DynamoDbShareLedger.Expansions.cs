using System.Collections.Immutable;
using Amazon.DynamoDBv2.Model;
using AmiShare.Core.Planning;

namespace AmiShare.Ledger;

/// <summary>
/// The DynamoDB ledger's record of <c>--expand-targets</c>: per image, pk <c>EXP#&lt;source account&gt;#&lt;image id&gt;</c>, one item per
/// organization/OU target, sk <c>TARGET#&lt;target&gt;</c>, kind=expansion, accounts (a list), recorded. One Query reads an image's records.
/// </summary>
public sealed partial class DynamoDbShareLedger
{
    private const string ExpansionTargetPrefix = "TARGET#";

    public async Task<IReadOnlyList<RecordedExpansion>> ReadExpansionsAsync(string sourceAccount, IReadOnlyList<string> imageIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(imageIds);
        var records = new List<RecordedExpansion>();
        foreach (var imageId in imageIds.Distinct(StringComparer.Ordinal))
        {
            Dictionary<string, AttributeValue>? start = null;
            do
            {
                var page = await CallAsync(
                    () => client.QueryAsync(
                        new QueryRequest
                        {
                            TableName = table,
                            ConsistentRead = true,
                            KeyConditionExpression = "pk = :pk AND begins_with(sk, :target)",
                            ExpressionAttributeValues = new() { [":pk"] = S(ExpansionPartition(sourceAccount, imageId)), [":target"] = S(ExpansionTargetPrefix) },
                            ExclusiveStartKey = start,
                        },
                        cancellationToken),
                    cancellationToken).ConfigureAwait(false);
                records.AddRange((page.Items ?? []).Select(item => new RecordedExpansion(
                    imageId,
                    item["sk"].S[ExpansionTargetPrefix.Length..],
                    item.TryGetValue("accounts", out var accounts) ? [.. (accounts.L ?? []).Select(a => a.S)] : ImmutableArray<string>.Empty)));
                start = page.LastEvaluatedKey is { Count: > 0 } last ? last : null;
            }
            while (start is not null);
        }

        return records;
    }

    public async Task RecordExpansionsAsync(string sourceAccount, IReadOnlyList<RecordedExpansion> expansions, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(expansions);
        var now = S(Now());

        // One PutItem per (image, target): a run records a few images, and each item replaces that target's record whole.
        foreach (var record in expansions)
        {
            var item = new Dictionary<string, AttributeValue>
            {
                ["pk"] = S(ExpansionPartition(sourceAccount, record.ImageId)),
                ["sk"] = S(ExpansionTargetPrefix + record.Target),
                ["kind"] = S("expansion"),
                ["accounts"] = new AttributeValue { L = [.. record.Accounts.Select(S)] },
                ["recorded"] = now,
            };
            await CallAsync(() => client.PutItemAsync(new PutItemRequest { TableName = table, Item = item }, cancellationToken), cancellationToken).ConfigureAwait(false);
        }
    }

    private static string ExpansionPartition(string sourceAccount, string imageId) => $"EXP#{sourceAccount}#{imageId}";
}
