using System.Collections.Immutable;
using System.ComponentModel;
using AmiShare.Cli.Infrastructure;
using AmiShare.Cli.Rendering;
using AmiShare.Core.Model;
using AmiShare.Core.Planning;
using AmiShare.Core.Ports;
using AmiShare.Core.Workflow;
using Spectre.Console;
using Spectre.Console.Cli;

namespace AmiShare.Cli.Commands.Share;

public sealed partial class ShareSettings : PlanApplySettings
{
    [CommandArgument(0, "<IMAGE>")]
    [Description("AMI ids or exact image names owned by the source account.")]
    public string[] Images { get; init; } = [];

    [CommandOption("--with <TARGET>")]
    [Description("Whom to share with (repeat, or comma-separate): a 12-digit account id, an organization ARN or an OU ARN.")]
    public string[] With { get; init; } = [];

    [CommandOption("--allow-copy")]
    [Description("Also grant createVolumePermission on the snapshots so account targets can copy the image (organization/OU targets: their member accounts, with --expand-targets).")]
    public bool AllowCopy { get; init; }

    [CommandOption("--principal <ARN>")]
    [Description("Name these IAM roles or users of the targets in the key policy instead of the account roots (repeatable).")]
    public string[] Principals { get; init; } = [];

    [CommandOption("--asg")]
    [Description("Also let the targets' Auto Scaling service-linked role use the key (a grant, created from the target).")]
    public bool Asg { get; init; }

    [CommandOption("--reencrypt-key <KEY>")]
    [Description("Customer managed key (ARN, id or alias) to copy aws/ebs-encrypted or unencrypted images under; the copy is shared. With --to-region: a Region map, us-east-1=alias/golden,eu-west-1=arn:…, or one multi-Region key (mrk-…).")]
    public string? ReencryptKey { get; init; }

    [CommandOption("--to-region <REGION>")]
    [Description("Also copy each image into this Region under its key from --reencrypt-key and share the copy there (repeat, or comma-separate; all-enabled: every Region the account has enabled).")]
    public string[] ToRegions { get; init; } = [];

    // Multi-Region (issue 12): a missing replica of a multi-Region key.
    [CommandOption("--replicate-key")]
    [Description("With a multi-Region key (mrk-…) in --reencrypt-key: create its replica (ReplicateKey, with AmiShare's statements) in a --to-region destination that has none, instead of refusing.")]
    public bool ReplicateKey { get; init; }

    [CommandOption("--fold-wider")]
    [Description("When the key policy must be folded into an organization or OU condition to fit KMS's 32 KB limit, accept a fold that also admits accounts not named in --with.")]
    public bool FoldWider { get; init; }

    [CommandOption("--iac <FORMAT>")]
    [Description("Print the target IAM policy as a [green]terraform[/] or [green]cloudformation[/] snippet instead of JSON.")]
    [DefaultValue(IacFormat.None)]
    public IacFormat Iac { get; init; } = IacFormat.None;

    public override ValidationResult Validate()
    {
        var problem = (Region is { } region && !RegionNames.IsValid(region) ? RegionNames.Problem(region, "--region") : null)
            ?? RegionKeyMap.ParseRegions(ToRegions).Problem
            ?? (RegionKeyMap.IsMap(ReencryptKey) ? RegionKeyMap.Parse(ReencryptKey!).Problem : null)
            ?? PublishingProblem;
        return problem is not null ? ValidationResult.Error(problem) : ValidateImagesAndTargets(Images, With, "--with");
    }

    internal (ImmutableArray<ShareTarget> Targets, string? Problem) Targets => TargetList.Parse(With);
}

/// <summary>Parses repeated, comma-separated targets; the first bad one is reported with its fix.</summary>
internal static class TargetList
{
    public static (ImmutableArray<ShareTarget> Targets, string? Problem) Parse(IEnumerable<string> values)
    {
        var targets = ImmutableArray.CreateBuilder<ShareTarget>();
        foreach (var text in values.SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
        {
            var parsed = ShareTarget.Parse(text);
            if (parsed.Target is null)
            {
                return ([], parsed.Error);
            }

            if (!targets.Any(t => t.Value == parsed.Target.Value))
            {
                targets.Add(parsed.Target);
            }
        }

        return (targets.ToImmutable(), null);
    }
}

/// <summary><c>amishare share</c>: discover, plan, confirm, apply with the ledger, check from the source side.</summary>
public sealed class ShareCommand(IAnsiConsole console, CliIO io, CliServices services) : PlanApplyCommand<ShareSettings>(console, io, services)
{
    protected override async Task<int> RunAsync(ShareSettings settings, ICloudConnector connector, CancellationToken cancellationToken)
    {
        var source = await connector.ConnectSourceAsync(settings, cancellationToken).ConfigureAwait(false);
        var request = new ShareRequest(
            [.. settings.Images],
            settings.Targets.Targets,
            settings.RegionList,
            settings.AllowCopy,
            [.. settings.Principals],
            settings.Asg,
            RegionKeyMap.IsMap(settings.ReencryptKey) ? null : settings.ReencryptKey,
            RegionKeyMap.ParseRegions(settings.ToRegions).Regions,
            RegionKeyMap.IsMap(settings.ReencryptKey) ? RegionKeyMap.Parse(settings.ReencryptKey!).Map : null);
        request = request with { ReplicateKey = settings.ReplicateKey, AllEnabledRegions = RegionKeyMap.IsAllEnabled(settings.ToRegions), FoldWider = settings.FoldWider, ExpandTargets = settings.ExpandTargets };
        var workflow = new ShareWorkflow(source.Account, source.Region);
        var planned = await WithProgressAsync(settings, "Discovering", _ => workflow.PlanShareAsync(request, cancellationToken)).ConfigureAwait(false);

        // --expand-targets: organization/OU members get the per-account createVolumePermission and SSM parameters.
        // The ledger records what each run granted through an expansion, so a later run takes it back from departed members.
        var perAccountTargets = request.Targets;
        var bookkeeping = new List<IApplyBookkeeping>();
        var targetAccounts = TargetAccounts.For(settings, connector);
        var departedFrom = default((ImmutableArray<TargetExpansion> Expansions, ImmutableArray<RecordedExpansion> Recorded, ImmutableArray<RecordedExpansion> Published)?);
        if (settings.ExpandTargets && request.Targets.Any(t => !t.IsAccount))
        {
            var organizations = source.Account as IOrganizationMembers ?? throw new CliException("--expand-targets needs Organizations reads, which this connection does not offer.", ExitCodes.InvalidInput);
            var expansions = await WithProgressAsync(settings, "Reading organization members", _ => new TargetExpansionWorkflow(organizations).ResolveAsync(request.Targets, cancellationToken)).ConfigureAwait(false);
            var recorded = ImmutableArray<RecordedExpansion>.Empty;
            var published = ImmutableArray<RecordedExpansion>.Empty;
            var withdrawsParameters = settings.SsmParameter is not null && targetAccounts is not null;
            if ((request.AllowCopy || withdrawsParameters) && !planned.Plan.IsBlocked)
            {
                // The records name the departed members: their createVolumePermission (per image) and their SSM
                // parameter (per name, so a member that left between two image versions still shows) are withdrawn.
                var ledger = OpenLedger(settings, Services.Clock);
                using var closeLedger = ledger as IDisposable;
                recorded = await TargetExpansionWorkflow.ReadRecordedAsync(ledger, planned, cancellationToken).ConfigureAwait(false);
                if (request.AllowCopy)
                {
                    bookkeeping.Add(new ExpansionBookkeeping(expansions, request.Targets, recorded));
                }

                if (withdrawsParameters && settings.SsmParameter is { } parameter)
                {
                    published = await PublishedParameterBookkeeping.ReadAsync(ledger, planned, parameter, cancellationToken).ConfigureAwait(false);
                    bookkeeping.Add(new PublishedParameterBookkeeping(parameter, expansions, published));
                }
            }

            planned = TargetExpansionWorkflow.Extend(planned, request, expansions, recorded);
            perAccountTargets = [.. request.Targets.Where(t => t.IsAccount), .. TargetExpansionPlanner.Members(expansions, request.Targets, planned.State.SourceAccount).Select(ShareTarget.Account)];
            departedFrom = withdrawsParameters ? (expansions, recorded, published) : null;
        }

        // Publishing and lifecycle (--ssm-parameter, --deprecate-at, --deregistration-protection): steps after the share's.
        var publishing = settings.Publishing(targetAccounts is not null);
        if (!publishing.IsEmpty)
        {
            planned = await WithProgressAsync(settings, "Reading parameters and image lifecycle", _ => new PublishingWorkflow(source.Account, targetAccounts).ExtendAsync(planned, publishing, perAccountTargets, cancellationToken)).ConfigureAwait(false);
        }

        if (departedFrom is { } departed && settings.SsmParameter is { } name && targetAccounts is not null)
        {
            planned = await WithProgressAsync(settings, "Reading departed members' parameters", _ => new ParameterWithdrawalWorkflow(targetAccounts).DepartedAsync(planned, name, departed.Expansions, request.Targets, departed.Recorded, departed.Published, cancellationToken)).ConfigureAwait(false);
        }

        return await ConfirmAndApplyAsync(settings, planned, workflow, connector, new ApplyChoices(settings.DryRun, settings.Yes, settings.Iac) { TargetAccounts = targetAccounts, Bookkeeping = [.. bookkeeping] }, cancellationToken).ConfigureAwait(false);
    }
}
