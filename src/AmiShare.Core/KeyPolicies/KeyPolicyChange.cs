using System.Collections.Immutable;
using AmiShare.Core.Planning;

namespace AmiShare.Core.KeyPolicies;

/// <summary>The outcome of merging a share into a key policy.</summary>
/// <param name="PolicyJson">The policy to put; the original text when nothing changed or the change was refused.</param>
/// <param name="Changed">True when <see cref="PolicyJson"/> differs from the original and must be put.</param>
/// <param name="Findings">Refusals (size, unreadable policy) and notes (folds).</param>
public sealed record KeyPolicyChange(string PolicyJson, bool Changed, ImmutableArray<PlanFinding> Findings)
{
    public bool IsRefused => Findings.Any(f => f.Severity == FindingSeverity.Blocking);
}

/// <summary>An existing key policy split into what AmiShare owns and what it must leave alone.</summary>
/// <param name="Audiences">Per region (of <c>kms:ViaService</c>), whom AmiShare's statements admit.</param>
/// <param name="ForeignStatements">Every other statement, compact JSON, in the original order.</param>
public sealed record KeyPolicyReading(ImmutableSortedDictionary<string, KeyAudience> Audiences, ImmutableArray<string> ForeignStatements)
{
    public KeyAudience AudienceIn(string region) => Audiences.TryGetValue(region, out var audience) ? audience : KeyAudience.Empty;
}
