using System.ComponentModel;
using System.Text.Encodings.Web;
using System.Text.Json;
using AmiShare.Cli.Infrastructure;
using AmiShare.Cli.Rendering;
using AmiShare.Core.Workflow;
using Spectre.Console;
using Spectre.Console.Cli;
using Spectre.Console.Rendering;

namespace AmiShare.Cli.Commands.Share;

public sealed class VerifySettings : CloudSettings
{
    [CommandArgument(0, "<IMAGE>")]
    [Description("The shared AMI id (with source credentials also an exact name; AmiShare's copy of it is checked when there is one).")]
    public string Image { get; init; } = string.Empty;

    [CommandOption("--asg")]
    [Description("Also check the Auto Scaling grant for the target's service-linked role.")]
    public bool Asg { get; init; }

    [CommandOption("--launch")]
    [Description("Really launch one instance in the target, wait for running or terminated, report why, and terminate it.")]
    public bool Launch { get; init; }

    [CommandOption("--subnet <SUBNET>")]
    [Description("Subnet for --launch and the RunInstances dry run (default: the default VPC's).")]
    public string? Subnet { get; init; }

    [CommandOption("--instance-type <TYPE>")]
    [Description("Instance type for --launch and the dry run.")]
    [DefaultValue("t3.micro")]
    public string InstanceType { get; init; } = "t3.micro";

    public override ValidationResult Validate() =>
        string.IsNullOrWhiteSpace(Image) ? ValidationResult.Error("Name the image to verify (AMI id).")
        : !HasTarget ? ValidationResult.Error("verify checks from the target account's own credentials: pass --target-profile PROFILE or --target-role-arn ARN.")
        : ValidationResult.Success();
}

/// <summary><c>amishare verify</c>: from the target's credentials, will a launch of the shared image work? Each check PASS or FAIL with the fix.</summary>
public sealed class VerifyCommand(IAnsiConsole console, CliIO io, CliServices services) : CloudCommand<VerifySettings>(console, io, services)
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    protected override async Task<int> RunAsync(VerifySettings settings, ICloudConnector connector, CancellationToken cancellationToken)
    {
        var source = await connector.ConnectSourceAsync(settings, cancellationToken).ConfigureAwait(false);
        var target = (await connector.ConnectTargetAsync(settings, cancellationToken).ConfigureAwait(false))!;

        // Tests poll fast, and a retried launch backs off from 25 polls; AWS gets 5 s polls and a 5 s first backoff.
        var verifier = new ShareVerifier(target, source.Account, Services.Clock)
        {
            PollInterval = Services.PollInterval ?? TimeSpan.FromSeconds(5),
            LaunchRetryDelay = Services.PollInterval is { } poll ? poll * 25 : TimeSpan.FromSeconds(5),
        };
        var request = new VerifyRequest(settings.Image, source.Region, settings.Asg, settings.Launch, settings.InstanceType, settings.Subnet);
        var regional = new RegionalVerification(verifier, target, source.Account);
        var report = await WithProgressAsync(settings, "Verifying", progress => regional.VerifyAsync(request, settings.RegionList, progress, cancellationToken)).ConfigureAwait(false);
        Render(settings, report);
        return report.Passed ? ExitCodes.Success : ExitCodes.CheckFailed;
    }

    private void Render(VerifySettings settings, MultiRegionVerifyReport multi)
    {
        var home = multi.Home.Report;
        if (settings.Output == OutputFormat.Json)
        {
            // The single-Region members keep their meaning (the home Region's); each check and the regions list add the Region.
            IO.Out.WriteLine(JsonSerializer.Serialize(
                new
                {
                    targetAccount = home.TargetAccount,
                    targetPrincipal = home.TargetPrincipal,
                    imageId = home.ImageId,
                    passed = multi.Passed,
                    instanceId = home.InstanceId,
                    checks = multi.Regions.SelectMany(r => r.Report.Checks.Select(c => new { name = c.Name, status = CheckStatusText.Word(c.Status), detail = c.Detail, fix = c.Fix, region = r.Region })),
                    regions = multi.Regions.Select(r => new { region = r.Region, imageId = r.Report.ImageId, passed = r.Report.Passed, instanceId = r.Report.InstanceId }),
                },
                Json));
            IO.Out.Flush();
            return;
        }

        var several = multi.Regions.Length > 1;
        Console.MarkupLineInterpolated($"[bold]Verify {home.ImageId}[/] from {home.TargetPrincipal}");
        var table = new Table().Border(TableBorder.Rounded);
        if (several)
        {
            table.AddColumn("region");
        }

        table.AddColumns("check", "result", "detail", "fix");
        foreach (var (region, check) in multi.Regions.SelectMany(r => r.Report.Checks.Select(c => (r.Region, c))))
        {
            var status = CheckStatusText.Markup(check.Status);
            IRenderable[] cells = [new Text(check.Name), new Markup(status), new Text(check.Detail), new Text(check.Fix ?? string.Empty)];
            table.AddRow(several ? [new Text(region), .. cells] : cells);
        }

        Console.Write(table);
        if (several)
        {
            Console.MarkupLineInterpolated($"Regions: {string.Join(", ", multi.Regions.Select(r => $"{r.Region} {r.Report.ImageId} {(r.Report.Passed ? "PASS" : "FAIL")}"))}");
        }

        Console.MarkupLine(multi.Passed ? "[green]Every check passed[/]: the target can launch the image." : "[red]Some checks did not pass[/]: the fix column says what to do.");
    }
}
