using AmiShare.Policy.Model;

namespace AmiShare.Policy.Evaluation;

/// <summary>
/// Names a statement (or grant, or sharing entry) that took part in a decision. <see cref="Label"/> is
/// <c>POLICY:SID</c>, <c>POLICY:#INDEX</c> for a statement without a Sid, or just <c>POLICY</c> for
/// grants, launch/volume permission entries and ownership.
/// </summary>
public sealed record StatementRef(string Policy, int StatementIndex, string? Sid, Effect Effect, bool IsStatement)
{
    public string Label { get; } = IsStatement
        ? Policy + ":" + (Sid is { Length: > 0 } ? Sid : "#" + StatementIndex.ToString(System.Globalization.CultureInfo.InvariantCulture))
        : Policy;

    public override string ToString() => Label;
}
