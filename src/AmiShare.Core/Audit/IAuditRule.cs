namespace AmiShare.Core.Audit;

/// <summary>
/// One check of <c>amishare audit</c> over what was read of one account: a pure function reporting one kind of
/// finding, each with its severity and fix. A rule yields nothing for an account in order.
/// </summary>
internal interface IAuditRule
{
    /// <summary>The kind of every finding this rule reports.</summary>
    AuditFindingKind Kind { get; }

    /// <summary>The stable id: the kind's report code (<c>BROKEN</c>, <c>NEAR-LIMIT</c>; docs/audit.md).</summary>
    string Id => AuditFinding.Code(Kind);

    IEnumerable<AuditFinding> Evaluate(AccountInventory inventory);
}
