using System.Collections.Immutable;
using AmiShare.Core.Doctor;

namespace AmiShare.Core.Audit;

/// <summary>The finding kinds of issue 5; written upper-case in reports (<c>BROKEN</c>, <c>NEAR-LIMIT</c>).</summary>
public enum AuditFindingKind
{
    /// <summary>Shared with a target the key does not let launch.</summary>
    Broken,

    /// <summary>A key policy entry or grant still open to an account no image using the key is shared with.</summary>
    Stale,

    /// <summary>A public image or snapshot.</summary>
    Public,

    /// <summary>An image under the AWS managed key, which a share refuses.</summary>
    Unshareable,

    /// <summary><c>Principal: "*"</c> without a condition on the caller, or org-wide access where accounts were named.</summary>
    Wide,

    /// <summary>A key policy above 80% of 32 KB, or launch permissions near 1,000 entities.</summary>
    NearLimit,
}

public enum AuditSeverity
{
    High,
    Medium,
    Low,
}

/// <summary>One thing the audit found, with what to do about it.</summary>
/// <param name="Account">The audited account that owns <paramref name="Resource"/>.</param>
/// <param name="Resource">The image id, snapshot id or key ARN.</param>
/// <param name="Subject">Whom it concerns (a target account, organization, principal), when anyone in particular.</param>
/// <param name="DecidingStatements">Key-policy statements or grants the finding rests on, as <c>POLICY:SID</c> labels.</param>
public sealed record AuditFinding(
    AuditFindingKind Kind,
    AuditSeverity Severity,
    string Account,
    string Region,
    string Resource,
    string? Subject,
    string Message,
    string Fix,
    ImmutableArray<string> DecidingStatements = default) : IRuleFinding
{
    /// <summary>The report name of a kind: <c>BROKEN</c>, <c>NEAR-LIMIT</c>, …</summary>
    public static string Code(AuditFindingKind kind) => kind == AuditFindingKind.NearLimit ? "NEAR-LIMIT" : kind.ToString().ToUpperInvariant();

    public string KindCode => Code(Kind);

    public ImmutableArray<string> DecidingStatementsOrEmpty => DecidingStatements.IsDefault ? [] : DecidingStatements;

    string IRuleFinding.RuleId => KindCode;

    string IRuleFinding.Explanation => Message;

    string? IRuleFinding.Fix => Fix;

    ImmutableArray<string> IRuleFinding.DecidingStatements => DecidingStatementsOrEmpty;
}
