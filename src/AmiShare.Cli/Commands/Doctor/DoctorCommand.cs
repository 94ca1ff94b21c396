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
using Spectre.Console.Rendering;

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
        var regions = settings.RegionList.IsEmpty ? [source.Region] : settings.RegionList;

        // The first Region is the image's home; in each other one the image is AmiShare's copy of it (issue 12).
        var reports = await WithProgressAsync(settings, "Reading", progress => Task.WhenAll(regions.Select(async (region, index) =>
        {
            var imageId = index == 0 ? settings.Image : (await RegionalCopies.CopyInAsync(source.Account, settings.Image, region, cancellationToken).ConfigureAwait(false))?.Id;
            if (imageId is null)
            {
                return NoCopy(settings, regions[0], region);
            }

            var request = new DoctorRequest(imageId, region, settings.Target!, settings.Principal, new DoctorOptions(settings.Copy, settings.Asg));
            return DoctorRules.Run(await reader.ReadAsync(request, progress, cancellationToken).ConfigureAwait(false));
        }))).ConfigureAwait(false);
        Render(settings, [.. reports]);
        return reports.Any(r => r.Failures.Any()) ? ExitCodes.CheckFailed : ExitCodes.Success;
    }

    /// <summary>A Region without AmiShare's copy of the image: nothing there to launch, and the share that makes one.</summary>
    private static DoctorReport NoCopy(DoctorSettings settings, string home, string region) => new(
        settings.Image,
        region,
        settings.Target!,
        settings.Principal ?? $"arn:aws:iam::{settings.Target}:root",
        [Requirement.Fail("image-in-region", $"a copy of {settings.Image} in {region}", $"{settings.Image} has no available copy by AmiShare in {region} (tag amishare:copy-of), so there is nothing to launch there.", $"amishare share {settings.Image} --with {settings.Target} --region {home} --to-region {region} --reencrypt-key {region}=KEY")]);

    private static DoctorSide Side(ICloudAccount account) =>
        new(account, account as IAuditReads ?? throw new CliException("doctor needs the AWS adapter's read-only calls (IAM, CloudTrail, settings), which this connection does not offer."));

    private void Render(DoctorSettings settings, IReadOnlyList<DoctorReport> reports)
    {
        var report = reports[0];
        var requirements = reports.SelectMany(r => r.Requirements.Select(q => (r.Region, Requirement: q))).ToList();
        if (settings.Output == OutputFormat.Json)
        {
            // The single-Region members keep their meaning (the home Region's image); the counts and requirements
            // cover every Region, each requirement naming its Region, and "regions" lists them.
            IO.Out.WriteLine(JsonSerializer.Serialize(
                new
                {
                    imageId = report.ImageId,
                    region = report.Region,
                    targetAccount = report.TargetAccount,
                    principal = report.PrincipalArn,
                    passed = reports.All(r => r.Passed),
                    failures = reports.Sum(r => r.Failures.Count()),
                    unknowns = reports.Sum(r => r.Unknowns.Count()),
                    requirements = requirements.Select(r => new
                    {
                        rule = r.Requirement.Rule,
                        name = r.Requirement.Name,
                        status = CheckStatusText.Word(r.Requirement.Status),
                        decidingStatements = r.Requirement.DecidingStatements,
                        explanation = r.Requirement.Explanation,
                        fix = r.Requirement.Fix,
                        region = r.Region,
                    }),
                    regions = reports.Select(r => new { region = r.Region, imageId = r.ImageId, passed = r.Passed }),
                },
                Json));
            IO.Out.Flush();
            return;
        }

        var several = reports.Count > 1;
        Console.MarkupLineInterpolated($"[bold]Doctor {report.ImageId}[/] ({string.Join(", ", reports.Select(r => several ? $"{r.Region}: {r.ImageId}" : r.Region))}) for {report.PrincipalArn} in {report.TargetAccount}");
        var table = new Table().Border(TableBorder.Rounded);
        if (several)
        {
            table.AddColumn("region");
        }

        table.AddColumns("requirement", "result", "why", "fix");
        foreach (var (region, requirement) in requirements)
        {
            var status = CheckStatusText.Markup(requirement.Status);
            var why = requirement.DecidingStatements.IsDefaultOrEmpty
                ? requirement.Explanation
                : $"{requirement.Explanation}\n(decided by {string.Join(", ", requirement.DecidingStatements)})";
            IRenderable[] cells = [new Text(requirement.Name), new Markup(status), new Text(why), new Text(requirement.Fix ?? string.Empty)];
            table.AddRow(several ? [new Text(region), .. cells] : cells);
        }

        Console.Write(table);
        var failures = reports.Sum(r => r.Failures.Count());
        var unknowns = reports.Sum(r => r.Unknowns.Count());
        Console.MarkupLine(
            failures > 0 ? $"[red]{failures} requirement(s) fail[/]: the launch would not work; the fix column says what to do."
            : unknowns > 0 ? $"[yellow]No requirement fails, {unknowns} could not be checked[/]: the fix column says which access would settle them."
            : "[green]Every requirement holds[/]: the principal can launch the image.");
    }
}
