using System.Collections.Immutable;
using Amazon.EC2;
using Amazon.EC2.Model;
using AmiShare.Core.Model;
using AmiShare.Core.Ports;

namespace AmiShare.Aws;

/// <summary>EC2: images, launch and snapshot permissions, copies, test launches, the default EBS key.</summary>
public sealed partial class AwsCloudAccount
{
    /// <summary>DescribeSnapshots ids per request, so a large image set never builds an oversized query.</summary>
    private const int SnapshotIdBatch = 200;

    public async Task<IReadOnlyList<ImageDescription>> DescribeOwnedImagesAsync(string region, ImageQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var ids = query.ImageIds.IsDefaultOrEmpty ? [] : query.ImageIds;
        var filters = new List<Filter>();
        if (!query.Names.IsDefaultOrEmpty)
        {
            filters.Add(new Filter("name", [.. query.Names]));
        }

        if (!query.CopiesOf.IsDefaultOrEmpty)
        {
            filters.Add(new Filter("tag:" + ImageDescription.CopyTag, [.. query.CopiesOf]));
        }

        var request = new DescribeImagesRequest
        {
            Owners = ["self"],
            ImageIds = ids.IsEmpty ? null : [.. ids],
            Filters = filters.Count == 0 ? null : filters,

            // EC2 refuses MaxResults together with ids; ids are answered in one page anyway.
            MaxResults = ids.IsEmpty ? Page(6, 1000) : null,
        };
        var images = new List<ImageDescription>();
        do
        {
            var page = await Ec2Async(region, "DescribeImages", ids.Length == 1 ? ids[0] : null, (c, ct) => NotFoundAsNull(c.DescribeImagesAsync(request, ct)), cancellationToken).ConfigureAwait(false);
            if (page is null)
            {
                // EC2 fails the whole call for one unknown id; absent images are left out, so ask for the rest one by one.
                return ids.Length <= 1 ? [] : await EachOfAsync(ids, id => DescribeOwnedImagesAsync(region, query with { ImageIds = [id] }, cancellationToken)).ConfigureAwait(false);
            }

            images.AddRange((page.Images ?? []).Select(i => ToImage(i, region)));
            request.NextToken = page.NextToken;
        }
        while (!string.IsNullOrEmpty(request.NextToken));
        return images;
    }

    private static async Task<IReadOnlyList<T>> EachOfAsync<T>(IEnumerable<string> ids, Func<string, Task<IReadOnlyList<T>>> read)
    {
        var found = new List<T>();
        foreach (var id in ids)
        {
            found.AddRange(await read(id).ConfigureAwait(false));
        }

        return found;
    }

    public async Task<ImageDescription?> DescribeVisibleImageAsync(string region, string imageId, CancellationToken cancellationToken)
    {
        var response = await Ec2Async(region, "DescribeImages", imageId, (c, ct) => NotFoundAsNull(c.DescribeImagesAsync(new DescribeImagesRequest { ImageIds = [imageId] }, ct)), cancellationToken).ConfigureAwait(false);
        return response?.Images?.FirstOrDefault() is { } image ? ToImage(image, region) : null;
    }

    /// <summary>"Not visible" is an answer, not an error (absent is null or left out at the port): turn the NotFound into null before retry and mapping.</summary>
    private static async Task<T?> NotFoundAsNull<T>(Task<T> call)
        where T : class
    {
        try
        {
            return await call.ConfigureAwait(false);
        }
        catch (AmazonEC2Exception e) when (e.ErrorCode is "InvalidAMIID.NotFound" or "InvalidInstanceID.NotFound" or "InvalidSnapshot.NotFound")
        {
            return null;
        }
    }

    public async Task<LaunchPermissionList> GetLaunchPermissionsAsync(string region, string imageId, CancellationToken cancellationToken)
    {
        var response = await Ec2Async(region, "DescribeImageAttribute", imageId, (c, ct) => c.DescribeImageAttributeAsync(new DescribeImageAttributeRequest { ImageId = imageId, Attribute = ImageAttributeName.LaunchPermission }, ct), cancellationToken).ConfigureAwait(false);
        var targets = ImmutableArray.CreateBuilder<ShareTarget>();
        var isPublic = false;
        foreach (var permission in response.ImageAttribute?.LaunchPermissions ?? [])
        {
            if (permission.Group == PermissionGroup.All)
            {
                isPublic = true;
            }
            else if (permission.UserId is { } user)
            {
                targets.Add(ShareTarget.Account(user));
            }
            else if ((permission.OrganizationArn ?? permission.OrganizationalUnitArn) is { } arn && ShareTarget.Parse(arn).Target is { } target)
            {
                targets.Add(target);
            }
        }

        return new LaunchPermissionList(targets.ToImmutable(), isPublic);
    }

    public async Task ModifyLaunchPermissionsAsync(string region, string imageId, IReadOnlyCollection<ShareTarget> add, IReadOnlyCollection<ShareTarget> remove, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(add);
        ArgumentNullException.ThrowIfNull(remove);
        if (add.Count == 0 && remove.Count == 0)
        {
            return;
        }

        var request = new ModifyImageAttributeRequest
        {
            ImageId = imageId,
            LaunchPermission = new LaunchPermissionModifications
            {
                Add = add.Count == 0 ? null : [.. add.Select(ToLaunchPermission)],
                Remove = remove.Count == 0 ? null : [.. remove.Select(ToLaunchPermission)],
            },
        };
        await Ec2Async(region, "ModifyImageAttribute", imageId, (c, ct) => c.ModifyImageAttributeAsync(request, ct), cancellationToken).ConfigureAwait(false);
    }

    private static LaunchPermission ToLaunchPermission(ShareTarget target) => target.Kind switch
    {
        ShareTargetKind.Account => new LaunchPermission { UserId = target.Value },
        ShareTargetKind.Organization => new LaunchPermission { OrganizationArn = target.Value },
        _ => new LaunchPermission { OrganizationalUnitArn = target.Value },
    };

    public async Task<IReadOnlyList<SnapshotDescription>> DescribeSnapshotsAsync(string region, IReadOnlyCollection<string> snapshotIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(snapshotIds);
        var snapshots = new List<SnapshotDescription>();
        foreach (var batch in snapshotIds.Distinct(StringComparer.Ordinal).Chunk(settings.PageSize is { } size ? Math.Clamp(size, 1, SnapshotIdBatch) : SnapshotIdBatch))
        {
            var request = new DescribeSnapshotsRequest { SnapshotIds = [.. batch] };
            do
            {
                var page = await Ec2Async(region, "DescribeSnapshots", batch.Length == 1 ? batch[0] : null, (c, ct) => NotFoundAsNull(c.DescribeSnapshotsAsync(request, ct)), cancellationToken).ConfigureAwait(false);
                if (page is null)
                {
                    // As for images: one unknown id fails the batch; read its ids one by one and leave the absent out.
                    if (batch.Length > 1)
                    {
                        snapshots.AddRange(await EachOfAsync(batch, id => DescribeSnapshotsAsync(region, [id], cancellationToken)).ConfigureAwait(false));
                    }

                    break;
                }

                snapshots.AddRange((page.Snapshots ?? []).Select(s => new SnapshotDescription(s.SnapshotId, region, s.OwnerId, s.Encrypted ?? false, s.KmsKeyId, CloudStateNames.ParseSnapshotState(s.State?.Value))));
                request.NextToken = page.NextToken;
            }
            while (!string.IsNullOrEmpty(request.NextToken));
        }

        return snapshots;
    }

    public async Task<ImmutableArray<string>> GetCreateVolumePermissionsAsync(string region, string snapshotId, CancellationToken cancellationToken)
    {
        var response = await Ec2Async(region, "DescribeSnapshotAttribute", snapshotId, (c, ct) => c.DescribeSnapshotAttributeAsync(new DescribeSnapshotAttributeRequest { SnapshotId = snapshotId, Attribute = SnapshotAttributeName.CreateVolumePermission }, ct), cancellationToken).ConfigureAwait(false);
        return [.. (response.CreateVolumePermissions ?? []).Select(p => p.UserId).OfType<string>()];
    }

    public async Task ModifyCreateVolumePermissionsAsync(string region, string snapshotId, IReadOnlyCollection<string> addAccounts, IReadOnlyCollection<string> removeAccounts, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(addAccounts);
        ArgumentNullException.ThrowIfNull(removeAccounts);
        if (addAccounts.Count == 0 && removeAccounts.Count == 0)
        {
            return;
        }

        var request = new ModifySnapshotAttributeRequest
        {
            SnapshotId = snapshotId,
            CreateVolumePermission = new CreateVolumePermissionModifications
            {
                Add = addAccounts.Count == 0 ? null : [.. addAccounts.Select(a => new CreateVolumePermission { UserId = a })],
                Remove = removeAccounts.Count == 0 ? null : [.. removeAccounts.Select(a => new CreateVolumePermission { UserId = a })],
            },
        };
        await Ec2Async(region, "ModifySnapshotAttribute", snapshotId, (c, ct) => c.ModifySnapshotAttributeAsync(request, ct), cancellationToken).ConfigureAwait(false);
    }

    public async Task<string> CopyImageAsync(CopyImageCommand command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        var request = new CopyImageRequest
        {
            SourceImageId = command.SourceImageId,
            SourceRegion = command.SourceRegion,
            Name = command.Name,
            ClientToken = command.ClientToken,
            Encrypted = command.KmsKeyId is null ? null : true,
            KmsKeyId = command.KmsKeyId,

            // Tagging on create keeps the copy and its amishare:copy-of tag atomic (no untagged copy after a crash).
            TagSpecifications = command.Tags.IsEmpty ? null :
            [
                new TagSpecification { ResourceType = ResourceType.Image, Tags = [.. command.Tags.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => new Tag(t.Key, t.Value))] },
            ],
        };
        var response = await Ec2Async(command.Region, "CopyImage", command.SourceImageId, (c, ct) => c.CopyImageAsync(request, ct), cancellationToken).ConfigureAwait(false);
        return response.ImageId;
    }

    public async Task<string?> RunInstanceAsync(string region, string imageId, string instanceType, string? subnetId, bool dryRun, CancellationToken cancellationToken)
    {
        var request = new RunInstancesRequest
        {
            ImageId = imageId,
            InstanceType = InstanceType.FindValue(instanceType),
            SubnetId = subnetId,
            MinCount = 1,
            MaxCount = 1,
            DryRun = dryRun ? true : null,
        };
        var response = await Ec2Async(region, "RunInstances", imageId, async (c, ct) =>
        {
            try
            {
                return await c.RunInstancesAsync(request, ct).ConfigureAwait(false);
            }
            catch (AmazonEC2Exception e) when (dryRun && e.ErrorCode == "DryRunOperation")
            {
                // EC2's "it would have succeeded" answer (HTTP 412).
                return null;
            }
        }, cancellationToken).ConfigureAwait(false);
        return response?.Reservation?.Instances?.FirstOrDefault()?.InstanceId;
    }

    public async Task<InstanceDescription?> DescribeInstanceAsync(string region, string instanceId, CancellationToken cancellationToken)
    {
        var response = await Ec2Async(region, "DescribeInstances", instanceId, (c, ct) => NotFoundAsNull(c.DescribeInstancesAsync(new DescribeInstancesRequest { InstanceIds = [instanceId] }, ct)), cancellationToken).ConfigureAwait(false);
        var instance = response?.Reservations?.SelectMany(r => r.Instances ?? []).FirstOrDefault(i => i.InstanceId == instanceId);
        if (instance is null)
        {
            return null;
        }

        var root = instance.BlockDeviceMappings?.FirstOrDefault(m => m.DeviceName == instance.RootDeviceName)?.Ebs?.VolumeId;
        return new InstanceDescription(instance.InstanceId, CloudStateNames.ParseInstanceState(instance.State?.Name?.Value), instance.StateReason?.Code, instance.StateReason?.Message, root);
    }

    public async Task TerminateInstanceAsync(string region, string instanceId, CancellationToken cancellationToken) =>
        await Ec2Async(region, "TerminateInstances", instanceId, (c, ct) => c.TerminateInstancesAsync(new TerminateInstancesRequest { InstanceIds = [instanceId] }, ct), cancellationToken).ConfigureAwait(false);

    public async Task<string> GetEbsDefaultKmsKeyIdAsync(string region, CancellationToken cancellationToken)
    {
        var response = await Ec2Async(region, "GetEbsDefaultKmsKeyId", null, (c, ct) => c.GetEbsDefaultKmsKeyIdAsync(new GetEbsDefaultKmsKeyIdRequest(), ct), cancellationToken).ConfigureAwait(false);
        return response.KmsKeyId;
    }

    private static ImageDescription ToImage(Image image, string region) => new(
        image.ImageId,
        image.Name ?? string.Empty,
        image.OwnerId,
        region,
        CloudStateNames.ParseImageState(image.State?.Value),
        [.. (image.BlockDeviceMappings ?? []).Select(m => new BlockDeviceDescription(m.DeviceName, m.Ebs?.SnapshotId, m.Ebs?.Encrypted ?? false, m.Ebs?.KmsKeyId))],
        (image.Tags ?? []).Where(t => t.Key is not null).GroupBy(t => t.Key, StringComparer.Ordinal).ToImmutableDictionary(g => g.Key, g => g.Last().Value ?? string.Empty, StringComparer.Ordinal),
        image.Public ?? false,
        image.StateReason?.Message ?? image.StateReason?.Code);
}
