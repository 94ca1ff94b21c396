using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using AmiShare.Aws;

namespace AmiShare.Share.Bench;

/// <summary>
/// The share with the SQLite ledger against the same share with the DynamoDB ledger on moto_server, each on a fresh
/// LocalCloud with the same set-up, after one unmeasured run of each, in ABBA order, in-process (the ledger's cost, not .NET start-up). Prints each
/// time and the ratio DynamoDB / SQLite (target ≤ 1.5×).
/// </summary>
internal static class LedgerCompare
{
    public static async Task<int> RunAsync(Scale scale, int rounds, Func<string[], ApiCallCounter, (int Code, string Output)> runInProcess, CancellationToken ct)
    {
        var inv = CultureInfo.InvariantCulture;
        using var moto = await StartMotoAsync(ct);
        if (moto is null)
        {
            Console.WriteLine("moto_server is not on PATH: the DynamoDB ledger cannot be measured here.");
            return 1;
        }

        // The DynamoDB ledger takes credentials from the standard chain; moto accepts any.
        Environment.SetEnvironmentVariable("AWS_ACCESS_KEY_ID", "AKIAMOTOLEDGERBENCH0");
        Environment.SetEnvironmentVariable("AWS_SECRET_ACCESS_KEY", "moto-ledger-bench");
        var sqlite = new List<double>();
        var dynamo = new List<double>();
        // One unmeasured run of each first: the first run in the process pays the JIT of the whole share (and the first
        // DynamoDB one the SDK's), which would otherwise land on whichever backend the ABBA order starts with.
        var order = new[] { "sqlite", "dynamodb" }.Concat(Enumerable.Range(0, rounds).SelectMany(r => r % 2 == 0 ? new[] { "sqlite", "dynamodb" } : ["dynamodb", "sqlite"])).ToList();
        var n = 0;
        foreach (var backend in order)
        {
            var warmUp = n < 2;
            await using var cloud = await ShareCloud.StartAsync(scale, ct);
            var file = Path.Combine(Path.GetTempPath(), $"amishare-ledger-bench-{Environment.ProcessId}-{n++}.db");
            var ledger = backend == "sqlite" ? file : $"dynamodb://amishare-bench-{n}?region={ShareCloud.Region}&endpoint={Uri.EscapeDataString(moto.Endpoint)}";
            if (backend == "dynamodb")
            {
                var (initCode, initOutput) = runInProcess(["ledger", "init", "--ledger", ledger], new ApiCallCounter());
                if (initCode != 0)
                {
                    Console.WriteLine(initOutput);
                    return 1;
                }
            }

            string[] args = ["share", .. cloud.ImageIds, "--with", string.Join(',', cloud.Targets), "--endpoint-url", cloud.Endpoint, "--region", ShareCloud.Region, "--ledger", ledger, "--yes", "--output", "json"];
            var requestsBefore = moto.Requests;
            var watch = Stopwatch.StartNew();
            var (code, output) = runInProcess(args, new ApiCallCounter());
            var seconds = watch.Elapsed.TotalSeconds;
            await Task.Delay(300, ct); // moto logs each request after answering it
            var requests = moto.Requests - requestsBefore;
            File.Delete(file);
            if (code != 0)
            {
                Console.WriteLine($"{backend}: exit {code}");
                Console.WriteLine(output);
                return 1;
            }

            var problems = await cloud.VerifySharedAsync(ct);
            var ledgerRequests = backend == "dynamodb" ? string.Create(inv, $", {requests} DynamoDB requests") : string.Empty;
            Console.WriteLine(string.Create(inv, $"{backend,-8}: exit {code}, {seconds:0.000} s{ledgerRequests}{(problems.Count == 0 ? ", verified" : ", VERIFICATION FAILED: " + string.Join("; ", problems.Take(3)))}{(warmUp ? " (warm-up, not counted)" : string.Empty)}"));
            if (code != 0 || problems.Count > 0)
            {
                Console.WriteLine(output);
                return 1;
            }

            if (!warmUp)
            {
                (backend == "sqlite" ? sqlite : dynamo).Add(seconds);
            }

            if (backend == "dynamodb")
            {
                // moto's TransactWriteItems copies every table it holds (for its rollback): a table left behind would slow the next run.
                using var client = new Amazon.DynamoDBv2.AmazonDynamoDBClient(new Amazon.Runtime.BasicAWSCredentials("AKIAMOTOLEDGERBENCH0", "moto-ledger-bench"), new Amazon.DynamoDBv2.AmazonDynamoDBConfig { ServiceURL = moto.Endpoint, AuthenticationRegion = ShareCloud.Region });
                await client.DeleteTableAsync($"amishare-bench-{n}", ct);
            }
        }

        var ratio = dynamo.Average() / sqlite.Average();
        Console.WriteLine();
        Console.WriteLine(string.Create(inv, $"| Ledger | Runs | Mean s | Min s |"));
        Console.WriteLine("|---|---:|---:|---:|");
        Console.WriteLine(string.Create(inv, $"| SQLite (file) | {sqlite.Count} | {sqlite.Average():0.000} | {sqlite.Min():0.000} |"));
        Console.WriteLine(string.Create(inv, $"| DynamoDB (moto_server) | {dynamo.Count} | {dynamo.Average():0.000} | {dynamo.Min():0.000} |"));
        Console.WriteLine(string.Create(inv, $"DynamoDB / SQLite = {ratio:0.00}x (target <= 1.5x)"));
        return ratio <= 1.5 ? 0 : 1;
    }

    private static async Task<MotoProcess?> StartMotoAsync(CancellationToken ct)
    {
        int port;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
            listener.Stop();
        }

        Process process;
        try
        {
            process = Process.Start(new ProcessStartInfo("moto_server", ["-H", "127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture)]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false })!;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }

        var moto = new MotoProcess(process, $"http://127.0.0.1:{port}");

        // moto_server logs one line per request it answers ("POST / HTTP/1.1" 200): the DynamoDB round trips of a run.
        process.OutputDataReceived += (_, line) => moto.Count(line.Data);
        process.ErrorDataReceived += (_, line) => moto.Count(line.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        for (var i = 0; ; i++)
        {
            try
            {
                using var response = await http.GetAsync(new Uri(moto.Endpoint + "/moto-api/"), ct);
                return moto;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && i < 300)
            {
                await Task.Delay(200, ct);
            }
        }
    }

    private sealed record MotoProcess(Process Process, string Endpoint) : IDisposable
    {
        private int requests;

        public int Requests => Volatile.Read(ref requests);

        public void Count(string? line)
        {
            if (line is not null && line.Contains("\"POST ", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref requests);
            }
        }

        public void Dispose()
        {
            if (!Process.HasExited)
            {
                Process.Kill(entireProcessTree: true);
                Process.WaitForExit();
            }

            Process.Dispose();
        }
    }
}
