using System.ComponentModel;
using System.Text.Encodings.Web;
using System.Text.Json;
using AmiShare.Cli.Infrastructure;
using AmiShare.Cli.Rendering;
using AmiShare.Core.Workflow;
using Spectre.Console;
using Spectre.Console.Cli;

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
        var verifier = new ShareVerifier(target, source.Account, Services.Clock) { PollInterval = Services.PollInterval ?? TimeSpan.FromSeconds(5) };
        var request = new VerifyRequest(settings.Image, source.Region, settings.Asg, settings.Launch, settings.InstanceType, settings.Subnet);
        var report = await WithProgressAsync(settings, "Verifying", progress => verifier.VerifyAsync(request, progress, cancellationToken)).ConfigureAwait(false);
        Render(settings, report);
        return report.Passed ? ExitCodes.Success : ExitCodes.CheckFailed;
    }

    private void Render(VerifySettings settings, VerifyReport report)
    {
        if (settings.Output == OutputFormat.Json)
        {
            IO.Out.WriteLine(JsonSerializer.Serialize(
                new
                {
                    targetAccount = report.TargetAccount,
                    targetPrincipal = report.TargetPrincipal,
                    imageId = report.ImageId,
                    passed = report.Passed,
                    instanceId = report.InstanceId,
                    checks = report.Checks.Select(c => new { name = c.Name, status = CheckStatusText.Word(c.Status), detail = c.Detail, fix = c.Fix }),
                },
                Json));
            IO.Out.Flush();
            return;
        }

        Console.MarkupLineInterpolated($"[bold]Verify {report.ImageId}[/] from {report.TargetPrincipal}");
        var table = new Table().Border(TableBorder.Rounded);
        table.AddColumns("check", "result", "detail", "fix");
        foreach (var check in report.Checks)
        {
            var status = CheckStatusText.Markup(check.Status);
            table.AddRow(new Text(check.Name), new Markup(status), new Text(check.Detail), new Text(check.Fix ?? string.Empty));
        }

        Console.Write(table);
        Console.MarkupLine(report.Passed ? "[green]Every check passed[/]: the target can launch the image." : "[red]Some checks did not pass[/]: the fix column says what to do.");
    }
}
