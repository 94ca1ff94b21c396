using System.Collections.Immutable;
using AmiShare.Core.Workflow;

namespace AmiShare.Core.Doctor;

/// <summary>One thing a launch (or copy, or Auto Scaling launch) needs, and whether it holds.</summary>
/// <param name="Rule">The stable id of the rule that checked it, e.g. <c>source-key-permission</c>; see docs/doctor.md.</param>
/// <param name="Name">What was checked, with the resource, e.g. <c>kms:Decrypt on arn:aws:kms:…</c>.</param>
/// <param name="Status">PASS, FAIL, or UNKNOWN when a needed fact could not be read.</param>
/// <param name="DecidingStatements">The statements, grants or permission entries that decided, as <c>POLICY:SID</c> labels.</param>
/// <param name="Explanation">Why, in one or two sentences; for UNKNOWN it says what could not be read.</param>
/// <param name="Fix">For FAIL: the exact statement JSON to add or the command to run; for UNKNOWN: how to give doctor the access it lacked.</param>
public sealed record Requirement(
    string Rule,
    string Name,
    CheckStatus Status,
    ImmutableArray<string> DecidingStatements,
    string Explanation,
    string? Fix = null) : IRuleFinding
{
    string IRuleFinding.RuleId => Rule;

    public static Requirement Pass(string rule, string name, string explanation, IEnumerable<string>? deciding = null) =>
        new(rule, name, CheckStatus.Pass, [.. deciding ?? []], explanation);

    public static Requirement Fail(string rule, string name, string explanation, string fix, IEnumerable<string>? deciding = null) =>
        new(rule, name, CheckStatus.Fail, [.. deciding ?? []], explanation, fix);

    public static Requirement Unknown(string rule, string name, string explanation, string fix, IEnumerable<string>? deciding = null) =>
        new(rule, name, CheckStatus.Unknown, [.. deciding ?? []], explanation, fix);
}

/// <summary>What doctor found for one image and one launching principal.</summary>
public sealed record DoctorReport(string ImageId, string Region, string TargetAccount, string PrincipalArn, ImmutableArray<Requirement> Requirements)
{
    public IEnumerable<Requirement> Failures => Requirements.Where(r => r.Status == CheckStatus.Fail);

    public IEnumerable<Requirement> Unknowns => Requirements.Where(r => r.Status == CheckStatus.Unknown);

    /// <summary>Every requirement holds; UNKNOWN is not a pass.</summary>
    public bool Passed => Requirements.All(r => r.Status == CheckStatus.Pass);
}
