using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Amazon.DynamoDBv2;
using Amazon.Runtime;
using AmiShare.Ledger;

namespace AmiShare.Ledger.Tests.Support;

/// <summary>
/// moto_server on a free port, for the DynamoDB ledger: moto implements condition expressions and
/// TransactWriteItems. Started once per test class that uses it; absent moto_server skips those tests, saying so.
/// </summary>
public sealed class MotoDynamoDb : IAsyncLifetime
{
    public const string Region = "us-east-1";
    public const string MissingReason = "moto_server is not on PATH (pip install 'moto[server]'); the DynamoDB ledger tests need it";

    /// <summary>moto takes any keys; these keep the SDK from looking for a profile.</summary>
    public static readonly BasicAWSCredentials Credentials = new("AKIAMOTOLEDGERTESTS0", "moto-ledger-tests-secret");

    private Process? process;
    private int tables;

    public static bool IsInstalled { get; } = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
        .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
        .Any(d => File.Exists(Path.Combine(d, "moto_server")));

    public string Endpoint { get; private set; } = string.Empty;

    public async Task InitializeAsync()
    {
        if (!IsInstalled)
        {
            return;
        }

        // Free port: bind port 0, read it, release it; moto_server cannot pick one and report it.
        int port;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
            listener.Stop();
        }

        var start = Start(port.ToString(CultureInfo.InvariantCulture));

        process = Process.Start(start) ?? throw new InvalidOperationException("could not start moto_server");

        // moto logs every request: drain both pipes so a full one never stalls it.
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        Endpoint = $"http://127.0.0.1:{port}";
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var waited = Stopwatch.StartNew();
        while (true)
        {
            Assert.False(process.HasExited, "moto_server exited before answering");
            try
            {
                using var response = await http.GetAsync(new Uri(Endpoint + "/moto-api/"));
                break;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && waited.Elapsed < TimeSpan.FromSeconds(60))
            {
                await Task.Delay(200);
            }
        }
    }

    /// <summary>
    /// moto_server answers on several threads and its DynamoDB keeps no lock, so two conditional writes of one
    /// item can both pass their condition: not DynamoDB's behaviour (one item's writes are serialized). moto's
    /// own server app is therefore run on one thread, which serializes every request as DynamoDB serializes each
    /// item's; moto_server itself is the fallback where its Python is not python3.
    /// </summary>
    public static ProcessStartInfo Start(string port)
    {
        const string SingleThreaded = "import sys; from werkzeug.serving import run_simple; from moto.server import DomainDispatcherApplication, create_backend_app; "
            + "run_simple(sys.argv[1], int(sys.argv[2]), DomainDispatcherApplication(create_backend_app), threaded=False)";
        var python = MotoPythonWorks();
        var start = new ProcessStartInfo(python ? "python3" : "moto_server") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in python ? ["-c", SingleThreaded, "127.0.0.1", port] : new[] { "-H", "127.0.0.1", "-p", port })
        {
            start.ArgumentList.Add(arg);
        }

        return start;
    }

    private static bool MotoPythonWorks()
    {
        try
        {
            using var probe = Process.Start(new ProcessStartInfo("python3", ["-c", "import moto.server, werkzeug.serving"]) { RedirectStandardError = true, UseShellExecute = false });
            if (probe is null)
            {
                return false;
            }

            probe.StandardError.ReadToEnd();
            probe.WaitForExit();
            return probe.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }

    /// <summary>A new client, as another runner would have: nothing shared with the others but the server.</summary>
    public AmazonDynamoDBClient Client() => new(Credentials, new AmazonDynamoDBConfig { ServiceURL = Endpoint, AuthenticationRegion = Region, IgnoreConfiguredEndpointUrls = true });

    /// <summary>A fresh table, made by the same code as <c>amishare ledger init</c>.</summary>
    public async Task<string> NewTableAsync()
    {
        var table = "amishare-ledger-" + Interlocked.Increment(ref tables).ToString(CultureInfo.InvariantCulture) + "-" + Guid.NewGuid().ToString("N")[..6];
        using var client = Client();
        await DynamoDbLedgerTable.EnsureAsync(client, table, TimeProvider.System, CancellationToken.None);
        return table;
    }

    /// <summary>The --ledger value a child process uses for <paramref name="table"/>.</summary>
    public string LedgerUri(string table) => $"dynamodb://{table}?region={Region}&endpoint={Uri.EscapeDataString(Endpoint)}";

    public async Task DisposeAsync()
    {
        if (process is { HasExited: false })
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        process?.Dispose();
    }
}

/// <summary>A fact that needs moto_server: skipped, with the reason, where it is missing.</summary>
public sealed class MotoFactAttribute : FactAttribute
{
    public MotoFactAttribute()
    {
        if (!MotoDynamoDb.IsInstalled)
        {
            Skip = MotoDynamoDb.MissingReason;
        }
    }
}
