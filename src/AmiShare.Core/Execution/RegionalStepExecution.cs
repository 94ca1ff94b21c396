using AmiShare.Core.Planning;
using AmiShare.Core.Ports;

namespace AmiShare.Core.Execution;

/// <summary>Carries out the ReplicateKey and DeregisterCopy steps (<see cref="RegionalSteps"/>); both are safe to repeat after a kill.</summary>
internal static class RegionalStepExecution
{
    public static async Task<StepOutcome> ReplicateAsync(ICloudAccount source, PlanStep step, ReplicateKeyDetails details, CancellationToken cancellationToken)
    {
        // A resumed run finds the replica its first attempt made: ReplicateKey would refuse a second one.
        if (await source.DescribeKeyAsync(details.Region, details.ReplicaKeyArn, cancellationToken).ConfigureAwait(false) is not null)
        {
            return new StepOutcome(step, details.ReplicaKeyArn, StepOutcomeKind.AlreadyDone, $"the replica in {details.Region} exists");
        }

        var arn = await Calls(source).ReplicateKeyAsync(details.PrimaryKeyArn, details.Region, details.Policy, cancellationToken).ConfigureAwait(false);
        return new StepOutcome(step, arn, StepOutcomeKind.Applied, $"replicated {details.PrimaryKeyArn} into {details.Region}");
    }

    public static async Task<StepOutcome> DeregisterAsync(ICloudAccount source, PlanStep step, DeregisterCopyDetails details, CancellationToken cancellationToken)
    {
        var calls = Calls(source);
        var deregistered = await calls.DeregisterImageAsync(details.Region, details.ImageId, cancellationToken).ConfigureAwait(false);

        // Snapshots after the image: EC2 refuses to delete a snapshot an image still uses.
        var deleted = 0;
        foreach (var snapshot in details.Snapshots)
        {
            deleted += await calls.DeleteSnapshotAsync(details.Region, snapshot, cancellationToken).ConfigureAwait(false) ? 1 : 0;
        }

        return new StepOutcome(step, details.ImageId, deregistered || deleted > 0 ? StepOutcomeKind.Applied : StepOutcomeKind.AlreadyDone, $"deregistered {details.ImageId} in {details.Region}, deleted {deleted} snapshot(s)");
    }

    private static IRegionalCalls Calls(ICloudAccount source) =>
        source as IRegionalCalls ?? throw new InvalidOperationException("This connection cannot make multi-Region calls (ReplicateKey, DeregisterImage, DeleteSnapshot); use the AWS adapter.");
}
