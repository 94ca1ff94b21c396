using System.ComponentModel;
using System.Globalization;
using System.Text.Json;
using AmiShare.Cli.Infrastructure;
using AmiShare.Cli.Ledger;
using AmiShare.Core.Execution;
using AmiShare.Ledger;
using Spectre.Console;
using Spectre.Console.Cli;

namespace AmiShare.Cli.Commands.Ledger;

public class LedgerSettings : CommonSettings
{
    [CommandOption("--ledger <LEDGER>")]
    [Description("A SQLite FILE or dynamodb://TABLE[[?region=R&endpoint=URL]] (endpoint also from AWS_ENDPOINT_URL_DYNAMODB). Default: AMISHARE_LEDGER, else ~/.amishare/ledger.db.")]
    public string? Ledger { get; init; }
}

public sealed class LedgerListSettings : LedgerSettings
{
    [CommandOption("--limit <COUNT>")]
    [Description("Show at most this many runs, newest first.")]
    [DefaultValue(50)]
    public int Limit { get; init; } = 50;

    public override ValidationResult Validate() => Limit < 1 ? ValidationResult.Error("--limit must be at least 1.") : base.Validate();
}

public sealed class LedgerShowSettings : LedgerSettings
{
    [CommandArgument(0, "<RUN>")]
    [Description("The run id, as ledger list prints it.")]
    public string Run { get; init; } = string.Empty;
}

/// <summary>What the ledger commands share: the ledger opened from --ledger, and its errors as one line with the fix.</summary>
public abstract class LedgerCommand<TSettings>(IAnsiConsole console, CliIO io, CliServices services) : AsyncCommand<TSettings>
    where TSettings : LedgerSettings
{
    protected IAnsiConsole Console { get; } = console;

    protected CliIO IO { get; } = io;

    protected TimeProvider Clock { get; } = services.Clock;

    public sealed override async Task<int> ExecuteAsync(CommandContext context, TSettings settings, CancellationToken cancellationToken)
    {
        try
        {
            return await RunAsync(settings, cancellationToken).ConfigureAwait(false);
        }
        catch (LedgerUnavailableException ex)
        {
            throw new CliException($"{ex.Message} {ex.Fix}");
        }
        catch (Amazon.Runtime.AmazonServiceException ex)
        {
            throw new CliException($"DynamoDB refused: {ex.Message}. Check the ledger's Region, endpoint and credentials (README: the DynamoDB ledger's IAM permissions).", ExitCodes.ServiceError);
        }
    }

    protected abstract Task<int> RunAsync(TSettings settings, CancellationToken cancellationToken);

    protected void WriteJson(Action<Utf8JsonWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            write(json);
        }

        IO.Out.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
        IO.Out.Flush();
    }

    protected static void WriteRun(Utf8JsonWriter json, LedgerRunSummary run)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(run);
        json.WriteString("id", run.Id);
        json.WriteString("command", run.Command);
        json.WriteString("fingerprint", run.Fingerprint);
        json.WriteString("started", run.Started);
        if (run.Finished is { } finished)
        {
            json.WriteString("finished", finished);
        }
        else
        {
            json.WriteNull("finished");
        }

        json.WriteString("state", State(run));
        json.WriteNumber("steps", run.Steps);
        json.WriteNumber("completed", run.Completed);
    }

    protected static string State(LedgerRunSummary run) => run switch
    {
        { Finished: null } => "open",
        { Succeeded: true } => "succeeded",
        _ => "failed",
    };
}

/// <summary>Creates the ledger: the DynamoDB table (on-demand, TTL on leases) or the SQLite file; idempotent.</summary>
public sealed class LedgerInitCommand(IAnsiConsole console, CliIO io, CliServices services) : LedgerCommand<LedgerSettings>(console, io, services)
{
    protected override async Task<int> RunAsync(LedgerSettings settings, CancellationToken cancellationToken)
    {
        var location = LedgerOpening.Locate(settings.Ledger);
        bool created;
        if (location is DynamoDbLedgerLocation dynamo)
        {
            using var client = dynamo.CreateClient();
            created = await DynamoDbLedgerTable.EnsureAsync(client, dynamo.Table, Clock, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            var path = ((SqliteLedgerLocation)location).Path;
            created = !File.Exists(path);
            using var opened = LedgerOpening.Open(settings.Ledger, Clock) as IDisposable;
        }

        if (settings.Output == OutputFormat.Json)
        {
            WriteJson(json =>
            {
                json.WriteStartObject();
                json.WriteString("ledger", location.Describe());
                json.WriteBoolean("created", created);
                json.WriteEndObject();
            });
        }
        else
        {
            Console.MarkupLineInterpolated($"{(created ? "[green]Created[/]" : "Already there:")} {location.Describe()}");
        }

        return ExitCodes.Success;
    }
}

/// <summary>The runs in the ledger, newest first: open (running, or killed and waiting to be resumed), succeeded, failed.</summary>
public sealed class LedgerListCommand(IAnsiConsole console, CliIO io, CliServices services) : LedgerCommand<LedgerListSettings>(console, io, services)
{
    protected override async Task<int> RunAsync(LedgerListSettings settings, CancellationToken cancellationToken)
    {
        var ledger = LedgerOpening.OpenExisting(settings.Ledger, Clock);
        using var close = ledger as IDisposable;
        var runs = await ledger.ListRunsAsync(settings.Limit, cancellationToken).ConfigureAwait(false);
        if (settings.Output == OutputFormat.Json)
        {
            WriteJson(json =>
            {
                json.WriteStartObject();
                json.WriteStartArray("runs");
                foreach (var run in runs)
                {
                    json.WriteStartObject();
                    WriteRun(json, run);
                    json.WriteEndObject();
                }

                json.WriteEndArray();
                json.WriteEndObject();
            });
            return ExitCodes.Success;
        }

        var table = new Table().AddColumns("Run", "Command", "Started", "State", "Steps done");
        foreach (var run in runs)
        {
            table.AddRow(Markup.Escape(run.Id), Markup.Escape(run.Command), run.Started.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture), State(run), $"{run.Completed}/{run.Steps}");
        }

        Console.Write(table);
        Console.MarkupLineInterpolated($"{runs.Count} run(s)");
        return ExitCodes.Success;
    }
}

/// <summary>One run and each step it journalled: done or only started, its outcome and result (a copy's id).</summary>
public sealed class LedgerShowCommand(IAnsiConsole console, CliIO io, CliServices services) : LedgerCommand<LedgerShowSettings>(console, io, services)
{
    protected override async Task<int> RunAsync(LedgerShowSettings settings, CancellationToken cancellationToken)
    {
        var ledger = LedgerOpening.OpenExisting(settings.Ledger, Clock);
        using var close = ledger as IDisposable;
        var detail = await ledger.GetRunAsync(settings.Run, cancellationToken).ConfigureAwait(false)
            ?? throw new CliException($"The ledger has no run '{settings.Run}'. List the runs with: amishare ledger list");
        if (settings.Output == OutputFormat.Json)
        {
            WriteJson(json =>
            {
                json.WriteStartObject();
                WriteRun(json, detail.Run);
                json.WriteStartArray("journal");
                foreach (var step in detail.Steps)
                {
                    json.WriteStartObject();
                    json.WriteString("action", step.Key.Action.ToString());
                    json.WriteString("resource", step.Key.Resource);
                    json.WriteString("target", step.Key.Target);
                    json.WriteBoolean("completed", step.Completed);
                    json.WriteString("outcome", step.Outcome);
                    json.WriteString("result", step.Result);
                    json.WriteEndObject();
                }

                json.WriteEndArray();
                json.WriteEndObject();
            });
            return ExitCodes.Success;
        }

        Console.MarkupLineInterpolated($"Run [bold]{detail.Run.Id}[/] ({detail.Run.Command}), started {detail.Run.Started:yyyy-MM-dd HH:mm:ss}Z, {State(detail.Run)}: {detail.Run.Completed}/{detail.Run.Steps} step(s) done");
        var table = new Table().AddColumns("Action", "Resource", "Target", "State", "Result");
        foreach (var step in detail.Steps)
        {
            table.AddRow(step.Key.Action.ToString(), Markup.Escape(step.Key.Resource), Markup.Escape(step.Key.Target), step.Completed ? step.Outcome ?? "done" : "started", Markup.Escape(step.Result ?? string.Empty));
        }

        Console.Write(table);
        return ExitCodes.Success;
    }
}
