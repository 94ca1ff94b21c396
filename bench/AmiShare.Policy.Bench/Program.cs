using System.Diagnostics;
using System.Globalization;
using AmiShare.Policy.Evaluation;
using BenchmarkDotNet.Running;

namespace AmiShare.Policy.Bench;

internal static class Program
{
    // Full run: dotnet run -c Release --project bench/AmiShare.Policy.Bench -- --filter '*'
    // Quick look while tuning (not the reported figure): ... -- --quick
    public static void Main(string[] args)
    {
        if (args.Contains("--quick"))
        {
            Quick();
            return;
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    }

    private static void Quick()
    {
        var all = RealisticPolicies.Inputs();
        var scenarios = new (string Name, AuthorizationRequest Request, PolicyInputs Inputs)[]
        {
            ("allowed", RealisticPolicies.LaunchThroughEc2(), all),
            ("denied", RealisticPolicies.DirectDecrypt(), all),
            ("key-only", RealisticPolicies.LaunchThroughEc2(), all with { IdentityPolicies = [] }),
            ("iam-only", RealisticPolicies.LaunchThroughEc2(), all with { ResourcePolicy = null }),
            ("nothing", RealisticPolicies.LaunchThroughEc2(), new PolicyInputs()),
        };
        foreach (var (name, request, inputs) in scenarios)
        {
            for (var round = 0; round < 2; round++)
            {
                const int count = 2_000_000;
                var watch = Stopwatch.StartNew();
                for (var i = 0; i < count; i++)
                {
                    PolicyEvaluator.Evaluate(request, inputs);
                }

                var perSecond = count / watch.Elapsed.TotalSeconds;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name,-8} {watch.Elapsed.TotalNanoseconds / count,8:F0} ns  {perSecond / 1e6,6:F2} M decisions/s"));
            }
        }
    }
}
