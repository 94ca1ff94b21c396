using Amazon.EC2;
using Amazon.EC2.Model;
using Amazon.KeyManagementService.Model;
using AmiShare.Core.Ports;

namespace AmiShare.Aws;

/// <summary>The multi-Region calls (<see cref="IRegionalCalls"/>): enabled Regions, key replicas, deleting AmiShare's copies.</summary>
public sealed partial class AwsCloudAccount : IRegionalCalls
{
    public async Task<IReadOnlyList<string>> DescribeEnabledRegionsAsync(string region, CancellationToken cancellationToken)
    {
        // AllRegions=false: only the Regions the account may use (opted in or needing no opt-in), never disabled ones.
        var response = await Ec2Async(region, "DescribeRegions", null, (c, ct) => c.DescribeRegionsAsync(new DescribeRegionsRequest { AllRegions = false }, ct), cancellationToken).ConfigureAwait(false);
        return [.. (response.Regions ?? []).Select(r => r.RegionName).OfType<string>().Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
    }

    public async Task<string> ReplicateKeyAsync(string primaryKeyArn, string replicaRegion, string policy, CancellationToken cancellationToken)
    {
        // Called in the primary's Region (the ARN names it); the replica gets its own policy, here with AmiShare's statements.
        var response = await KmsAsync(RegionOfKey(primaryKeyArn), "ReplicateKey", primaryKeyArn, (c, ct) => c.ReplicateKeyAsync(new ReplicateKeyRequest { KeyId = primaryKeyArn, ReplicaRegion = replicaRegion, Policy = policy }, ct), cancellationToken).ConfigureAwait(false);
        return response.ReplicaKeyMetadata.Arn;
    }

    public async Task<bool> DeregisterImageAsync(string region, string imageId, CancellationToken cancellationToken)
    {
        var response = await Ec2Async(region, "DeregisterImage", imageId, (c, ct) => GoneAsNull(c.DeregisterImageAsync(new DeregisterImageRequest { ImageId = imageId }, ct)), cancellationToken).ConfigureAwait(false);
        return response is not null;
    }

    public async Task<bool> DeleteSnapshotAsync(string region, string snapshotId, CancellationToken cancellationToken)
    {
        var response = await Ec2Async(region, "DeleteSnapshot", snapshotId, (c, ct) => GoneAsNull(c.DeleteSnapshotAsync(new DeleteSnapshotRequest { SnapshotId = snapshotId }, ct)), cancellationToken).ConfigureAwait(false);
        return response is not null;
    }

    /// <summary>Deleting what is already gone is done, not failed: a resumed clean-up repeats its last call.</summary>
    private static async Task<T?> GoneAsNull<T>(Task<T> call)
        where T : class
    {
        try
        {
            return await call.ConfigureAwait(false);
        }
        catch (AmazonEC2Exception e) when (e.ErrorCode is "InvalidAMIID.NotFound" or "InvalidAMIID.Unavailable" or "InvalidSnapshot.NotFound")
        {
            return null;
        }
    }
}
