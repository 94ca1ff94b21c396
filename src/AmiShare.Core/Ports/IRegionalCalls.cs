namespace AmiShare.Core.Ports;

/// <summary>
/// The calls only a multi-Region share and its clean-up make: which Regions the account has enabled, a multi-Region
/// key's replica in a new Region, and deleting AmiShare's own copies. A separate port so that the single-Region
/// <see cref="ICloudAccount"/> stays as it is; the AWS adapter implements both.
/// </summary>
public interface IRegionalCalls
{
    /// <summary>EC2 DescribeRegions with AllRegions=false: the Regions enabled for the account, by name, in order.</summary>
    Task<IReadOnlyList<string>> DescribeEnabledRegionsAsync(string region, CancellationToken cancellationToken);

    /// <summary>KMS ReplicateKey of a multi-Region primary into <paramref name="replicaRegion"/> with <paramref name="policy"/>; returns the replica's ARN.</summary>
    Task<string> ReplicateKeyAsync(string primaryKeyArn, string replicaRegion, string policy, CancellationToken cancellationToken);

    /// <summary>EC2 DeregisterImage; an image already gone is not an error (returns false).</summary>
    Task<bool> DeregisterImageAsync(string region, string imageId, CancellationToken cancellationToken);

    /// <summary>EC2 DeleteSnapshot; a snapshot already gone is not an error (returns false).</summary>
    Task<bool> DeleteSnapshotAsync(string region, string snapshotId, CancellationToken cancellationToken);
}
