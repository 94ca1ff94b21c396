using System.Collections.Immutable;

namespace AmiShare.Core.Ports;

/// <summary>
/// The EC2 calls of an image's lifecycle (deprecation, deregistration protection, retirement) and the instance reads
/// retire makes before it deletes anything. Separate from <see cref="ICloudAccount"/> so accounts that never publish
/// or retire need not implement it; the AWS adapter implements both.
/// </summary>
public interface IImageLifecycle
{
    /// <summary>DescribeImages of one owned image, its lifecycle members; null when the image does not exist.</summary>
    Task<ImageLifecycleState?> DescribeImageLifecycleAsync(string region, string imageId, CancellationToken cancellationToken);

    /// <summary>EnableImageDeprecation (EC2 rounds the time to the minute).</summary>
    Task EnableImageDeprecationAsync(string region, string imageId, DateTimeOffset deprecateAt, CancellationToken cancellationToken);

    /// <summary>EnableImageDeregistrationProtection, optionally with the 24-hour cooldown after it is disabled.</summary>
    Task EnableImageDeregistrationProtectionAsync(string region, string imageId, bool withCooldown, CancellationToken cancellationToken);

    /// <summary>DisableImageDeregistrationProtection.</summary>
    Task DisableImageDeregistrationProtectionAsync(string region, string imageId, CancellationToken cancellationToken);

    /// <summary>DeregisterImage; an image already gone is not an error.</summary>
    Task DeregisterImageAsync(string region, string imageId, CancellationToken cancellationToken);

    /// <summary>DeleteSnapshot; a snapshot already gone is not an error.</summary>
    Task DeleteSnapshotAsync(string region, string snapshotId, CancellationToken cancellationToken);

    /// <summary>DescribeInstances filtered by image id and the pending/running states: what still runs from the image.</summary>
    Task<ImmutableArray<string>> DescribeRunningInstancesOfImageAsync(string region, string imageId, CancellationToken cancellationToken);
}

/// <param name="DeregistrationProtection">As EC2 reports it: <c>disabled</c>, <c>enabled</c>, <c>enabled-with-cooldown</c> or <c>disabled-until-…</c>.</param>
/// <param name="LastLaunchedTime">Shown to the owner only; null when never launched (or not recorded yet).</param>
public sealed record ImageLifecycleState(
    string ImageId,
    string Region,
    DateTimeOffset? DeprecationTime,
    string DeregistrationProtection,
    DateTimeOffset? LastLaunchedTime,
    ImmutableArray<string> Snapshots)
{
    public bool IsProtected => DeregistrationProtection.StartsWith("enabled", StringComparison.Ordinal);

    public bool HasCooldown => DeregistrationProtection == "enabled-with-cooldown" || DeregistrationProtection.StartsWith("disabled-until", StringComparison.Ordinal);
}

/// <summary>SSM Parameter Store calls for publishing an image id where launch templates read it.</summary>
public interface IParameterStore
{
    /// <summary>The latest version of a parameter, with its description (GetParameterHistory); null when there is none.</summary>
    Task<ParameterState?> GetParameterAsync(string region, string name, CancellationToken cancellationToken);

    /// <summary>PutParameter of a String with DataType <c>aws:ec2:image</c>; returns the new version.</summary>
    Task<long> PutImageParameterAsync(string region, string name, string imageId, string description, bool overwrite, CancellationToken cancellationToken);

    /// <summary>DeleteParameter; false when there was none (already deleted), so a rerun is not an error.</summary>
    Task<bool> DeleteParameterAsync(string region, string name, CancellationToken cancellationToken);
}

public sealed record ParameterState(string Name, string Value, string DataType, string? Description, long Version);

/// <summary>Credentials in one target account, by account id (the <c>--target-role-arn</c> template with <c>{account}</c>).</summary>
public delegate Task<ICloudAccount> TargetAccountConnector(string account, CancellationToken cancellationToken);

/// <summary>Reaching a target account's Parameter Store through its credentials: one place, for publishing and withdrawing.</summary>
public static class TargetParameterStores
{
    public static async Task<IParameterStore> ParameterStoreAsync(this TargetAccountConnector connect, string account, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connect);
        var target = await connect(account, cancellationToken).ConfigureAwait(false);
        return target as IParameterStore ?? throw new InvalidOperationException("The target account cannot reach SSM Parameter Store.");
    }
}
