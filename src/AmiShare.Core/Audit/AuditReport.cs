using System.Collections.Immutable;

namespace AmiShare.Core.Audit;

/// <summary>One audited account: what it holds, what is wrong with it, and what CloudTrail shows.</summary>
/// <param name="Exposure">Per key ARN, who outside the account the key admits (key policy and grants).</param>
public sealed record AccountAudit(
    AccountInventory Inventory,
    ImmutableArray<AuditFinding> Findings,
    AuditEvidence Evidence,
    ImmutableSortedDictionary<string, ImmutableArray<KeyExposureEntry>> Exposure);

/// <summary>The result of <c>amishare audit</c>: every account audited, ready for the table, JSON and HTML writers.</summary>
/// <param name="Since">Start of the CloudTrail window, when one was read.</param>
public sealed record AuditReport(DateTimeOffset GeneratedAt, DateTimeOffset? Since, ImmutableArray<AccountAudit> Accounts)
{
    public IEnumerable<AuditFinding> Findings => Accounts.SelectMany(a => a.Findings);

    public static AuditReport Create(IEnumerable<AccountInventory> inventories, DateTimeOffset generatedAt, DateTimeOffset? since = null)
    {
        ArgumentNullException.ThrowIfNull(inventories);
        return new AuditReport(generatedAt, since, [.. inventories.Select(Audit)]);
    }

    public static AccountAudit Audit(AccountInventory inventory)
    {
        ArgumentNullException.ThrowIfNull(inventory);
        return new AccountAudit(
            inventory,
            AuditRules.Check(inventory),
            TrailEvidence.Collect(inventory),
            inventory.Keys.ToImmutableSortedDictionary(k => k.Arn, KeyExposure.Of, StringComparer.Ordinal));
    }
}
