using AmiShare.Core.Model;
using AmiShare.Core.Planning;
using AmiShare.Core.Ports;
using AmiShare.Policy.Catalogue;

namespace AmiShare.Core.Execution;

/// <summary>
/// Carries out the publishing and lifecycle steps (<see cref="LifecycleDetails"/>) for <see cref="PlanExecutor"/>.
/// Each re-reads before it writes where the write is not idempotent by itself: a parameter is written only when it is
/// absent or AmiShare's and holds another value, so a rerun makes no new version.
/// </summary>
internal sealed class LifecycleStepRunner(ApplyContext context)
{
    private readonly ParameterDeletionRunner deletions = new(context);

    public async Task<StepOutcome> ApplyAsync(PlanStep step, string imageOrSnapshotId, LifecycleDetails details, CancellationToken cancellationToken)
    {
        if (details is ImageParameterDeletionDetails deletion)
        {
            // In a target account, through its role: the source's lifecycle calls are not needed.
            return await deletions.ApplyAsync(step, deletion, cancellationToken).ConfigureAwait(false);
        }

        var lifecycle = context.Source as IImageLifecycle ?? throw new InvalidOperationException("The source account cannot make image lifecycle calls.");
        var region = details.Region;
        switch (details)
        {
            case ImageParameterDetails parameter:
                return await PublishAsync(step, imageOrSnapshotId, parameter, cancellationToken).ConfigureAwait(false);
            case DeprecationDetails deprecation:
                await lifecycle.EnableImageDeprecationAsync(region, imageOrSnapshotId, deprecation.DeprecateAt, cancellationToken).ConfigureAwait(false);
                return new StepOutcome(step, imageOrSnapshotId, StepOutcomeKind.Applied, $"deprecated at {deprecation.AtText}");
            case DeregistrationProtectionDetails protection when step.Action == PlanAction.ProtectImageFromDeregistration:
                await lifecycle.EnableImageDeregistrationProtectionAsync(region, imageOrSnapshotId, protection.WithCooldown, cancellationToken).ConfigureAwait(false);
                return new StepOutcome(step, imageOrSnapshotId, StepOutcomeKind.Applied, protection.WithCooldown ? "deregistration protection on, with cooldown" : "deregistration protection on");
            case DeregistrationProtectionDetails:
                await lifecycle.DisableImageDeregistrationProtectionAsync(region, imageOrSnapshotId, cancellationToken).ConfigureAwait(false);
                return new StepOutcome(step, imageOrSnapshotId, StepOutcomeKind.Applied, "deregistration protection off");
            case RetirementDetails when step.Action == PlanAction.DeregisterCopy:
                await lifecycle.DeregisterImageAsync(region, imageOrSnapshotId, cancellationToken).ConfigureAwait(false);
                return new StepOutcome(step, imageOrSnapshotId, StepOutcomeKind.Applied, "deregistered");
            case RetirementDetails:
                await lifecycle.DeleteSnapshotAsync(region, imageOrSnapshotId, cancellationToken).ConfigureAwait(false);
                return new StepOutcome(step, imageOrSnapshotId, StepOutcomeKind.Applied, "snapshot deleted");
            default:
                throw new InvalidOperationException($"Step {step.Action} on {step.Resource} has no executor.");
        }
    }

    private async Task<StepOutcome> PublishAsync(PlanStep step, string imageId, ImageParameterDetails parameter, CancellationToken cancellationToken)
    {
        if (parameter.Account is not { } account || context.TargetAccounts is not { } connect)
        {
            return new StepOutcome(step, imageId, StepOutcomeKind.ActionRequired, step.Reason);
        }

        var store = await connect.ParameterStoreAsync(account, cancellationToken).ConfigureAwait(false);
        var existing = await store.GetParameterAsync(parameter.Region, parameter.Name, cancellationToken).ConfigureAwait(false);
        if (existing is not null && !ImageParameterDetails.IsMarked(existing.Description))
        {
            // Someone else created it since the plan was made: theirs, left alone.
            throw new ShareRefusedException(
                RefusalReason.ParameterNotOwned,
                $"{parameter.Name} in {account} ({parameter.Region}) was created by someone else after the plan was made; AmiShare does not overwrite it.",
                "Choose another --ssm-parameter, or delete that parameter in the target and rerun.");
        }

        if (existing is not null && existing.Value == imageId && existing.DataType == SsmActions.ImageDataType)
        {
            return new StepOutcome(step, imageId, StepOutcomeKind.AlreadyDone, $"{parameter.Name} already holds {imageId} (version {existing.Version})");
        }

        var version = await store.PutImageParameterAsync(parameter.Region, parameter.Name, imageId, parameter.Description, overwrite: existing is not null, cancellationToken).ConfigureAwait(false);
        return new StepOutcome(step, imageId, StepOutcomeKind.Applied, $"{parameter.Name} = {imageId} in {account} ({parameter.Region}), version {version}");
    }
}
