using AmiShare.Policy.Evaluation;
using BenchmarkDotNet.Attributes;

namespace AmiShare.Policy.Bench;

/// <summary>
/// Decisions per second for the question LocalCloud and the doctor ask most: may this target-account
/// role use the source key through EC2? A realistic 10-statement key policy with conditions and a
/// 3-policy identity set, compiled once, as LocalCloud holds them.
/// </summary>
[MemoryDiagnoser]
public class PolicyDecisionBenchmark
{
    private AuthorizationRequest _allowedCrossAccount = null!;
    private AuthorizationRequest _deniedDirectCall = null!;
    private PolicyInputs _inputs = null!;

    [GlobalSetup]
    public void Setup()
    {
        _inputs = RealisticPolicies.Inputs();
        _allowedCrossAccount = RealisticPolicies.LaunchThroughEc2();
        _deniedDirectCall = RealisticPolicies.DirectDecrypt();
        if (!PolicyEvaluator.Evaluate(_allowedCrossAccount, _inputs).IsAllowed || PolicyEvaluator.Evaluate(_deniedDirectCall, _inputs).IsAllowed)
        {
            throw new InvalidOperationException("The benchmark's policies no longer decide as intended.");
        }
    }

    [Benchmark(Baseline = true, Description = "allowed: cross-account Decrypt via EC2")]
    public Decision AllowedCrossAccount() => PolicyEvaluator.Evaluate(_allowedCrossAccount, _inputs).Decision;

    [Benchmark(Description = "denied: direct Decrypt (ViaService fails)")]
    public Decision DeniedDirectCall() => PolicyEvaluator.Evaluate(_deniedDirectCall, _inputs).Decision;
}
