using AmiShare.Cli.Infrastructure;
using AmiShare.Cli.Ledger;
using AmiShare.Core.Execution;
using AmiShare.Ledger;
using Spectre.Console;
using Spectre.Console.Cli;

namespace AmiShare.Cli.Commands.Share;

/// <summary>
/// What every command that talks to the cloud shares: connecting (and disposing the clients), the ledger, and a
/// progress display that animates on a terminal and prints plain lines in a log. Commands stay thin on top.
/// </summary>
public abstract class CloudCommand<TSettings>(IAnsiConsole console, CliIO io, CliServices services) : AsyncCommand<TSettings>
    where TSettings : ConnectionSettings
{
    protected IAnsiConsole Console { get; } = console;

    protected CliIO IO { get; } = io;

    protected CliServices Services { get; } = services;

    public sealed override async Task<int> ExecuteAsync(CommandContext context, TSettings settings, CancellationToken cancellationToken)
    {
        // A bad or repeated --region is refused before any cloud call, whichever command it is.
        if (settings.RegionListProblem is { } regionProblem)
        {
            throw new CliException(regionProblem, ExitCodes.InvalidInput);
        }

        // A --ledger that cannot be used is refused before any cloud call, not after the plan was made.
        if (settings is CloudSettings cloud)
        {
            LedgerOpening.Locate(cloud.Ledger);
        }

        using var connector = Services.CreateConnector();
        int code;
        try
        {
            code = await RunAsync(settings, connector, cancellationToken).ConfigureAwait(false);
        }
        catch (LeaseHeldException ex)
        {
            throw new CliException(ex.Message, ExitCodes.CheckFailed);
        }
        catch (LeaseLostException ex)
        {
            throw new CliException(ex.Message, ExitCodes.ServiceError);
        }
        catch (LedgerUnavailableException ex)
        {
            throw new CliException($"{ex.Message} {ex.Fix}", ExitCodes.InvalidInput);
        }

        if (settings.Verbose && settings.Output == OutputFormat.Table)
        {
            Console.MarkupLineInterpolated($"[grey]API calls: {string.Join(", ", connector.CallCounts.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => $"{c.Key} {c.Value}"))}[/]");
        }

        return code;
    }

    protected abstract Task<int> RunAsync(TSettings settings, ICloudConnector connector, CancellationToken cancellationToken);

    protected static IShareLedger OpenLedger(CloudSettings settings, TimeProvider time) => LedgerOpening.Open(settings.Ledger, time);

    /// <summary>The leases this run takes, from --no-wait and --lease-seconds; waits are reported on <paramref name="waiting"/>.</summary>
    protected static LeaseKeeper Leases(CloudSettings settings, IShareLedger ledger, TimeProvider time, IProgress<string>? waiting)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return new LeaseKeeper(ledger, new LeaseSettings(LeaseSettings.NewOwner(), TimeSpan.FromSeconds(settings.LeaseSeconds), Wait: !settings.NoWait), time, waiting);
    }

    /// <summary>Runs <paramref name="work"/> with a spinner on a terminal, or plain progress lines otherwise; nothing in JSON mode.</summary>
    protected async Task<T> WithProgressAsync<T>(CommonSettings settings, string title, Func<SynchronousProgress, Task<T>> work)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(work);
        if (settings.Output == OutputFormat.Json)
        {
            return await work(new SynchronousProgress(_ => { })).ConfigureAwait(false);
        }

        if (Console.Profile.Capabilities.Interactive)
        {
            return await Console.Status().StartAsync(title, async status =>
                await work(new SynchronousProgress(message => status.Status($"{title}: {Markup.Escape(message)}"))).ConfigureAwait(false)).ConfigureAwait(false);
        }

        Console.MarkupLineInterpolated($"[grey]{title}…[/]");
        return await work(new SynchronousProgress(message => Console.MarkupLineInterpolated($"[grey]  {message}[/]"))).ConfigureAwait(false);
    }

    /// <summary>
    /// Reports on the reporting thread, one at a time: Progress&lt;T&gt; posts to the thread pool and can reorder or
    /// outlive the work, and independent steps report from several threads at once.
    /// </summary>
    protected sealed class SynchronousProgress(Action<string> report) : IProgress<string>, IProgress<ExecutionProgress>
    {
        private readonly Lock gate = new();

        public void Report(string value)
        {
            lock (gate)
            {
                report(value);
            }
        }

        public void Report(ExecutionProgress value) => Report(Rendering.PlanRendering.Progress(value));
    }
}
