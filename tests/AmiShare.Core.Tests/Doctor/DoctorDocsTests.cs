using AmiShare.Core.Doctor;

namespace AmiShare.Core.Tests.Doctor;

/// <summary>docs/doctor.md lists every rule id doctor reports, and no other.</summary>
public sealed class DoctorDocsTests
{
    private static IReadOnlyList<string> Documented => DocumentedRuleIds.Read("doctor.md", "## Rules");

    [Fact]
    public void RulesTable_EveryRuleId_Documented()
    {
        var missing = DoctorRules.RuleIds.Except(Documented, StringComparer.Ordinal).ToList();

        Assert.True(missing.Count == 0, $"docs/doctor.md does not list: {string.Join(", ", missing)}");
    }

    [Fact]
    public void RulesTable_EveryDocumentedId_IsARule()
    {
        var unknown = Documented.Except(DoctorRules.RuleIds, StringComparer.Ordinal).ToList();

        Assert.True(unknown.Count == 0, $"docs/doctor.md lists rules that do not exist: {string.Join(", ", unknown)}");
    }

    [Fact]
    public void RulesTable_InReportOrder()
    {
        Assert.Equal(DoctorRules.RuleIds, Documented);
    }
}
