using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace AmiShare.LocalCloud.Bench;

/// <summary>
/// An emulator running in its own process on 127.0.0.1, so both servers are measured the same way: out of
/// the harness's process, reached over loopback HTTP by the same SDK clients. Stopped with SIGTERM (then killed
/// if it lingers).
/// </summary>
internal sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process process;

    private ServerProcess(Process process, Uri endpoint, string name)
    {
        this.process = process;
        Endpoint = endpoint;
        Name = name;
    }

    public Uri Endpoint { get; }

    public string Name { get; }

    public int ProcessId => process.Id;

    /// <summary><c>dotnet amishare.dll local serve --port 0 --output json</c>: the first stdout line names the endpoint.</summary>
    public static async Task<ServerProcess> StartLocalCloudAsync(string amishareDll, string? seedFile, CancellationToken ct)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { amishareDll, "local", "serve", "--host", "127.0.0.1", "--port", "0", "--output", "json" })
        {
            start.ArgumentList.Add(arg);
        }

        if (seedFile is not null)
        {
            start.ArgumentList.Add("--seed");
            start.ArgumentList.Add(seedFile);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start dotnet");
        process.ErrorDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        var line = await process.StandardOutput.ReadLineAsync(timeout.Token).ConfigureAwait(false);
        if (line is null)
        {
            throw new InvalidOperationException("amishare local serve exited without announcing its endpoint (exit code " + (process.HasExited ? process.ExitCode.ToString(CultureInfo.InvariantCulture) : "?") + ").");
        }

        using var announcement = JsonDocument.Parse(line);
        var endpoint = new Uri(announcement.RootElement.GetProperty("endpoint").GetString()!);
        return new ServerProcess(process, endpoint, "LocalCloud");
    }

    /// <summary><c>moto_server -H 127.0.0.1 -p PORT</c> on a free port, once it answers HTTP.</summary>
    public static async Task<ServerProcess> StartMotoAsync(CancellationToken ct)
    {
        var port = FreePort();
        var start = new ProcessStartInfo("moto_server") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { "-H", "127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(arg);
        }

        // The AMI catalogue moto loads by default would make every DescribeImages filter thousands of images; leave it
        // out so moto is measured at its fastest (the comparison stays conservative for LocalCloud).
        start.Environment["MOTO_EC2_LOAD_DEFAULT_AMIS"] = "false";

        // moto logs every request to stderr; drain it so a full pipe never stalls the server.
        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start moto_server");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var endpoint = new Uri($"http://127.0.0.1:{port}/");
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            if (process.HasExited)
            {
                throw new InvalidOperationException($"moto_server exited with code {process.ExitCode} before answering.");
            }

            try
            {
                using var response = await http.GetAsync(new Uri(endpoint, "moto-api/"), ct).ConfigureAwait(false);
                return new ServerProcess(process, endpoint, "moto");
            }
            catch (HttpRequestException) when (deadline.Elapsed < TimeSpan.FromSeconds(60))
            {
                await Task.Delay(200, ct).ConfigureAwait(false);
            }
            catch (TaskCanceledException) when (!ct.IsCancellationRequested && deadline.Elapsed < TimeSpan.FromSeconds(60))
            {
                await Task.Delay(200, ct).ConfigureAwait(false);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            // SIGTERM lets LocalCloud close its store cleanly and moto (werkzeug) shut down.
            using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync().ConfigureAwait(false);
            }

            using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try
            {
                await process.WaitForExitAsync(grace.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync().ConfigureAwait(false);
            }
        }

        process.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
