using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using AmiShare.Aws;

namespace AmiShare.Share.Bench;

/// <summary>
/// The multi-Region mode (<c>--regions N</c>, issue 12): I images under K keys in us-east-1 shared with T targets there
/// and, through <c>--to-region</c>, copied into N − 1 more Regions under each Region's key and shared there. Three
/// runs on fresh clouds as in the single-Region bench: amishare in-process (calls counted, then a rerun that must plan
/// nothing), amishare as its own process, and manual-share-regions.sh. Work in different Regions runs in parallel
/// (the executor runs the steps of one action side by side, across Regions).
/// </summary>
internal static class RegionsBench
{
    private static readonly string[] Candidates = ["eu-west-1", "ap-southeast-2", "us-west-2", "eu-central-1", "ap-northeast-1", "sa-east-1", "ca-central-1"];

    public static async Task<int> RunAsync(Scale scale, int regions, bool skipProcess, bool skipScript, Func<string[], ApiCallCounter, (int Code, string Output)> runInProcess, CancellationToken ct)
    {
        var inv = CultureInfo.InvariantCulture;
        var destinations = Candidates.Take(Math.Clamp(regions - 1, 1, Candidates.Length)).ToImmutableArray();
        Console.WriteLine($"multi-Region: home {ShareCloud.Region}, destinations {string.Join(", ", destinations)}");
        var exitCode = 0;

        TimeSpan amishare, rerun;
        ImmutableSortedDictionary<string, long> calls, rerunCalls;
        await using (var cloud = await ShareCloud.StartAsync(scale, ct, destinations))
        {
            var ledger = Path.Combine(Path.GetTempPath(), $"amishare-regions-bench-{Environment.ProcessId}.db");
            try
            {
                var counter = new ApiCallCounter();
                var watch = Stopwatch.StartNew();
                var (code, output) = runInProcess(Arguments(cloud, ledger), counter);
                amishare = watch.Elapsed;
                calls = counter.Snapshot();
                Console.WriteLine(string.Create(inv, $"amishare share --to-region (in-process): exit {code}, {amishare.TotalSeconds:0.000} s, {counter.Total} API calls"));
                if (code != 0)
                {
                    Console.WriteLine(output);
                    return 1;
                }

                exitCode = Math.Max(exitCode, await VerifyAsync(cloud, "amishare", ct));
                counter.Reset();
                watch.Restart();
                var (rerunCode, rerunOutput) = runInProcess(Arguments(cloud, ledger), counter);
                rerun = watch.Elapsed;
                rerunCalls = counter.Snapshot();
                var nothing = rerunOutput.Contains("\"mode\": \"nothing-to-do\"", StringComparison.Ordinal);
                Console.WriteLine(string.Create(inv, $"rerun: exit {rerunCode}, {rerun.TotalSeconds:0.000} s, {counter.Total} API calls, {(nothing ? "nothing to do" : "PLANNED CHANGES")}"));
                exitCode = Math.Max(exitCode, rerunCode == 0 && nothing ? 0 : 1);
            }
            finally
            {
                File.Delete(ledger);
            }
        }

        TimeSpan? process = null;
        if (!skipProcess)
        {
            await using var cloud = await ShareCloud.StartAsync(scale, ct, destinations);
            var ledger = Path.Combine(Path.GetTempPath(), $"amishare-regions-bench-process-{Environment.ProcessId}.db");
            try
            {
                var start = Start("dotnet", [Path.Combine(AppContext.BaseDirectory, "amishare.dll"), .. Arguments(cloud, ledger)]);
                var (code, elapsed, output) = await RunProcessAsync(start, ct);
                process = elapsed;
                Console.WriteLine(string.Create(inv, $"amishare share --to-region (own process): exit {code}, {elapsed.TotalSeconds:0.000} s"));
                exitCode = Math.Max(exitCode, code == 0 ? await VerifyAsync(cloud, "amishare (process)", ct) : Fail(output));
            }
            finally
            {
                File.Delete(ledger);
            }
        }

        TimeSpan? script = null;
        if (!skipScript)
        {
            await using var cloud = await ShareCloud.StartAsync(scale, ct, destinations);
            var work = Directory.CreateTempSubdirectory("amishare-regions-bench-");
            try
            {
                string File(string name) => Path.Combine(work.FullName, name);
                await System.IO.File.WriteAllLinesAsync(File("images.txt"), cloud.ImageIds, ct);
                await System.IO.File.WriteAllLinesAsync(File("keys.txt"), cloud.KeyArns, ct);
                await System.IO.File.WriteAllLinesAsync(File("targets.txt"), cloud.Targets, ct);
                await System.IO.File.WriteAllLinesAsync(File("destinations.txt"), cloud.DestinationKeys.Select(d => $"{d.Key} {d.Value}"), ct);
                var start = Start("bash", [Path.Combine(AppContext.BaseDirectory, "manual-share-regions.sh"), File("images.txt"), File("keys.txt"), File("targets.txt"), File("destinations.txt")]);
                start.Environment["ENDPOINT_URL"] = cloud.Endpoint;
                var (code, elapsed, output) = await RunProcessAsync(start, ct);
                script = elapsed;
                var invocations = scale.Images + (2 * scale.Keys) + (destinations.Length * ((2 * scale.Images) + 1 + 2));
                Console.WriteLine(string.Create(inv, $"manual AWS CLI script: exit {code}, {elapsed.TotalSeconds:0.000} s, {invocations} aws invocations"));
                exitCode = Math.Max(exitCode, code == 0 ? await VerifyAsync(cloud, "script", ct) : Fail(output));
            }
            finally
            {
                work.Delete(recursive: true);
            }
        }

        PrintCalls(scale, destinations.Length + 1, calls, rerunCalls);
        Console.WriteLine();
        Console.WriteLine(string.Create(inv, $"| {"Run",-44} | {"Seconds",8} | {"Script / run",12} |"));
        Console.WriteLine($"|{new string('-', 46)}|{new string('-', 9)}:|{new string('-', 13)}:|");
        Row("amishare share --to-region, in-process", amishare, script);
        Row("  its rerun (nothing to do)", rerun, null);
        if (process is { } p)
        {
            Row("amishare share --to-region, own process", p, script);
        }

        if (script is { } s)
        {
            Row("manual AWS CLI script", s, s);
            Console.WriteLine(string.Create(inv, $"Speed-up over the script: {s / amishare:0.0}x in-process{(process is { } pt ? string.Create(inv, $", {s / pt:0.0}x as a process") : string.Empty)} (target >= 20x as a process)"));
        }

        return exitCode;
    }

    private static string[] Arguments(ShareCloud cloud, string ledger) =>
    [
        "share", .. cloud.ImageIds, "--with", string.Join(',', cloud.Targets),
        "--to-region", string.Join(',', cloud.DestinationKeys.Keys),
        "--reencrypt-key", string.Join(',', cloud.DestinationKeys.Keys.Select(r => r + "=alias/golden")),
        "--endpoint-url", cloud.Endpoint, "--region", ShareCloud.Region, "--ledger", ledger, "--yes", "--output", "json",
    ];

    /// <summary>
    /// The fewest calls an idempotent share into R Regions can make: read what is there in each Region (images, the
    /// home snapshots, each key and its policy), copy each image into each destination and wait for it once, write
    /// each launch permission and each key policy once.
    /// </summary>
    private static void PrintCalls(Scale scale, int regions, ImmutableSortedDictionary<string, long> calls, ImmutableSortedDictionary<string, long> rerun)
    {
        var inv = CultureInfo.InvariantCulture;
        var destinations = regions - 1;
        var keys = scale.Keys + destinations;
        var copies = scale.Images * destinations;
        var minimal = new (string Operation, long Count, string Formula)[]
        {
            ("sts:GetCallerIdentity", 1, "1"),
            ("ec2:DescribeImages", regions + copies, "1 per Region + 1 per copy (wait)"),
            ("ec2:DescribeImageAttribute", scale.Images, "1 per home image"),
            ("ec2:DescribeSnapshots", 1, "1 (home)"),
            ("kms:DescribeKey", keys, "1 per key"),
            ("kms:GetKeyPolicy", keys, "1 per key"),
            ("ec2:CopyImage", copies, "1 per copy"),
            ("ec2:ModifyImageAttribute", scale.Images + copies, "1 per image and copy"),
            ("kms:PutKeyPolicy", keys, "1 per key"),
        };
        Console.WriteLine();
        Console.WriteLine(string.Create(inv, $"API calls ({scale.Images} images x {regions} Regions x {scale.Targets} targets, {scale.Keys} home keys + {destinations} destination keys):"));
        Console.WriteLine($"| {"Operation",-28} | {"Minimal",7} | {"Formula",-34} | {"Actual",6} | {"Rerun",5} |");
        Console.WriteLine($"|{new string('-', 30)}|{new string('-', 8)}:|{new string('-', 36)}|{new string('-', 7)}:|{new string('-', 6)}:|");
        foreach (var operation in minimal.Select(m => m.Operation).Concat(calls.Keys).Concat(rerun.Keys).Distinct(StringComparer.Ordinal))
        {
            var m = minimal.FirstOrDefault(x => x.Operation == operation);
            Console.WriteLine(string.Create(inv, $"| {operation,-28} | {m.Count,7} | {m.Formula ?? "not needed",-34} | {calls.GetValueOrDefault(operation),6} | {rerun.GetValueOrDefault(operation),5} |"));
        }

        var total = minimal.Sum(m => m.Count);
        var actual = calls.Values.Sum();
        Console.WriteLine(string.Create(inv, $"| {"Total",-28} | {total,7} | {"",-34} | {actual,6} | {rerun.Values.Sum(),5} |"));
        Console.WriteLine(string.Create(inv, $"Actual / minimal = {actual} / {total} = {(double)actual / total:0.000}x (target <= 1.2x)"));
    }

    private static async Task<int> VerifyAsync(ShareCloud cloud, string run, CancellationToken ct)
    {
        var problems = (await cloud.VerifySharedAsync(ct)).Concat(await cloud.VerifyRegionsAsync(ct)).ToList();
        Console.WriteLine(problems.Count == 0
            ? $"  verified ({run}): every image and every copy in {cloud.DestinationKeys.Count + 1} Regions lists and is visible to all {cloud.Targets.Length} targets; every key admits them"
            : $"  VERIFICATION FAILED ({run}): {string.Join("; ", problems.Take(5))}");
        return problems.Count == 0 ? 0 : 1;
    }

    private static int Fail(string output)
    {
        Console.WriteLine(output);
        return 1;
    }

    private static ProcessStartInfo Start(string file, IEnumerable<string> args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        var root = ShareCloud.Root(ShareCloud.Source).GetCredentials();
        start.Environment["AWS_ACCESS_KEY_ID"] = root.AccessKey;
        start.Environment["AWS_SECRET_ACCESS_KEY"] = root.SecretKey;
        start.Environment["AWS_DEFAULT_REGION"] = ShareCloud.Region;
        start.Environment["AWS_REGION"] = ShareCloud.Region;
        start.Environment["AWS_CONFIG_FILE"] = "/dev/null";
        start.Environment["AWS_SHARED_CREDENTIALS_FILE"] = "/dev/null";
        start.Environment["AWS_PAGER"] = string.Empty;
        start.Environment.Remove("AWS_PROFILE");
        start.Environment.Remove("AWS_SESSION_TOKEN");
        return start;
    }

    private static async Task<(int Code, TimeSpan Elapsed, string Output)> RunProcessAsync(ProcessStartInfo start, CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {start.FileName}");
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        var elapsed = watch.Elapsed;
        return (process.ExitCode, elapsed, await stdout + await stderr);
    }

    private static void Row(string name, TimeSpan elapsed, TimeSpan? script) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {name,-44} | {elapsed.TotalSeconds,8:0.000} | {(script is { } s ? (s / elapsed).ToString("0.0", CultureInfo.InvariantCulture) + "x" : "-"),12} |"));
}
