using System.Collections.Immutable;
using AmiShare.Core.Audit.Rules;

namespace AmiShare.Core.Audit;

/// <summary>
/// The findings of <c>amishare audit</c> for one account (issue 5): BROKEN, STALE, PUBLIC, UNSHAREABLE, WIDE and
/// NEAR-LIMIT, each reported by its own rule (<see cref="IAuditRule"/>) with a severity and the fix. Pure.
/// </summary>
public static class AuditRules
{
    /// <summary>Warn above this share of a limit.</summary>
    public const double NearLimitRatio = 0.8;

    /// <summary>One rule per finding kind, in the order of <see cref="AuditFindingKind"/>.</summary>
    private static readonly ImmutableArray<IAuditRule> Rules =
    [
        new BrokenRule(),
        new StaleRule(),
        new PublicRule(),
        new UnshareableRule(),
        new WideRule(),
        new NearLimitRule(),
    ];

    /// <summary>Every rule id: the finding kinds' report codes (docs/audit.md).</summary>
    public static ImmutableArray<string> RuleIds { get; } = [.. Rules.Select(r => r.Id)];

    /// <summary>The rules, for tests that hold each rule to its kind.</summary>
    internal static ImmutableArray<IAuditRule> All => Rules;

    /// <summary>Every finding, ordered by severity, kind, resource and subject.</summary>
    public static ImmutableArray<AuditFinding> Check(AccountInventory inventory)
    {
        ArgumentNullException.ThrowIfNull(inventory);
        return [.. Rules.SelectMany(rule => rule.Evaluate(inventory))
            .OrderBy(f => f.Severity)
            .ThenBy(f => f.Kind)
            .ThenBy(f => f.Resource, StringComparer.Ordinal)
            .ThenBy(f => f.Subject, StringComparer.Ordinal)];
    }
}
