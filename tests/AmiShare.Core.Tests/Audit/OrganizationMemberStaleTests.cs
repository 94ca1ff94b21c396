using AmiShare.Core.Audit;
using AmiShare.Core.Model;
using static AmiShare.Core.Tests.Audit.AuditScenario;
using static AmiShare.Core.Tests.Fixtures;

namespace AmiShare.Core.Tests.Audit;

/// <summary>
/// STALE for accounts reached through an organization share needs the member list (Organizations ListAccounts): with
/// it, an account outside the organization is reported; without it the finding is held back.
/// </summary>
public sealed class OrganizationMemberStaleTests
{
    [Fact]
    public void Check_OrgKeyGrantToOutsiderMembersKnown_Stale()
    {
        var inventory = Clean().WithKey(OrgKeyArn, k => k with { Grants = [AsgGrant(Outsider, "grant-outsider")] });

        var finding = Assert.Single(AuditRules.Check(inventory));

        Assert.Equal(AuditFindingKind.Stale, finding.Kind);
        Assert.Equal(OrgKeyArn, finding.Resource);
        Assert.Contains("grant-outsider", finding.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_OrgKeyGrantToOutsiderMembersUnknown_HeldBack()
    {
        var inventory = Clean().WithKey(OrgKeyArn, k => k with { Grants = [AsgGrant(Outsider, "grant-outsider")] })
            with { Organization = new OrganizationFacts(OrgId) };

        Assert.Empty(AuditRules.Check(inventory));
    }
}
