using AmiShare.Cli.Infrastructure;
using AmiShare.Cli.Rendering;
using AmiShare.Core.Workflow;
using Spectre.Console;

namespace AmiShare.Cli.Commands.Share;

internal sealed record ApplyChoices(bool DryRun, bool Yes, IacFormat Iac)
{
    /// <summary>Credentials in each target account (SSM publishing, retire's instance check); null without target credentials.</summary>
    public Core.Ports.TargetAccountConnector? TargetAccounts { get; init; }

    /// <summary>share --expand-targets: the ledger's records of the expansion and of the parameters published, widened before the apply and replaced after it succeeded.</summary>
    public IReadOnlyList<IApplyBookkeeping> Bookkeeping { get; init; } = [];
}

/// <summary>The part share and unshare have in common: show the plan, stop or confirm, apply, show what happened.</summary>
public abstract class PlanApplyCommand<TSettings>(IAnsiConsole console, CliIO io, CliServices services) : CloudCommand<TSettings>(console, io, services)
    where TSettings : PlanApplySettings
{
    internal async Task<int> ConfirmAndApplyAsync(TSettings settings, PlannedChange planned, ShareWorkflow workflow, ICloudConnector connector, ApplyChoices choices, CancellationToken cancellationToken)
    {
        var json = settings.Output == OutputFormat.Json;
        if (!json)
        {
            PlanRendering.PlanTable(Console, planned, choices.DryRun ? $"Plan for {planned.Command} (dry run: nothing changes)" : $"Plan for {planned.Command}");
        }

        if (planned.Plan.IsBlocked)
        {
            WriteJson(json, planned, null, "refused");
            if (!json)
            {
                Console.MarkupLine("[red]Nothing was changed[/]: fix what is listed above and rerun.");
            }

            return ExitCodes.CheckFailed;
        }

        if (choices.DryRun || !planned.Plan.HasPendingSteps)
        {
            var closed = choices.DryRun ? null : await CloseInterruptedRunAsync(settings, planned, cancellationToken).ConfigureAwait(false);
            if (!choices.DryRun && choices.Bookkeeping.Count > 0)
            {
                // Nothing to apply, yet the resolution may be new (a run killed after its last step): record it.
                var ledgerToRecord = OpenLedger(settings, Services.Clock);
                using var closeRecord = ledgerToRecord as IDisposable;
                foreach (var record in choices.Bookkeeping)
                {
                    await record.RecordAsync(ledgerToRecord, planned, null, cancellationToken).ConfigureAwait(false);
                }
            }

            WriteJson(json, planned, null, choices.DryRun ? "dry-run" : "nothing-to-do", closed);
            if (closed is not null && !json)
            {
                Console.MarkupLineInterpolated($"An interrupted run ({closed.Id}) had finished its work before it stopped; it is now closed in the ledger.");
            }

            if (!json)
            {
                Console.MarkupLine(choices.DryRun ? "Dry run: nothing was changed." : "[green]Nothing to do[/]: every step is already in place.");
                PlanRendering.IamPolicy(Console, IO.Out, planned.Plan, choices.Iac);
            }

            return ExitCodes.Success;
        }

        if (!choices.Yes)
        {
            if (!Console.Profile.Capabilities.Interactive || json)
            {
                throw new CliException($"{planned.Plan.Pending.Count()} step(s) would change the account, and there is no terminal to confirm them on. Review the plan (--dry-run) and rerun with --yes.");
            }

            if (!await Console.ConfirmAsync($"Apply {planned.Plan.Pending.Count()} step(s)?", defaultValue: false, cancellationToken).ConfigureAwait(false))
            {
                Console.MarkupLine("Nothing was changed.");
                return ExitCodes.Success;
            }
        }

        var ledger = OpenLedger(settings, Services.Clock);
        using var closeLedger = ledger as IDisposable;
        // A role template ({account}) names no single account: per-account work connects through choices.TargetAccounts.
        var target = settings.HasTarget && !TargetAccounts.IsTemplate(settings) ? await connector.ConnectTargetAsync(settings, cancellationToken).ConfigureAwait(false) : null;
        foreach (var widen in choices.Bookkeeping)
        {
            await widen.WidenAsync(ledger, planned, cancellationToken).ConfigureAwait(false);
        }

        var applied = await WithProgressAsync(settings, "Applying", progress =>
            workflow.ApplyAsync(
                planned,
                new ApplyOptions(ledger, Services.Clock, target, Services.Checkpoint, progress)
                {
                    PollInterval = Services.PollInterval ?? TimeSpan.FromSeconds(15),
                    Leases = Leases(settings, ledger, Services.Clock, progress),
                    TargetAccounts = choices.TargetAccounts,
                },
                cancellationToken)).ConfigureAwait(false);

        foreach (var record in choices.Bookkeeping)
        {
            // Only now, every step done: departed members are forgotten once their permission and parameter are taken back.
            await record.RecordAsync(ledger, planned, applied, cancellationToken).ConfigureAwait(false);
        }

        WriteJson(json, planned, applied, "applied");
        if (!json)
        {
            PlanRendering.Outcomes(Console, applied);
            if (planned.Command == "share")
            {
                PlanRendering.IamPolicy(Console, IO.Out, planned.Plan, choices.Iac);
            }
        }

        return applied.KeyChecksPass ? ExitCodes.Success : ExitCodes.CheckFailed;
    }

    /// <summary>A run killed after its last cloud call leaves nothing to do but is still open in the ledger: close it.</summary>
    private async Task<Core.Execution.LedgerRun?> CloseInterruptedRunAsync(TSettings settings, PlannedChange planned, CancellationToken cancellationToken)
    {
        var ledger = OpenLedger(settings, Services.Clock);
        using var closeLedger = ledger as IDisposable;
        var run = await ledger.FindUnfinishedAsync(planned.Fingerprint, cancellationToken).ConfigureAwait(false);
        if (run is not null)
        {
            // Closing is a journal write like any other: under the run's lease, so a live runner's run is never closed under it.
            await using var lease = await Leases(settings, ledger, Services.Clock, null).AcquireAsync(Core.Execution.LeaseNames.ForRun(planned.Fingerprint), "closing an interrupted run", cancellationToken).ConfigureAwait(false);
            await ledger.FinishAsync(run.Id, succeeded: true, [lease.Lease], cancellationToken).ConfigureAwait(false);
        }

        return run;
    }

    private void WriteJson(bool json, PlannedChange planned, AppliedChange? applied, string mode, Core.Execution.LedgerRun? closed = null)
    {
        if (json)
        {
            IO.Out.WriteLine(PlanRendering.Json(planned, applied, mode, closed));
            IO.Out.Flush();
        }
    }
}
