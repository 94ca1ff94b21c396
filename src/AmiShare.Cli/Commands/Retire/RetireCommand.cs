using System.ComponentModel;
using AmiShare.Cli.Commands.Share;
using AmiShare.Cli.Infrastructure;
using AmiShare.Cli.Rendering;
using AmiShare.Core.Model;
using AmiShare.Core.Planning;
using AmiShare.Core.Workflow;
using Spectre.Console;
using Spectre.Console.Cli;

namespace AmiShare.Cli.Commands.Retire;

public sealed class RetireSettings : PlanApplySettings
{
    [CommandArgument(0, "<IMAGE>")]
    [Description("The original image (AMI id or exact name) in its home Region (--region). It is deprecated and unshared, never deleted; AmiShare's copies of it are deleted.")]
    public string Image { get; init; } = string.Empty;

    [CommandOption("--to-region <REGION>")]
    [Description("Regions the image was copied into with share --to-region (repeat, or comma-separate); the home Region is always searched.")]
    public string[] ToRegions { get; init; } = [];

    [CommandOption("--force")]
    [Description("Retire even while instances still run from the image in a target (they keep running; new launches fail).")]
    public bool Force { get; init; }

    [CommandOption("--idle-days <DAYS>")]
    [Description("Without target credentials: an image launched (LastLaunchedTime) within this many days counts as in use.")]
    [DefaultValue(30)]
    public int IdleDays { get; init; } = 30;

    [CommandOption("--ssm-parameter <NAME>")]
    [Description("Also delete this SSM parameter, published by share --ssm-parameter, in each account the image is shared with and each Region, but only where AmiShare wrote it and it still holds the image or AmiShare's copy there; any other is left and reported. Needs --target-role-arn with {account}.")]
    public string? SsmParameter { get; init; }

    public override ValidationResult Validate()
    {
        var problem = string.IsNullOrWhiteSpace(Image) ? "Name the image to retire (AMI id or exact name)."
            : Region is { } region && !RegionNames.IsValid(region) ? RegionNames.Problem(region, "--region")
            : RegionKeyMap.ParseRegions(ToRegions).Problem
            ?? (IdleDays is < 0 or > 3650 ? $"--idle-days {IdleDays} is out of range; use 0 to 3650." : null)
            ?? SsmParameterOption.Problem(SsmParameter, this, accountTargets: null, "deletes", needsTargetCredentials: true);
        return problem is not null ? ValidationResult.Error(problem) : base.Validate();
    }
}

/// <summary>
/// <c>amishare retire</c>: deprecate the image, unshare it and AmiShare's copies everywhere, delete the copies and
/// their snapshots; refused while the image still runs in a target (asked through --target-role-arn with {account},
/// else judged by LastLaunchedTime) unless --force.
/// </summary>
public sealed class RetireCommand(IAnsiConsole console, CliIO io, CliServices services) : PlanApplyCommand<RetireSettings>(console, io, services)
{
    protected override async Task<int> RunAsync(RetireSettings settings, ICloudConnector connector, CancellationToken cancellationToken)
    {
        var source = await connector.ConnectSourceAsync(settings, cancellationToken).ConfigureAwait(false);
        var targets = TargetAccounts.For(settings, connector);
        var request = new RetireRequest(settings.Image, RegionKeyMap.ParseRegions(settings.ToRegions).Regions, settings.Force, TimeSpan.FromDays(settings.IdleDays));
        var retire = new RetireWorkflow(source.Account, source.Region, targets, Services.Clock);
        var planned = await WithProgressAsync(settings, "Discovering", _ => retire.PlanAsync(request, cancellationToken)).ConfigureAwait(false);
        if (settings.SsmParameter is { } name && targets is not null)
        {
            // The parameters share published point at the image or its copies: they go before the images do.
            planned = await WithProgressAsync(settings, "Reading parameters", _ => new ParameterWithdrawalWorkflow(targets).RetireAsync(planned, name, cancellationToken)).ConfigureAwait(false);
        }

        var workflow = new ShareWorkflow(source.Account, source.Region);
        return await ConfirmAndApplyAsync(settings, planned, workflow, connector, new ApplyChoices(settings.DryRun, settings.Yes, IacFormat.None) { TargetAccounts = targets }, cancellationToken).ConfigureAwait(false);
    }
}
