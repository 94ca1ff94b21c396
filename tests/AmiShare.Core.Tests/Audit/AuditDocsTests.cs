using AmiShare.Core.Audit;
using AmiShare.Core.Tests.Doctor;

namespace AmiShare.Core.Tests.Audit;

/// <summary>docs/audit.md lists every finding kind (each kind is one rule's id), and no other.</summary>
public sealed class AuditDocsTests
{
    private static IReadOnlyList<string> Documented => DocumentedRuleIds.Read("audit.md", "## Findings");

    [Fact]
    public void FindingsTable_EveryRuleId_Documented()
    {
        var missing = AuditRules.RuleIds.Except(Documented, StringComparer.Ordinal).ToList();

        Assert.True(missing.Count == 0, $"docs/audit.md does not list: {string.Join(", ", missing)}");
    }

    [Fact]
    public void FindingsTable_EveryDocumentedId_IsARule()
    {
        var unknown = Documented.Except(AuditRules.RuleIds, StringComparer.Ordinal).ToList();

        Assert.True(unknown.Count == 0, $"docs/audit.md lists findings no rule reports: {string.Join(", ", unknown)}");
    }
}
