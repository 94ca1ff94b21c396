using System.ComponentModel;
using AmiShare.Cli.Infrastructure;
using AmiShare.Cli.Rendering;
using AmiShare.Core.Model;
using AmiShare.Core.Workflow;
using Spectre.Console;
using Spectre.Console.Cli;

namespace AmiShare.Cli.Commands.Share;

public sealed class UnshareSettings : PlanApplySettings
{
    [CommandArgument(0, "<IMAGE>")]
    [Description("AMI ids or exact names; AmiShare's re-encrypted copies of them are unshared too.")]
    public string[] Images { get; init; } = [];

    [CommandOption("--from <TARGET>")]
    [Description("Whom to take the share back from (repeat, or comma-separate): account id, organization ARN or OU ARN.")]
    public string[] From { get; init; } = [];

    [CommandOption("--deregister-copies")]
    [Description("Also deregister AmiShare's copies of the images (tag amishare:copy-of) and delete their snapshots, in every --region; refused while a copy is still shared with a target not in --from.")]
    public bool DeregisterCopies { get; init; }

    [CommandOption("--ssm-parameter <NAME>")]
    [Description("Also delete this SSM parameter, published by share --ssm-parameter, in each --from account and Region, but only where AmiShare wrote it and it still holds an image being unshared; any other is left and reported. Needs --target-role-arn with {account}.")]
    public string? SsmParameter { get; init; }

    public override ValidationResult Validate()
    {
        var targets = TargetList.Parse(From).Targets;
        var problem = SsmParameterOption.Problem(SsmParameter, this, targets.IsDefault ? 0 : targets.Count(t => t.IsAccount), "deletes", needsTargetCredentials: true);
        return problem is not null ? ValidationResult.Error(problem) : ValidateImagesAndTargets(Images, From, "--from");
    }
}

/// <summary><c>amishare unshare</c>: removes what AmiShare added for the targets, keeping what other images still need.</summary>
public sealed class UnshareCommand(IAnsiConsole console, CliIO io, CliServices services) : PlanApplyCommand<UnshareSettings>(console, io, services)
{
    protected override async Task<int> RunAsync(UnshareSettings settings, ICloudConnector connector, CancellationToken cancellationToken)
    {
        var source = await connector.ConnectSourceAsync(settings, cancellationToken).ConfigureAwait(false);
        var request = new UnshareRequest([.. settings.Images], TargetList.Parse(settings.From).Targets, settings.RegionList) { DeregisterCopies = settings.DeregisterCopies };
        var workflow = new ShareWorkflow(source.Account, source.Region);
        var planned = await WithProgressAsync(settings, "Discovering", _ => workflow.PlanUnshareAsync(request, cancellationToken)).ConfigureAwait(false);

        // --ssm-parameter: the parameters share published in these accounts go with the images they point at.
        var targetAccounts = settings.SsmParameter is not null ? TargetAccounts.For(settings, connector) : null;
        if (settings.SsmParameter is { } name && targetAccounts is not null)
        {
            planned = await WithProgressAsync(settings, "Reading parameters", _ => new ParameterWithdrawalWorkflow(targetAccounts).UnshareAsync(planned, name, request.Targets, cancellationToken)).ConfigureAwait(false);
        }

        return await ConfirmAndApplyAsync(settings, planned, workflow, connector, new ApplyChoices(settings.DryRun, settings.Yes, IacFormat.None) { TargetAccounts = targetAccounts }, cancellationToken).ConfigureAwait(false);
    }
}
