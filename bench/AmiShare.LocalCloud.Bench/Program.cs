using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using AmiShare.LocalCloud.Bench;

// LocalCloud vs moto on one request mix, then LocalCloud's re-encryption throughput for a 1 GiB image.
// Usage: dotnet run -c Release --project bench/AmiShare.LocalCloud.Bench [-- options]
//   --workers N (16)  --warmup S (5, lets tiered JIT settle)  --duration S (10)  --rounds N (2, alternating which server goes first)
//   --copy-mib N (1024)  --skip-moto  --skip-copy  --no-build (do not build the Release CLI first)
var options = Options.Parse(args);
var inv = CultureInfo.InvariantCulture;
using var cancel = new CancellationTokenSource(TimeSpan.FromMinutes(20)); // hard bound on the whole run
var ct = cancel.Token;

var root = FindRepositoryRoot();
var amishare = Path.Combine(root, "src", "AmiShare.Cli", "bin", "Release", "net10.0", "amishare.dll");
if (!options.NoBuild)
{
    Console.WriteLine("Building the Release CLI (the LocalCloud server process)...");
    using var build = Process.Start("dotnet", ["build", "-c", "Release", "-v", "q", "-nologo", Path.Combine(root, "src", "AmiShare.Cli", "AmiShare.Cli.csproj")]);
    await build.WaitForExitAsync(ct);
    if (build.ExitCode != 0)
    {
        Console.Error.WriteLine("The CLI did not build.");
        return 2;
    }
}

if (!File.Exists(amishare))
{
    Console.Error.WriteLine($"No {amishare}; run: dotnet build -c Release src/AmiShare.Cli");
    return 2;
}

// The default seed, except that the us-east-1 public image is backed by copy-mib MiB of content.
var seed = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(root, "examples", "localcloud", "seed.json"), ct))!;
const string PublicImageId = "ami-0a1b2c3d4e5f60001";
foreach (var image in seed["publicImages"]!.AsArray())
{
    if ((string?)image!["imageId"] == PublicImageId)
    {
        image["contentMiB"] = options.CopyMiB;
        image["sizeGiB"] = Math.Max(8, (options.CopyMiB + 1023) / 1024);
    }
}

var seedFile = Path.Combine(Path.GetTempPath(), $"amishare-bench-seed-{Environment.ProcessId}.json");
await File.WriteAllTextAsync(seedFile, seed.ToJsonString(), ct);

Console.WriteLine($"{DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, .NET {Environment.Version}, {Environment.ProcessorCount} cores, {options.Workers} workers, warm-up {options.Warmup.TotalSeconds:0} s, window {options.Duration.TotalSeconds:0} s, {options.Rounds} round(s)");
var exitCode = 0;
try
{
    await using var localCloud = await ServerProcess.StartLocalCloudAsync(amishare, seedFile, ct);
    Console.WriteLine($"LocalCloud: {localCloud.Endpoint} (pid {localCloud.ProcessId})");
    using var lc = await PrepareLocalCloudAsync(localCloud.Endpoint, options.Workers, ct);

    if (!options.SkipMix)
    {
        ServerProcess? moto = null;
        MixTarget? mt = null;
        try
        {
            if (!options.SkipMoto)
            {
                moto = await ServerProcess.StartMotoAsync(ct);
                Console.WriteLine($"moto:       {moto.Endpoint} (pid {moto.ProcessId})");
                mt = await PrepareMotoAsync(moto.Endpoint, options.Workers, ct);
            }

            var results = new List<MixResult>();
            for (var round = 0; round < options.Rounds; round++)
            {
                // ABBA order: drift in the machine's background load hits both servers alike.
                var order = mt is null ? [(lc, localCloud.ProcessId)] : round % 2 == 0 ? new[] { (lc, localCloud.ProcessId), (mt, moto!.ProcessId) } : [(mt, moto!.ProcessId), (lc, localCloud.ProcessId)];
                foreach (var (target, pid) in order)
                {
                    await RequestMix.RunAsync(target, pid, options.Workers, options.Warmup, ct);
                    var result = await RequestMix.RunAsync(target, pid, options.Workers, options.Duration, ct);
                    results.Add(result);
                    Console.WriteLine($"  round {round + 1} {result.Server,-10} {result.Rate,10:N0} req/s  (errors {result.TotalErrors}, server CPU {result.ServerCpuMillisecondsPerRequest:0.00} ms/request, client CPU {result.ClientCpuMillisecondsPerRequest:0.00} ms/request)");
                }
            }

            exitCode = Math.Max(exitCode, PrintMix(results));
        }
        finally
        {
            mt?.Dispose();
            if (moto is not null)
            {
                await moto.DisposeAsync();
            }
        }
    }

    if (!options.SkipCopy)
    {
        exitCode = Math.Max(exitCode, await CopyBench.RunAsync(localCloud.Endpoint, localCloud.ProcessId, PublicImageId, options.CopyMiB, ct));
    }
}
finally
{
    File.Delete(seedFile);
}

return exitCode;

static int PrintMix(List<MixResult> results)
{
    var inv = CultureInfo.InvariantCulture;
    Console.WriteLine();
    Console.WriteLine("Request mix (equal thirds; SigV4-signed by the AWS SDK for .NET), all rounds pooled:");
    Console.WriteLine("(each worker cycles through the three operations, so each runs at a third of the total; the columns give mean latency)");
    Console.WriteLine($"| {"Server",-10} | {"Total req/s",11} | {"DescribeImages ms",17} | {"KMS Decrypt ms",14} | {"ModifyImageAttr ms",18} | {"Server CPU ms/req",17} | {"Client CPU ms/req",17} | {"Errors",6} |");
    Console.WriteLine($"|{new string('-', 12)}|{new string('-', 12)}:|{new string('-', 18)}:|{new string('-', 15)}:|{new string('-', 19)}:|{new string('-', 18)}:|{new string('-', 18)}:|{new string('-', 7)}:|");
    var pooled = results.GroupBy(r => r.Server).Select(g => new MixResult(
        g.Key,
        TimeSpan.FromTicks(g.Sum(r => r.Elapsed.Ticks)),
        [.. Enumerable.Range(0, 3).Select(i => g.Sum(r => r.Completed[i]))],
        [.. Enumerable.Range(0, 3).Select(i => g.Sum(r => r.Errors[i]))],
        g.Select(r => r.FirstError).FirstOrDefault(e => e is not null),
        [.. Enumerable.Range(0, 3).Select(i => g.Sum(r => r.LatencyTicks[i]))],
        g.Sum(r => r.ServerCpuSeconds),
        g.Sum(r => r.ClientCpuSeconds))).ToList();
    foreach (var r in pooled)
    {
        Console.WriteLine(string.Create(inv, $"| {r.Server,-10} | {r.Rate,11:N0} | {r.MeanMilliseconds(Operation.DescribeImages),17:0.0} | {r.MeanMilliseconds(Operation.Decrypt),14:0.0} | {r.MeanMilliseconds(Operation.ModifyImageAttribute),18:0.0} | {r.ServerCpuMillisecondsPerRequest,17:0.00} | {r.ClientCpuMillisecondsPerRequest,17:0.00} | {r.TotalErrors,6} |"));
        if (r.FirstError is not null)
        {
            Console.WriteLine($"  first error ({r.Server}): {r.FirstError}");
        }
    }

    var lcResult = pooled.FirstOrDefault(r => r.Server == "LocalCloud");
    var motoResult = pooled.FirstOrDefault(r => r.Server == "moto");
    if (lcResult is not null && motoResult is not null)
    {
        Console.WriteLine(string.Create(inv, $"Ratio LocalCloud / moto: {lcResult.Rate / motoResult.Rate:0.00}x requests/s (target >= 10x); server CPU per request moto / LocalCloud {motoResult.ServerCpuMillisecondsPerRequest / lcResult.ServerCpuMillisecondsPerRequest:0.00}x"));
        foreach (var pair in results.Chunk(2).Where(c => c.Length == 2))
        {
            var l = pair.First(r => r.Server == "LocalCloud");
            var m = pair.First(r => r.Server == "moto");
            Console.WriteLine(string.Create(inv, $"  per round: {l.Rate / m.Rate:0.00}x ({l.Rate:N0} vs {m.Rate:N0} req/s)"));
        }
    }

    if (pooled.Any(r => r.TotalErrors > 0))
    {
        Console.WriteLine("THE RUN HAD ERRORS: the figures above are not a clean measurement.");
        return 1;
    }

    return 0;
}

static async Task<MixTarget> PrepareLocalCloudAsync(Uri endpoint, int workers, CancellationToken ct)
{
    // Account 111111111111's documented root key (docs/localcloud.md, "Root credentials").
    var (ec2, kms) = RequestMix.Clients(endpoint, "AKIAROOT111111111111", "LocalCloudRootSecretKeyForAccount111111111111", workers, TimeSpan.FromSeconds(30));
    var ciphertext = await RequestMix.PrepareCiphertextAsync(kms, ct);
    var copy = await ec2.CopyImageAsync(new Amazon.EC2.Model.CopyImageRequest { SourceImageId = "ami-0a1b2c3d4e5f60001", SourceRegion = "us-east-1", Name = "bench-owned" }, ct);
    return new MixTarget("LocalCloud", ec2, kms, copy.ImageId, ciphertext);
}

static async Task<MixTarget> PrepareMotoAsync(Uri endpoint, int workers, CancellationToken ct)
{
    // moto accepts any key; the SDK still signs every request with it.
    var (ec2, kms) = RequestMix.Clients(endpoint, "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", workers, TimeSpan.FromSeconds(30));
    var ciphertext = await RequestMix.PrepareCiphertextAsync(kms, ct);
    var image = await ec2.RegisterImageAsync(new Amazon.EC2.Model.RegisterImageRequest { Name = "bench-owned", RootDeviceName = "/dev/xvda" }, ct);
    return new MixTarget("moto", ec2, kms, image.ImageId, ciphertext);
}

static string FindRepositoryRoot()
{
    foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "AmiShare.slnx")))
            {
                return dir.FullName;
            }
        }
    }

    throw new InvalidOperationException("Run from inside the AmiShare repository (no AmiShare.slnx found).");
}

internal sealed record Options(int Workers, TimeSpan Warmup, TimeSpan Duration, int Rounds, int CopyMiB, bool SkipMoto, bool SkipMix, bool SkipCopy, bool NoBuild)
{
    public static Options Parse(string[] args)
    {
        var o = new Options(16, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(10), 2, 1024, false, false, false, false);
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            int Int() => Math.Clamp(int.Parse(Next(), CultureInfo.InvariantCulture), 1, 100_000);
            o = args[i] switch
            {
                "--workers" => o with { Workers = Math.Min(Int(), 256) },
                "--warmup" => o with { Warmup = TimeSpan.FromSeconds(Math.Min(Int(), 60)) },
                "--duration" => o with { Duration = TimeSpan.FromSeconds(Math.Min(Int(), 120)) },
                "--rounds" => o with { Rounds = Math.Min(Int(), 10) },
                "--copy-mib" => o with { CopyMiB = Math.Min(Int(), 4096) },
                "--skip-moto" => o with { SkipMoto = true },
                "--skip-mix" => o with { SkipMix = true },
                "--skip-copy" => o with { SkipCopy = true },
                "--no-build" => o with { NoBuild = true },
                _ => throw new ArgumentException($"unknown option {args[i]}"),
            };
        }

        return o;
    }
}
