using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using AmiShare.Aws;
using AmiShare.Cli;
using AmiShare.Cli.Infrastructure;
using AmiShare.Share.Bench;
using Spectre.Console;

// Share I images (under K customer managed keys) with T target accounts on LocalCloud, three ways, each on a fresh
// LocalCloud with the same set-up: amishare in-process (API calls counted), amishare as its own process (what a
// user runs), and the manual AWS CLI script (manual-share.sh). Prints calls against the minimum and wall-time ratios.
// Usage: dotnet run -c Release --project bench/AmiShare.Share.Bench [-- --images 50 --targets 100 --keys 5 --skip-script --skip-process]
// The ledger comparison instead (SQLite vs DynamoDB on moto_server): [-- --ledger-compare --rounds 2]
// Multi-Region instead (issue 12; RegionsBench.cs): [-- --regions 4 --images 20 --targets 200 --keys 5]
// With --faults FILE (a LocalCloud fault plan, docs/localcloud.md "Faults") the in-process share runs under those
// faults (set-up and verification do not), and the check adds: no key-policy statement lost, no image copied.
var options = Options.Parse(args);
var inv = CultureInfo.InvariantCulture;
using var cancel = new CancellationTokenSource(TimeSpan.FromMinutes(20)); // hard bound on the whole run
var ct = cancel.Token;
var scale = new Scale(options.Images, options.Targets, options.Keys);

Console.WriteLine(string.Create(inv, $"{DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, .NET {Environment.Version}, {Environment.ProcessorCount} cores; {scale.Images} images under {scale.Keys} customer managed keys (image i under key i mod {scale.Keys}), {scale.Targets} target accounts, 1 region ({ShareCloud.Region})"));
if (options.LedgerCompare)
{
    return await LedgerCompare.RunAsync(scale, options.Rounds, RunInProcess, ct);
}

if (options.Regions > 1)
{
    return await RegionsBench.RunAsync(scale, options.Regions, options.SkipProcess, options.SkipScript, RunInProcess, ct);
}

var exitCode = 0;

// 1. amishare share, in-process through the real command tree, the AWS SDK adapter and the SQLite ledger.
TimeSpan amishareTime;
TimeSpan rerunTime;
ImmutableSortedDictionary<string, long> calls;
ImmutableSortedDictionary<string, long> rerunCalls;
await using (var cloud = await ShareCloud.StartAsync(scale, ct))
{
    var ledger = Path.Combine(Path.GetTempPath(), $"amishare-share-bench-{Environment.ProcessId}.db");
    try
    {
        var counter = new ApiCallCounter();
        var shareArgs = ShareArguments(cloud, ledger);
        var before = await cloud.SnapshotAsync(ct);
        if (options.Faults is { } faults)
        {
            cloud.Server.Cloud.Faults.Set(faults);
            Console.WriteLine($"faults: {faults.ToJson()}");
        }

        var watch = Stopwatch.StartNew();
        var (code, output) = RunInProcess(shareArgs, counter);
        amishareTime = watch.Elapsed;
        calls = counter.Snapshot();
        var injected = cloud.Server.Cloud.Faults.Counts;
        cloud.Server.Cloud.Faults.Set(AmiShare.LocalCloud.Hosting.FaultPlan.None);
        Console.WriteLine(string.Create(inv, $"amishare share (in-process): exit {code}, {amishareTime.TotalSeconds:0.000} s, {counter.Total} API calls, {counter.TotalThrottled} retried"));
        if (options.Faults is not null)
        {
            Console.WriteLine(string.Create(inv, $"  injected: {injected.Throttled} throttled and {injected.ServerErrors} 5xx answers of {injected.Calls} calls"));
            var kept = await cloud.CheckNothingLostAsync(before, ct);
            Console.WriteLine(kept.Count == 0
                ? $"  after the faults: every original key-policy statement kept, {before.ImageCount} images before and after (no copy, no duplicate)"
                : $"  LOSS UNDER FAULTS: {string.Join("; ", kept)}");
            exitCode = Math.Max(exitCode, kept.Count == 0 ? 0 : 1);
        }
        if (code != 0)
        {
            Console.WriteLine(output);
            return 1;
        }

        exitCode = Math.Max(exitCode, await ReportVerificationAsync(cloud, "amishare", ct));

        // A rerun with the same arguments must plan nothing: its calls are the idempotent diff alone.
        counter.Reset();
        watch.Restart();
        var (rerunCode, rerunOutput) = RunInProcess(shareArgs, counter);
        rerunTime = watch.Elapsed;
        rerunCalls = counter.Snapshot();
        var nothingToDo = rerunOutput.Contains("\"mode\":\"nothing-to-do\"", StringComparison.Ordinal) || rerunOutput.Contains("\"mode\": \"nothing-to-do\"", StringComparison.Ordinal);
        Console.WriteLine(string.Create(inv, $"amishare share rerun: exit {rerunCode}, {rerunTime.TotalSeconds:0.000} s, {counter.Total} API calls, {(nothingToDo ? "nothing to do" : "PLANNED CHANGES")}"));
        if (rerunCode != 0 || !nothingToDo)
        {
            exitCode = 1;
        }
    }
    finally
    {
        File.Delete(ledger);
    }
}

// 2. amishare as a process of its own, as a user runs it: .NET start-up and JIT included.
TimeSpan? processTime = null;
TimeSpan? startupTime = null;
if (!options.SkipProcess)
{
    await using var cloud = await ShareCloud.StartAsync(scale, ct);
    var ledger = Path.Combine(Path.GetTempPath(), $"amishare-share-bench-process-{Environment.ProcessId}.db");
    try
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "amishare.dll"));
        foreach (var arg in ShareArguments(cloud, ledger))
        {
            start.ArgumentList.Add(arg);
        }

        SetAwsEnvironment(start, cloud);

        // The floor a process pays before its first request: runtime start-up and the command tree, no AWS call.
        var help = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        help.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "amishare.dll"));
        help.ArgumentList.Add("--help");
        startupTime = (await RunProcessAsync(help, ct)).Elapsed;

        var (code, elapsed, output) = await RunProcessAsync(start, ct);
        processTime = elapsed;
        Console.WriteLine(string.Create(inv, $"amishare share (own process): exit {code}, {elapsed.TotalSeconds:0.000} s"));
        if (code != 0)
        {
            Console.WriteLine(output);
            exitCode = 1;
        }

        exitCode = Math.Max(exitCode, await ReportVerificationAsync(cloud, "amishare (process)", ct));
    }
    finally
    {
        File.Delete(ledger);
    }
}

// 3. The manual AWS CLI script on a fresh cloud with the same set-up.
TimeSpan? scriptTime = null;
if (!options.SkipScript)
{
    await using var cloud = await ShareCloud.StartAsync(scale, ct);
    var work = Directory.CreateTempSubdirectory("amishare-share-bench-");
    try
    {
        var images = Path.Combine(work.FullName, "images.txt");
        var keys = Path.Combine(work.FullName, "keys.txt");
        var targets = Path.Combine(work.FullName, "targets.txt");
        await File.WriteAllLinesAsync(images, cloud.ImageIds, ct);
        await File.WriteAllLinesAsync(keys, cloud.KeyArns, ct);
        await File.WriteAllLinesAsync(targets, cloud.Targets, ct);
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { Path.Combine(AppContext.BaseDirectory, "manual-share.sh"), images, keys, targets })
        {
            start.ArgumentList.Add(arg);
        }

        SetAwsEnvironment(start, cloud);
        start.Environment["ENDPOINT_URL"] = cloud.Endpoint;
        var (code, elapsed, output) = await RunProcessAsync(start, ct);
        scriptTime = elapsed;
        Console.WriteLine(string.Create(inv, $"manual AWS CLI script: exit {code}, {elapsed.TotalSeconds:0.000} s, {scale.Images + (2 * scale.Keys)} aws invocations ({FirstLine("aws", "--version")})"));
        if (code != 0)
        {
            Console.WriteLine(output);
            exitCode = 1;
        }

        exitCode = Math.Max(exitCode, await ReportVerificationAsync(cloud, "script", ct));
    }
    finally
    {
        work.Delete(recursive: true);
    }
}

PrintCalls(scale, calls, rerunCalls);
Console.WriteLine();
Console.WriteLine("Wall time (set-up excluded; each on a fresh LocalCloud with the same set-up):");
Console.WriteLine(string.Create(inv, $"| {"Run",-44} | {"Seconds",8} | {"Script / run",12} |"));
Console.WriteLine($"|{new string('-', 46)}|{new string('-', 9)}:|{new string('-', 13)}:|");
PrintTime("amishare share, in-process", amishareTime, scriptTime);
PrintTime("  its rerun (discover + plan, nothing to do)", rerunTime, null);
if (processTime is { } p)
{
    PrintTime("amishare share, own process (dotnet)", p, scriptTime);
    PrintTime("  amishare --help, own process (start-up)", startupTime!.Value, null);
}

if (scriptTime is { } s)
{
    PrintTime("manual AWS CLI script", s, scriptTime);
    var asProcess = processTime is { } pt ? string.Create(inv, $", {s / pt:0.0}x as a process") : string.Empty;
    Console.WriteLine(string.Create(inv, $"Speed-up over the script: {s / amishareTime:0.0}x in-process{asProcess} (target >= 20x)"));
}

return exitCode;

string[] ShareArguments(ShareCloud cloud, string ledger) =>
    ["share", .. cloud.ImageIds, "--with", string.Join(',', cloud.Targets), "--endpoint-url", cloud.Endpoint, "--region", ShareCloud.Region, "--ledger", ledger, "--yes", "--output", "json"];

static (int Code, string Output) RunInProcess(string[] args, ApiCallCounter counter)
{
    var consoleText = new StringWriter();
    var console = AnsiConsole.Create(new AnsiConsoleSettings
    {
        Ansi = AnsiSupport.No,
        ColorSystem = ColorSystemSupport.NoColors,
        Interactive = InteractionSupport.No,
        Out = new AnsiConsoleOutput(consoleText),
    });
    var output = new StringWriter();
    var services = new CliServices(Connector: () => new AwsCloudConnector(new AwsAdapterSettings { Counter = counter }, ShareCloud.Root(ShareCloud.Source)));
    var code = CliApp.Run(args, console, new CliIO(new StringReader(string.Empty), output), services);
    return (code, consoleText + output.ToString());
}

static void SetAwsEnvironment(ProcessStartInfo start, ShareCloud cloud)
{
    var root = ShareCloud.Root(ShareCloud.Source).GetCredentials();
    start.Environment["AWS_ACCESS_KEY_ID"] = root.AccessKey;
    start.Environment["AWS_SECRET_ACCESS_KEY"] = root.SecretKey;
    start.Environment["AWS_DEFAULT_REGION"] = ShareCloud.Region;
    start.Environment["AWS_REGION"] = ShareCloud.Region;

    // Nothing of the machine's own AWS set-up may leak into either run.
    start.Environment["AWS_CONFIG_FILE"] = "/dev/null";
    start.Environment["AWS_SHARED_CREDENTIALS_FILE"] = "/dev/null";
    start.Environment["AWS_PAGER"] = string.Empty;
    start.Environment.Remove("AWS_PROFILE");
    start.Environment.Remove("AWS_SESSION_TOKEN");
    _ = cloud;
}

static async Task<(int Code, TimeSpan Elapsed, string Output)> RunProcessAsync(ProcessStartInfo start, CancellationToken ct)
{
    var watch = Stopwatch.StartNew();
    using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {start.FileName}");
    var stdout = process.StandardOutput.ReadToEndAsync(ct);
    var stderr = process.StandardError.ReadToEndAsync(ct);
    await process.WaitForExitAsync(ct);
    var elapsed = watch.Elapsed;
    return (process.ExitCode, elapsed, await stdout + await stderr);
}

static string FirstLine(string file, string arg)
{
    try
    {
        using var process = Process.Start(new ProcessStartInfo(file, arg) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false })!;
        var text = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        process.WaitForExit();
        return text.Split('\n')[0].Trim();
    }
    catch (System.ComponentModel.Win32Exception)
    {
        return file + " not found";
    }
}

static async Task<int> ReportVerificationAsync(ShareCloud cloud, string run, CancellationToken ct)
{
    var problems = await cloud.VerifySharedAsync(ct);
    Console.WriteLine(problems.Count == 0
        ? $"  verified ({run}): all {cloud.ImageIds.Length} images list and are visible to all {cloud.Targets.Length} targets; all {cloud.KeyArns.Length} key policies admit every target root for EC2's KMS actions"
        : $"  VERIFICATION FAILED ({run}): {string.Join("; ", problems.Take(5))}");
    return problems.Count == 0 ? 0 : 1;
}

static void PrintTime(string name, TimeSpan elapsed, TimeSpan? script) =>
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {name,-44} | {elapsed.TotalSeconds,8:0.000} | {(script is { } s ? (s / elapsed).ToString("0.0", CultureInfo.InvariantCulture) + "x" : "-"),12} |"));

static void PrintCalls(Scale scale, ImmutableSortedDictionary<string, long> calls, ImmutableSortedDictionary<string, long> rerun)
{
    var inv = CultureInfo.InvariantCulture;
    const int Regions = 1;

    // The fewest calls an idempotent share can make: read what is there (so a rerun changes nothing), then write once each.
    var minimal = new (string Operation, long Count, string Formula)[]
    {
        ("sts:GetCallerIdentity", 1, "1"),
        ("ec2:DescribeImages", Regions, "1 per region"),
        ("ec2:DescribeImageAttribute", scale.Images, "1 per image"),
        ("ec2:DescribeSnapshots", Regions, "1 per region"),
        ("kms:DescribeKey", scale.Keys, "1 per key"),
        ("kms:GetKeyPolicy", scale.Keys, "1 per key"),
        ("ec2:ModifyImageAttribute", scale.Images, "1 per image"),
        ("kms:PutKeyPolicy", scale.Keys, "1 per key"),
    };
    var operations = minimal.Select(m => m.Operation).Concat(calls.Keys).Concat(rerun.Keys).Distinct(StringComparer.Ordinal).ToList();
    Console.WriteLine();
    Console.WriteLine("API calls of amishare share (in-process run), per operation:");
    Console.WriteLine($"| {"Operation",-28} | {"Minimal",7} | {"Formula",-12} | {"Actual",6} | {"Rerun",5} |");
    Console.WriteLine($"|{new string('-', 30)}|{new string('-', 8)}:|{new string('-', 14)}|{new string('-', 7)}:|{new string('-', 6)}:|");
    foreach (var operation in operations)
    {
        var m = minimal.FirstOrDefault(x => x.Operation == operation);
        Console.WriteLine(string.Create(inv, $"| {operation,-28} | {m.Count,7} | {m.Formula ?? "not needed",-12} | {calls.GetValueOrDefault(operation),6} | {rerun.GetValueOrDefault(operation),5} |"));
    }

    var minimalTotal = minimal.Sum(m => m.Count);
    var actual = calls.Values.Sum();
    Console.WriteLine(string.Create(inv, $"| {"Total",-28} | {minimalTotal,7} | {"",-12} | {actual,6} | {rerun.Values.Sum(),5} |"));
    Console.WriteLine(string.Create(inv, $"Minimal = 1 + 2 x regions + 2 x images + 3 x keys = 1 + 2 x {Regions} + 2 x {scale.Images} + 3 x {scale.Keys} = {minimalTotal}"));
    Console.WriteLine(string.Create(inv, $"Actual / minimal = {actual} / {minimalTotal} = {(double)actual / minimalTotal:0.000}x (target <= 1.2x)"));
}

internal sealed record Options(int Images, int Targets, int Keys, bool SkipScript, bool SkipProcess, bool LedgerCompare = false, int Rounds = 2, AmiShare.LocalCloud.Hosting.FaultPlan? Faults = null, int Regions = 1)
{
    public static Options Parse(string[] args)
    {
        var o = new Options(50, 100, 5, false, false);
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            int Int() => Math.Clamp(int.Parse(Next(), CultureInfo.InvariantCulture), 1, 1000);
            o = args[i] switch
            {
                "--images" => o with { Images = Int() },
                "--targets" => o with { Targets = Int() },
                "--keys" => o with { Keys = Int() },
                "--skip-script" => o with { SkipScript = true },
                "--skip-process" => o with { SkipProcess = true },
                "--ledger-compare" => o with { LedgerCompare = true },
                "--rounds" => o with { Rounds = Int() },
                "--regions" => o with { Regions = Int() },
                "--faults" => o with { Faults = AmiShare.LocalCloud.Hosting.FaultPlan.Parse(File.ReadAllText(Next())) },
                _ => throw new ArgumentException($"unknown option {args[i]}; known: --images N --targets N --keys N --skip-script --skip-process --ledger-compare --rounds N --faults FILE --regions N"),
            };
        }

        return o with { Keys = Math.Min(o.Keys, o.Images) };
    }
}
