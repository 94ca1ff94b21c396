using System.Collections.Immutable;

namespace AmiShare.Core.Doctor;

/// <summary>
/// What a doctor <see cref="Requirement"/> and an audit <see cref="Audit.AuditFinding"/> have in common: the rule that
/// reported it, why, the fix, and the statements that decided. Their outcomes differ in kind (a requirement holds,
/// fails or is unknown; a finding is a problem with a severity) and so do their subjects, so they stay two records
/// that share this shape; the members are implemented explicitly where the names differ, so reports are unchanged.
/// </summary>
public interface IRuleFinding
{
    /// <summary>The id of the rule that reported it: a <see cref="DoctorRuleIds"/> constant or an audit kind's code.</summary>
    string RuleId { get; }

    string Explanation { get; }

    /// <summary>The statement to add or the command to run; null for a requirement that holds.</summary>
    string? Fix { get; }

    /// <summary>Key-policy statements, identity statements, grants or sharing entries, as <c>POLICY:SID</c> labels.</summary>
    ImmutableArray<string> DecidingStatements { get; }
}
