using System.ComponentModel;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text.Json;
using AmiShare.Cli.Infrastructure;
using AmiShare.LocalCloud;
using AmiShare.LocalCloud.Hosting;
using AmiShare.LocalCloud.Seed;
using Spectre.Console;
using Spectre.Console.Cli;

namespace AmiShare.Cli.Commands.Local;

public sealed class LocalServeSettings : CommonSettings
{
    [CommandOption("--host <ADDRESS>")]
    [Description("Address to listen on. Loopback by default, so the emulator is never exposed to the network.")]
    [DefaultValue("127.0.0.1")]
    public string Host { get; init; } = "127.0.0.1";

    [CommandOption("-p|--port <PORT>")]
    [Description("TCP port; [green]0[/] picks a free one.")]
    [DefaultValue(4566)]
    public int Port { get; init; } = 4566;

    [CommandOption("--data <FILE>")]
    [Description("SQLite file that keeps the cloud across restarts. Without it, everything lives in memory.")]
    public string? Data { get; init; }

    [CommandOption("--seed <FILE>")]
    [Description("Accounts, organization and public images for a new cloud (docs/localcloud.md). Without it, the documented default.")]
    public string? Seed { get; init; }

    [CommandOption("--accept-unknown-keys <ACCOUNT>")]
    [Description("For suites written against LocalStack: an access key id LocalCloud does not know acts as this account's root, unverified. Known keys are still verified.")]
    public string? AcceptUnknownKeys { get; init; }

    [CommandOption("--faults <FILE>")]
    [Description("Fault plan (JSON, docs/localcloud.md \"Faults\"): seeded throttling, 5xx, latency and KMS propagation delays per operation and account.")]
    public string? Faults { get; init; }

    public override ValidationResult Validate()
    {
        if (Port is < 0 or > 65535)
        {
            return ValidationResult.Error($"--port {Port} is not a port; use 0 to 65535 (0 picks a free one).");
        }

        return AcceptUnknownKeys is { } account && (account.Length != 12 || !account.All(char.IsAsciiDigit))
            ? ValidationResult.Error($"--accept-unknown-keys '{account}' is not a 12-digit account id; give one of the seed's accounts, e.g. 111111111111.")
            : ValidationResult.Success();
    }
}

/// <summary>Runs LocalCloud until Ctrl+C, printing its endpoint and every account's root credentials.</summary>
public sealed class LocalServeCommand(IAnsiConsole console, CliIO io) : AsyncCommand<LocalServeSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, LocalServeSettings settings, CancellationToken cancellationToken)
    {
        if (settings.Seed is { } seedPath && !File.Exists(seedPath))
        {
            throw new CliException($"No seed file at '{seedPath}'. Give an existing seed file (see examples/localcloud/seed.json), or leave out --seed for the default cloud.");
        }

        var faults = settings.Faults is { } faultsPath ? await ReadFaultsAsync(faultsPath, cancellationToken).ConfigureAwait(false) : null;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);

        // Ctrl+C (SIGINT) and SIGTERM both stop the server cleanly, so the data file is flushed and closed.
        void OnSignal(PosixSignalContext signal)
        {
            signal.Cancel = true;
            stop.Cancel();
        }

        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        await using var server = await Start(settings, faults, stop.Token).ConfigureAwait(false);
        Announce(settings, server);
        try
        {
            await Task.Delay(Timeout.Infinite, stop.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // A signal: fall through to dispose the server.
        }

        if (settings.Output == OutputFormat.Table)
        {
            console.MarkupLine("LocalCloud stopped.");
        }

        return ExitCodes.Success;
    }

    private static async Task<FaultPlan> ReadFaultsAsync(string path, CancellationToken cancellationToken)
    {
        if (!File.Exists(path))
        {
            throw new CliException($"No faults file at '{path}'. Give an existing fault plan (docs/localcloud.md, \"Faults\"), or leave out --faults.");
        }

        try
        {
            return FaultPlan.Parse(await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false));
        }
        catch (FaultPlanException ex)
        {
            throw new CliException($"The faults file '{path}' is not valid: {ex.Message.TrimEnd('.')}. Fix it (docs/localcloud.md, \"Faults\"), or leave out --faults.");
        }
    }

    private static async Task<LocalCloudServer> Start(LocalServeSettings settings, FaultPlan? faults, CancellationToken cancellationToken)
    {
        try
        {
            return await LocalCloudServer.StartAsync(
                new LocalCloudOptions
                {
                    Host = settings.Host,
                    Port = settings.Port,
                    DataFilePath = settings.Data,
                    SeedFilePath = settings.Seed,
                    UnknownKeysAccountId = settings.AcceptUnknownKeys,
                    Faults = faults,
                },
                cancellationToken).ConfigureAwait(false);
        }
        catch (SeedValidationException ex)
        {
            // One line, every problem in it: scripts and CI logs show the whole reason where the command failed.
            throw new CliException($"The seed is not valid: {string.Join("; ", ex.Problems).TrimEnd('.')}. Fix the seed file (docs/localcloud.md, \"Seed\"), or leave out --seed for the default cloud.");
        }
        catch (IOException ex) when (ex.InnerException is SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse } || ex.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
        {
            throw new CliException($"Port {settings.Port} on {settings.Host} is already in use. Stop what uses it, or pass --port 0 to pick a free port.");
        }
        catch (ArgumentException ex)
        {
            throw new CliException(ex.Message);
        }
    }

    private void Announce(LocalServeSettings settings, LocalCloudServer server)
    {
        if (settings.Output == OutputFormat.Json)
        {
            // One line, so scripts and tests can read the endpoint and credentials before the server stops.
            var description = new
            {
                endpoint = server.Endpoint.ToString(),
                data = settings.Data,
                regions = server.Organization.Regions,
                organizationId = server.Organization.OrganizationId,
                acceptUnknownKeysAs = settings.AcceptUnknownKeys,
                adminToken = server.AdminToken,
                faults = settings.Faults,
                accounts = server.Accounts.Select(a => new { id = a.Id, name = a.Name, organizationPath = a.OrganizationPath, accessKeyId = a.RootAccessKeyId, secretAccessKey = a.RootSecretAccessKey }),
            };
            io.Out.WriteLine(JsonSerializer.Serialize(description));
            io.Out.Flush();
            return;
        }

        console.MarkupLineInterpolated($"[green]LocalCloud[/] listening on [bold]{server.Endpoint}[/] ({(settings.Data is null ? "in memory" : "data: " + settings.Data)})");
        console.MarkupLineInterpolated($"Regions: {string.Join(", ", server.Organization.Regions)}");
        console.MarkupLine("Accounts and their root credentials (they exist only in this LocalCloud):");
        foreach (var account in server.Accounts)
        {
            console.MarkupLineInterpolated($"  [bold]{account.Id}[/] {account.Name,-12} {account.OrganizationPath ?? "(outside the organization)"}");
            console.MarkupLineInterpolated($"      AWS_ACCESS_KEY_ID={account.RootAccessKeyId} AWS_SECRET_ACCESS_KEY={account.RootSecretAccessKey}");
        }

        if (settings.AcceptUnknownKeys is { } unknownKeysAccount)
        {
            console.MarkupLineInterpolated($"[yellow]Unknown access key ids act as the root of {unknownKeysAccount}, unverified[/] (--accept-unknown-keys); the keys above are still verified.");
        }

        if (settings.Faults is { } faultsFile)
        {
            console.MarkupLineInterpolated($"[yellow]Faults injected[/] from {faultsFile} (seed {server.Cloud.Faults.Plan.Seed}); see or change them at {server.Endpoint}_localcloud/faults.");
        }

        // Endpoints that change the emulator answer loopback callers, or others sending this token.
        console.MarkupLineInterpolated($"Admin token (header {LocalCloudServer.AdminTokenHeader}, needed off the loopback): {server.AdminToken}");

        var example = server.Accounts.FirstOrDefault(a => a.Name == "images") ?? server.Accounts[0];
        console.MarkupLine("Try:");
        console.MarkupLineInterpolated($"  AWS_ACCESS_KEY_ID={example.RootAccessKeyId} AWS_SECRET_ACCESS_KEY={example.RootSecretAccessKey} aws --endpoint-url {server.Endpoint.ToString().TrimEnd('/')} --region {server.Organization.Regions[0]} sts get-caller-identity");
        console.MarkupLine("Press Ctrl+C to stop.");
    }
}
