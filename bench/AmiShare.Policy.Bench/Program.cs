using BenchmarkDotNet.Running;

namespace AmiShare.Policy.Bench;

internal static class Program
{
    // Run: dotnet run -c Release --project bench/AmiShare.Policy.Bench -- --filter '*'
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
