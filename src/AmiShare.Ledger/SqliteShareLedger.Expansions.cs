using System.Collections.Immutable;
using AmiShare.Core.Planning;

namespace AmiShare.Ledger;

/// <summary>The SQLite ledger's record of <c>--expand-targets</c>: one row per (source account, image, organization/OU target).</summary>
public sealed partial class SqliteShareLedger
{
    /// <summary>Created with the other tables, idempotently, so a ledger file from before gains it on its next open.</summary>
    private const string ExpansionsSchema = """

        CREATE TABLE IF NOT EXISTS expansions (
            source_account TEXT NOT NULL, image_id TEXT NOT NULL, target TEXT NOT NULL,
            accounts TEXT NOT NULL, recorded TEXT NOT NULL,
            PRIMARY KEY (source_account, image_id, target));
        """;

    public Task<IReadOnlyList<RecordedExpansion>> ReadExpansionsAsync(string sourceAccount, IReadOnlyList<string> imageIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(imageIds);
        return InTransactionAsync<IReadOnlyList<RecordedExpansion>>(
            async transaction =>
            {
                var records = new List<RecordedExpansion>();
                foreach (var imageId in imageIds.Distinct(StringComparer.Ordinal))
                {
                    using var command = Command(transaction, "SELECT target, accounts FROM expansions WHERE source_account = $s AND image_id = $i", ("$s", sourceAccount), ("$i", imageId));
                    using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                    while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    {
                        records.Add(new RecordedExpansion(imageId, reader.GetString(0), Accounts(reader.GetString(1))));
                    }
                }

                return records;
            },
            cancellationToken);
    }

    public Task RecordExpansionsAsync(string sourceAccount, IReadOnlyList<RecordedExpansion> expansions, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(expansions);
        return InTransactionAsync(
            async transaction =>
            {
                var now = Now();
                foreach (var record in expansions)
                {
                    await ExecuteAsync(
                        transaction,
                        "INSERT INTO expansions (source_account, image_id, target, accounts, recorded) VALUES ($s, $i, $t, $a, $n) " +
                        "ON CONFLICT (source_account, image_id, target) DO UPDATE SET accounts = $a, recorded = $n",
                        cancellationToken,
                        ("$s", sourceAccount),
                        ("$i", record.ImageId),
                        ("$t", record.Target),
                        ("$a", string.Join(',', record.Accounts)),
                        ("$n", now)).ConfigureAwait(false);
                }
            },
            cancellationToken);
    }

    // Account ids hold no comma; an empty record (every member departed) reads back as no accounts.
    private static ImmutableArray<string> Accounts(string stored) => [.. stored.Split(',', StringSplitOptions.RemoveEmptyEntries)];
}
