using System.Collections.Immutable;
using System.ComponentModel;
using System.Globalization;
using AmiShare.Cli.Infrastructure;
using AmiShare.Core.Audit;
using AmiShare.Core.Ports;
using Spectre.Console;
using Spectre.Console.Cli;

namespace AmiShare.Cli.Commands.Audit;

public enum AuditOutputFormat
{
    Table,
    Json,
    Html,
}

/// <summary>
/// audit's own options: it reads several regions and (through several roles) several accounts, so <c>--region</c>
/// and <c>--role-arn</c> repeat here, and it has an HTML report; the single-valued connection options of
/// share/verify stay as they are.
/// </summary>
public sealed class AuditSettings : CommandSettings
{
    [CommandOption("-o|--output <FORMAT>")]
    [Description("Output format: [green]table[/] (default), [green]json[/] (docs/audit.md schema) or [green]html[/] (one self-contained page).")]
    [DefaultValue(AuditOutputFormat.Table)]
    public AuditOutputFormat Output { get; init; } = AuditOutputFormat.Table;

    [CommandOption("--out <FILE>")]
    [Description("Write the json or html report to FILE instead of standard output.")]
    public string? Out { get; init; }

    [CommandOption("--since <WINDOW>")]
    [Description("CloudTrail window: a duration (30d, 12h; CloudTrail keeps 90 days), a UTC date (2026-01-31), or none to skip the evidence.")]
    [DefaultValue("30d")]
    public string Since { get; init; } = "30d";

    [CommandOption("--region <REGION>")]
    [Description("Region to audit (repeat, or comma-separate; default: AWS_REGION, then the profile's region).")]
    public string[] Regions { get; init; } = [];

    [CommandOption("--role-arn <ARN>")]
    [Description("Audit the account of this role, assumed with the base credentials (repeat for several accounts; default: the credentials' own account).")]
    public string[] RoleArns { get; init; } = [];

    [CommandOption("--profile <NAME>")]
    [Description("Shared-config profile of the base credentials (default: the standard credential chain).")]
    public string? Profile { get; init; }

    [CommandOption("--endpoint-url <URL>")]
    [Description("Send every request to this endpoint, e.g. LocalCloud's (also AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_<SERVICE>).")]
    public string? EndpointUrl { get; init; }

    [CommandOption("--concurrency <N>")]
    [Description("Reads in flight at once per account; lower it when AWS throttles.")]
    [DefaultValue(8)]
    public int Concurrency { get; init; } = 8;

    [CommandOption("--no-color")]
    [Description("Plain text without colours (also when NO_COLOR is set).")]
    public bool NoColor { get; init; }

    [CommandOption("--verbose")]
    [Description("Show the API calls made, and details of unexpected errors.")]
    public bool Verbose { get; init; }

    internal ImmutableArray<string> RegionList => [.. Regions.SelectMany(r => r.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).Distinct(StringComparer.Ordinal)];

    public override ValidationResult Validate()
    {
        if (Concurrency is < 1 or > 64)
        {
            return ValidationResult.Error("--concurrency must be between 1 and 64.");
        }

        // A Region typed wrong or twice is one error with the fix, before any call (as for the other commands).
        var regions = Regions.SelectMany(r => r.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList();
        if (regions.FirstOrDefault(r => !Core.Model.RegionNames.IsValid(r)) is { } bad)
        {
            return ValidationResult.Error(Core.Model.RegionNames.Problem(bad, "--region"));
        }

        if (regions.GroupBy(r => r, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } twice)
        {
            return ValidationResult.Error($"--region {twice.Key} is named twice; name each Region to audit once.");
        }

        if (Out is not null && Output == AuditOutputFormat.Table)
        {
            return ValidationResult.Error("--out writes a report file: pass --output json or --output html with it.");
        }

        return AuditWindow.Parse(Since, DateTimeOffset.UnixEpoch).Problem is { } problem ? ValidationResult.Error(problem) : ValidationResult.Success();
    }
}

/// <summary>Parses <c>--since</c> against the injected clock.</summary>
internal static class AuditWindow
{
    public static (DateTimeOffset? Since, string? Problem) Parse(string text, DateTimeOffset now)
    {
        var value = text.Trim();
        if (value is "none" or "0")
        {
            return (null, null);
        }

        if (value.Length >= 2 && char.ToLowerInvariant(value[^1]) is 'd' or 'h' && int.TryParse(value[..^1], NumberStyles.None, CultureInfo.InvariantCulture, out var amount) && amount > 0)
        {
            return (now - (char.ToLowerInvariant(value[^1]) == 'd' ? TimeSpan.FromDays(amount) : TimeSpan.FromHours(amount)), null);
        }

        return DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var date)
            ? (date, null)
            : (null, $"--since '{text}' is neither a duration (30d, 12h), a date (2026-01-31) nor none.");
    }
}

/// <summary>
/// <c>amishare audit</c>: per account, what is shared with whom, what is broken or too wide, and CloudTrail evidence
/// of use. Thin: read each account's inventory, run the rules, write the table, JSON or HTML. Exits 1 when a
/// high-severity finding exists (BROKEN, PUBLIC, a shared UNSHAREABLE image, an unconditioned WIDE statement), so
/// a scheduled audit can fail a pipeline.
/// </summary>
public sealed class AuditCommand(IAnsiConsole console, CliIO io, CliServices services) : AsyncCommand<AuditSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, AuditSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        using var connector = services.CreateConnector();
        var now = services.Clock.GetUtcNow();
        var since = AuditWindow.Parse(settings.Since, now).Since;
        var connections = settings.RoleArns.Length == 0 ? [(string?)null] : settings.RoleArns.Select(r => (string?)r).Distinct(StringComparer.Ordinal).ToArray();
        var inventories = new List<AccountInventory>();
        foreach (var roleArn in connections)
        {
            var account = await connector.ConnectAsync(new CloudConnection(settings.Profile, settings.RegionList.FirstOrDefault(), settings.EndpointUrl, roleArn), cancellationToken).ConfigureAwait(false);
            var reads = account as IAuditReads ?? throw new CliException("audit needs the AWS adapter's read-only calls (KMS ListKeys, CloudTrail), which this connection does not offer.");
            var regions = settings.RegionList.IsEmpty ? [HomeRegion(account)] : settings.RegionList;
            var reader = new AuditInventoryReader(account, reads);
            inventories.Add(await WithProgressAsync(settings, roleArn is null ? "Auditing" : $"Auditing through {roleArn}", progress =>
                reader.ReadAsync(new AuditScope(regions, since, settings.Concurrency), progress, cancellationToken)).ConfigureAwait(false));
        }

        var report = AuditReport.Create(inventories, now, since);
        Render(settings, report);
        if (settings.Verbose && settings.Output == AuditOutputFormat.Table)
        {
            console.MarkupLineInterpolated($"[grey]API calls: {string.Join(", ", connector.CallCounts.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => $"{c.Key} {c.Value}"))}[/]");
        }

        return report.Findings.Any(f => f.Severity == AuditSeverity.High) ? ExitCodes.CheckFailed : ExitCodes.Success;
    }

    /// <summary>The region the connection settled on (flag, profile, environment), where no --region was given.</summary>
    private static string HomeRegion(ICloudAccount account) =>
        account is Aws.AwsCloudAccount aws ? aws.HomeRegion : throw new CliException("Pass --region: the connection does not say which region it is in.");

    private async Task<T> WithProgressAsync<T>(AuditSettings settings, string title, Func<IProgress<string>, Task<T>> work)
    {
        if (settings.Output != AuditOutputFormat.Table)
        {
            return await work(new Lines(_ => { })).ConfigureAwait(false);
        }

        if (console.Profile.Capabilities.Interactive)
        {
            return await console.Status().StartAsync(title, async status =>
                await work(new Lines(message => status.Status($"{title}: {Markup.Escape(message)}"))).ConfigureAwait(false)).ConfigureAwait(false);
        }

        console.MarkupLineInterpolated($"[grey]{title}…[/]");
        return await work(new Lines(message => console.MarkupLineInterpolated($"[grey]  {message}[/]"))).ConfigureAwait(false);
    }

    private void Render(AuditSettings settings, AuditReport report)
    {
        switch (settings.Output)
        {
            case AuditOutputFormat.Json:
                Write(settings, AuditJsonWriter.Write(report));
                return;
            case AuditOutputFormat.Html:
                Write(settings, AuditHtmlWriter.Write(report));
                return;
        }

        foreach (var audit in report.Accounts)
        {
            var inventory = audit.Inventory;
            console.MarkupLineInterpolated($"[bold]Account {inventory.AccountId}[/] ({string.Join(", ", inventory.RegionsOrEmpty)}): {inventory.Images.Length} image(s), {inventory.Snapshots.Length} snapshot(s), {inventory.Keys.Length} key(s), {audit.Findings.Length} finding(s)");
            if (audit.Findings.Length > 0)
            {
                var table = new Table().Border(TableBorder.Rounded);
                table.AddColumns("severity", "kind", "region", "resource", "subject", "what", "fix");
                foreach (var finding in audit.Findings)
                {
                    var colour = finding.Severity switch
                    {
                        AuditSeverity.High => "red",
                        AuditSeverity.Medium => "yellow",
                        _ => "grey",
                    };
                    table.AddRow(
                        new Markup($"[{colour}]{finding.Severity.ToString().ToLowerInvariant()}[/]"),
                        new Text(finding.KindCode),
                        new Text(finding.Region),
                        new Text(finding.Resource),
                        new Text(finding.Subject ?? string.Empty),
                        new Text(finding.Message),
                        new Text(finding.Fix));
                }

                console.Write(table);
            }

            var evidence = audit.Evidence;
            if (report.Since is { } since)
            {
                console.MarkupLineInterpolated($"CloudTrail since {since:yyyy-MM-dd HH:mm}Z: {evidence.KeyUse.Length} external key user(s), {evidence.SnapshotUse.Length} shared-snapshot use(s), {evidence.ShareChanges.Length} share change(s).");
                foreach (var use in evidence.KeyUse)
                {
                    console.MarkupLineInterpolated($"  {use.Account} used {use.KeyArn} {use.Calls} time(s), last {use.LastUsed:yyyy-MM-dd HH:mm}Z ({string.Join(", ", use.Operations)})");
                }
            }
        }

        var high = report.Findings.Count(f => f.Severity == AuditSeverity.High);
        console.MarkupLine(high > 0
            ? $"[red]{high} high-severity finding(s)[/]: see the fix column (exit code 1)."
            : report.Findings.Any() ? "[yellow]No high-severity finding[/]; review the others." : "[green]No findings[/].");
    }

    private void Write(AuditSettings settings, string text)
    {
        if (settings.Out is null)
        {
            io.Out.WriteLine(text);
            io.Out.Flush();
            return;
        }

        try
        {
            File.WriteAllText(settings.Out, text);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"Cannot write the report to '{settings.Out}': {ex.Message}. Pass --out with a writable path.");
        }

        console.MarkupLineInterpolated($"Wrote the {settings.Output.ToString().ToLowerInvariant()} report to {settings.Out}.");
    }

    private sealed class Lines(Action<string> report) : IProgress<string>
    {
        public void Report(string value) => report(value);
    }
}
