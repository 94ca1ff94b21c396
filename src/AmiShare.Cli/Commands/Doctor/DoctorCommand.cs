using System.ComponentModel;
using System.Text.Encodings.Web;
using System.Text.Json;
using AmiShare.Cli.Commands.Share;
using AmiShare.Cli.Infrastructure;
using AmiShare.Cli.Rendering;
using AmiShare.Core.Doctor;
using AmiShare.Core.Ports;
using AmiShare.Core.Workflow;
using Spectre.Console;
using Spectre.Console.Cli;

namespace AmiShare.Cli.Commands.Doctor;

public sealed class DoctorSettings : ConnectionSettings
{
    [CommandArgument(0, "<IMAGE>")]
    [Description("The AMI id to check.")]
    public string Image { get; init; } = string.Empty;

    [CommandOption("--target <ACCOUNT>")]
    [Description("The 12-digit account that launches (or copies) the image.")]
    public string? Target { get; init; }

    [CommandOption("--principal <ARN>")]
    [Description("The launching role or user in the target (default: the target credentials' caller, else the target's root).")]
    public string? Principal { get; init; }

    [CommandOption("--copy")]
    [Description("Also check what CopyImage of the shared image needs (snapshot permissions, ec2:CopyImage).")]
    public bool Copy { get; init; }

    [CommandOption("--asg")]
    [Description("Also check launches through Auto Scaling (the grant for the target's service-linked role).")]
    public bool Asg { get; init; }

    public override ValidationResult Validate() =>
        string.IsNullOrWhiteSpace(Image) ? ValidationResult.Error("Name the image to check (AMI id).")
        : Target is null || Target.Length != 12 || !Target.All(char.IsAsciiDigit) ? ValidationResult.Error("Pass --target ACCOUNT: the 12-digit account that launches the image.")
        : ValidationResult.Success();
}

/// <summary>
/// <c>amishare doctor</c>: every requirement for one principal to launch (copy, launch through Auto Scaling) one
/// image, PASS, FAIL or UNKNOWN, with the deciding statements and the fix. Thin: read the facts, run the rules,
/// render. Exits 1 when a requirement FAILs; UNKNOWN alone is not a failure (it says what access would settle it).
/// </summary>
public sealed class DoctorCommand(IAnsiConsole console, CliIO io, CliServices services) : CloudCommand<DoctorSettings>(console, io, services)
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    protected override async Task<int> RunAsync(DoctorSettings settings, ICloudConnector connector, CancellationToken cancellationToken)
    {
        var source = await connector.ConnectSourceAsync(settings, cancellationToken).ConfigureAwait(false);
        var target = await connector.ConnectTargetAsync(settings, cancellationToken).ConfigureAwait(false);
        var reader = new DoctorFactReader(Side(source.Account), target is null ? null : Side(target));
        var request = new DoctorRequest(settings.Image, source.Region, settings.Target!, settings.Principal, new DoctorOptions(settings.Copy, settings.Asg));
        var facts = await WithProgressAsync(settings, "Reading", progress => reader.ReadAsync(request, progress, cancellationToken)).ConfigureAwait(false);
        var report = DoctorRules.Run(facts);
        Render(settings, report);
        return report.Failures.Any() ? ExitCodes.CheckFailed : ExitCodes.Success;
    }

    private static DoctorSide Side(ICloudAccount account) =>
        new(account, account as IAuditReads ?? throw new CliException("doctor needs the AWS adapter's read-only calls (IAM, CloudTrail, settings), which this connection does not offer."));

    private void Render(DoctorSettings settings, DoctorReport report)
    {
        if (settings.Output == OutputFormat.Json)
        {
            IO.Out.WriteLine(JsonSerializer.Serialize(
                new
                {
                    imageId = report.ImageId,
                    region = report.Region,
                    targetAccount = report.TargetAccount,
                    principal = report.PrincipalArn,
                    passed = report.Passed,
                    failures = report.Failures.Count(),
                    unknowns = report.Unknowns.Count(),
                    requirements = report.Requirements.Select(r => new
                    {
                        rule = r.Rule,
                        name = r.Name,
                        status = CheckStatusText.Word(r.Status),
                        decidingStatements = r.DecidingStatements,
                        explanation = r.Explanation,
                        fix = r.Fix,
                    }),
                },
                Json));
            IO.Out.Flush();
            return;
        }

        Console.MarkupLineInterpolated($"[bold]Doctor {report.ImageId}[/] ({report.Region}) for {report.PrincipalArn} in {report.TargetAccount}");
        var table = new Table().Border(TableBorder.Rounded);
        table.AddColumns("requirement", "result", "why", "fix");
        foreach (var requirement in report.Requirements)
        {
            var status = CheckStatusText.Markup(requirement.Status);
            var why = requirement.DecidingStatements.IsDefaultOrEmpty
                ? requirement.Explanation
                : $"{requirement.Explanation}\n(decided by {string.Join(", ", requirement.DecidingStatements)})";
            table.AddRow(new Text(requirement.Name), new Markup(status), new Text(why), new Text(requirement.Fix ?? string.Empty));
        }

        Console.Write(table);
        var failures = report.Failures.Count();
        var unknowns = report.Unknowns.Count();
        Console.MarkupLine(
            failures > 0 ? $"[red]{failures} requirement(s) fail[/]: the launch would not work; the fix column says what to do."
            : unknowns > 0 ? $"[yellow]No requirement fails, {unknowns} could not be checked[/]: the fix column says which access would settle them."
            : "[green]Every requirement holds[/]: the principal can launch the image.");
    }
}
