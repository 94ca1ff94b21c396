using AmiShare.Core.Planning;
using AmiShare.Core.Ports;

namespace AmiShare.Core.Execution;

/// <summary>
/// Carries out <see cref="PlanAction.DeleteImageParameter"/> for <see cref="LifecycleStepRunner"/>: re-reads the
/// parameter through the target's role and deletes it only if it still carries AmiShare's mark and holds one of the
/// withdrawn images. Someone may have written it since the plan; that parameter is theirs and is left.
/// </summary>
internal sealed class ParameterDeletionRunner(ApplyContext context)
{
    public async Task<StepOutcome> ApplyAsync(PlanStep step, ImageParameterDeletionDetails parameter, CancellationToken cancellationToken)
    {
        if (context.TargetAccounts is not { } connect)
        {
            return new StepOutcome(step, step.Resource, StepOutcomeKind.ActionRequired, $"Run in {parameter.Account}: {parameter.Command}");
        }

        var store = await connect.ParameterStoreAsync(parameter.Account, cancellationToken).ConfigureAwait(false);
        var where = $"{parameter.Name} in {parameter.Account} ({parameter.Region})";
        var current = await store.GetParameterAsync(parameter.Region, parameter.Name, cancellationToken).ConfigureAwait(false);
        if (current is null)
        {
            return new StepOutcome(step, step.Resource, StepOutcomeKind.AlreadyDone, $"{where} is already gone");
        }

        if (!ImageParameterDetails.IsMarked(current.Description))
        {
            return new StepOutcome(step, step.Resource, StepOutcomeKind.AlreadyDone, $"{where} was written by someone else, left");
        }

        if (!parameter.ImageIds.Contains(current.Value))
        {
            return new StepOutcome(step, step.Resource, StepOutcomeKind.AlreadyDone, $"{where} now holds {current.Value}, left");
        }

        // SSM has no conditional delete: a write landing between this read and the delete is the one case not seen.
        var deleted = await store.DeleteParameterAsync(parameter.Region, parameter.Name, cancellationToken).ConfigureAwait(false);
        return new StepOutcome(step, current.Value, deleted ? StepOutcomeKind.Applied : StepOutcomeKind.AlreadyDone, deleted ? $"{where} deleted (it held {current.Value})" : $"{where} is already gone");
    }
}
