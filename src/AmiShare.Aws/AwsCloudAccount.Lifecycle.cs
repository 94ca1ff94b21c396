using System.Collections.Immutable;
using System.Globalization;
using Amazon.EC2;
using Amazon.EC2.Model;
using AmiShare.Core.Ports;

namespace AmiShare.Aws;

/// <summary>EC2: an image's lifecycle (deprecation, deregistration protection, retirement) and what still runs from it.</summary>
public sealed partial class AwsCloudAccount : IImageLifecycle
{
    async Task<ImageLifecycleState?> IImageLifecycle.DescribeImageLifecycleAsync(string region, string imageId, CancellationToken cancellationToken)
    {
        var response = await Ec2Async(region, "DescribeImages", imageId, (c, ct) => NotFoundAsNull(c.DescribeImagesAsync(new DescribeImagesRequest { ImageIds = [imageId], Owners = ["self"] }, ct)), cancellationToken).ConfigureAwait(false);
        return response?.Images?.FirstOrDefault() is { } image
            ? new ImageLifecycleState(
                image.ImageId,
                region,
                ParseTime(image.DeprecationTime),
                image.DeregistrationProtection ?? "disabled",
                ParseTime(image.LastLaunchedTime),
                [.. (image.BlockDeviceMappings ?? []).Select(m => m.Ebs?.SnapshotId).OfType<string>()])
            : null;
    }

    async Task IImageLifecycle.EnableImageDeprecationAsync(string region, string imageId, DateTimeOffset deprecateAt, CancellationToken cancellationToken) =>
        await Ec2Async(region, "EnableImageDeprecation", imageId, (c, ct) => c.EnableImageDeprecationAsync(new EnableImageDeprecationRequest { ImageId = imageId, DeprecateAt = deprecateAt.UtcDateTime }, ct), cancellationToken).ConfigureAwait(false);

    async Task IImageLifecycle.EnableImageDeregistrationProtectionAsync(string region, string imageId, bool withCooldown, CancellationToken cancellationToken) =>
        await Ec2Async(region, "EnableImageDeregistrationProtection", imageId, (c, ct) => c.EnableImageDeregistrationProtectionAsync(new EnableImageDeregistrationProtectionRequest { ImageId = imageId, WithCooldown = withCooldown }, ct), cancellationToken).ConfigureAwait(false);

    async Task IImageLifecycle.DisableImageDeregistrationProtectionAsync(string region, string imageId, CancellationToken cancellationToken) =>
        await Ec2Async(region, "DisableImageDeregistrationProtection", imageId, (c, ct) => c.DisableImageDeregistrationProtectionAsync(new DisableImageDeregistrationProtectionRequest { ImageId = imageId }, ct), cancellationToken).ConfigureAwait(false);

    async Task IImageLifecycle.DeregisterImageAsync(string region, string imageId, CancellationToken cancellationToken) =>
        await Ec2Async(region, "DeregisterImage", imageId, (c, ct) => NotFoundAsNull(c.DeregisterImageAsync(new DeregisterImageRequest { ImageId = imageId }, ct)), cancellationToken).ConfigureAwait(false);

    async Task IImageLifecycle.DeleteSnapshotAsync(string region, string snapshotId, CancellationToken cancellationToken) =>
        await Ec2Async(region, "DeleteSnapshot", snapshotId, (c, ct) => NotFoundAsNull(c.DeleteSnapshotAsync(new DeleteSnapshotRequest { SnapshotId = snapshotId }, ct)), cancellationToken).ConfigureAwait(false);

    async Task<ImmutableArray<string>> IImageLifecycle.DescribeRunningInstancesOfImageAsync(string region, string imageId, CancellationToken cancellationToken)
    {
        var request = new DescribeInstancesRequest
        {
            Filters = [new Filter("image-id", [imageId]), new Filter("instance-state-name", ["pending", "running"])],
            MaxResults = Page(5, 1000),
        };
        var instances = ImmutableArray.CreateBuilder<string>();
        do
        {
            var page = await Ec2Async(region, "DescribeInstances", imageId, (c, ct) => c.DescribeInstancesAsync(request, ct), cancellationToken).ConfigureAwait(false);
            instances.AddRange((page.Reservations ?? []).SelectMany(r => r.Instances ?? []).Select(i => i.InstanceId));
            request.NextToken = page.NextToken;
        }
        while (!string.IsNullOrEmpty(request.NextToken));
        return instances.ToImmutable();
    }

    /// <summary>EC2's lifecycle times are ISO 8601 strings in UTC (<c>2026-01-01T00:00:00.000Z</c>).</summary>
    private static DateTimeOffset? ParseTime(string? text) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at) ? at : null;
}
