using System.Collections.Immutable;
using AmiShare.Core.Doctor.Rules;

namespace AmiShare.Core.Doctor;

/// <summary>
/// The checks of <c>amishare doctor</c> (issue 5): every requirement for one principal to launch one image, and
/// with <c>--copy</c> to copy it, with <c>--asg</c> to launch it through Auto Scaling. Each rule is a small class
/// over the facts (<see cref="IDoctorRule"/>); every permission question goes to the policy engine so the deciding
/// statements can be quoted. Pure: the facts come in, the report goes out.
/// </summary>
public static class DoctorRules
{
    /// <summary>Checked first: without a principal the engine can evaluate, no other rule has anything to say.</summary>
    private static readonly IDoctorRule Gate = new PrincipalRule();

    /// <summary>The rules in report order.</summary>
    private static readonly ImmutableArray<IDoctorRule> Rules =
    [
        new ImageStateRule(),
        new LaunchPermissionRule(),
        new AllowedImagesRule(),
        new IamRunInstancesRule(),
        new SourceKeyStateRule(),
        new SourceKeyPermissionRule(),
        new DefaultEbsKeyRule(),
        new CopySnapshotPermissionRule(),
        new IamCopyImageRule(),
        new AsgGrantRule(),
        new ServiceControlPolicyRule(),
    ];

    /// <summary>Every rule id, the gate first, then in report order (docs/doctor.md).</summary>
    public static ImmutableArray<string> RuleIds { get; } = [.. All.Select(r => r.Id)];

    /// <summary>The gate and the rules, for tests that hold each rule to its id.</summary>
    internal static ImmutableArray<IDoctorRule> All => [Gate, .. Rules];

    public static DoctorReport Run(DoctorFacts facts)
    {
        ArgumentNullException.ThrowIfNull(facts);
        var scope = DoctorScope.Prepare(facts);
        ImmutableArray<Requirement> refused = [.. Gate.Evaluate(scope)];
        var requirements = refused.IsEmpty ? [.. Rules.SelectMany(rule => rule.Evaluate(scope))] : refused;
        return new DoctorReport(facts.Image.Id, facts.Image.Region, facts.Target.Account, scope.PrincipalArn, requirements);
    }
}
