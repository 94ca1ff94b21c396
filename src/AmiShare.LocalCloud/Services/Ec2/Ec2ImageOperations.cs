using System.Xml.Linq;
using AmiShare.LocalCloud.Protocol;
using AmiShare.LocalCloud.State;
using AmiShare.Policy.Catalogue;
using static AmiShare.LocalCloud.Protocol.OperationHandlers;
using static AmiShare.LocalCloud.Services.Ec2.Ec2ConditionContext;
using static AmiShare.LocalCloud.Services.Ec2.Ec2Describe;
using static AmiShare.LocalCloud.Services.Ec2.Ec2Ids;
using static AmiShare.LocalCloud.Services.Ec2.Ec2Tagging;
using static AmiShare.LocalCloud.Services.Ec2.Ec2Xml;

namespace AmiShare.LocalCloud.Services.Ec2;

/// <summary>Images: describe, create from an instance, register from snapshots, deregister, disable and enable.</summary>
internal sealed class Ec2ImageOperations(LocalCloudContext cloud, Ec2ResourceLookup lookup, Ec2ContentLifetime contentLifetime) : IServiceOperations
{
    public AwsServiceDescriptor Service => AwsServices.Ec2;

    public IReadOnlyDictionary<string, OperationHandler> Operations => new Dictionary<string, OperationHandler>
    {
        ["DescribeImages"] = Sync(DescribeImages),
        ["CreateImage"] = Sync(CreateImage),
        ["RegisterImage"] = Sync(RegisterImage),
        ["DeregisterImage"] = Sync(DeregisterImage),
        ["DisableImage"] = Sync(DisableImage),
        ["EnableImage"] = Sync(EnableImage),
    };

    private static readonly string[] ImageFilters = ["name", "state", "owner-id", "owner-alias", "is-public", "image-id", "block-device-mapping.snapshot-id", "block-device-mapping.encrypted", "description", "architecture", "root-device-name", "source-image-id", "tag-key", "tag:"];

    private OperationResponse DescribeImages(OperationRequest request)
    {
        request.Authorize(Ec2Actions.DescribeImages, "*");
        request.StopIfDryRun();
        var p = request.Parameters;
        var ids = p.GetList("ImageId");
        foreach (var id in ids)
        {
            CheckImageId(id);
        }

        var owners = p.GetList("Owner");
        var executable = p.GetList("ExecutableBy");
        var filters = Filters(request, ImageFilters);
        var caller = request.Caller.AccountId;
        var includeDisabled = (p.GetBoolean("IncludeDisabled") ?? false);
        // Allowed AMIs in enabled state hides images outside the criteria (the caller's own are always allowed).
        var guardrails = new Ec2AccountSettingsStore(cloud).Get(caller, request.Region).Guardrails;
        var includeDeprecated = (p.GetBoolean("IncludeDeprecated") ?? false);
        var now = request.Time.GetUtcNow();
        var all = cloud.State.Read(view => view.List(Ec2EntityKinds.Image, null, request.Region))
            .Where(i => lookup.CanSee(request, i) && (i.State != "disabled" || includeDisabled || ids.Contains(i.ImageId)) && !guardrails.Hides(i, caller, now))
            .Where(i => i.OwnerId == caller || includeDeprecated || ids.Contains(i.ImageId) || !Ec2ImageLifecycle.IsDeprecated(i, now))
            .ToList();

        // EC2 names every missing id at once when several are.
        if (ids.Where(id => !all.Any(i => i.ImageId == id)).Distinct().ToList() is { Count: > 1 } missing)
        {
            throw Ec2Errors.ImagesNotFound(missing);
        }

        // Tags are not shared with an image: only its owner sees them, so only the owner can match on them.
        var selected = Requested(all, ids, i => i.ImageId, Ec2Errors.ImageNotFound, filters, (i, name) => ImageFilterValues(i, name, i.OwnerId == caller))
            .Where(i => owners.Count == 0 || owners.Any(o => o switch
            {
                "self" => i.OwnerId == caller,
                "amazon" or "aws-marketplace" or "aws-backup-vault" => i.OwnerAlias == o,
                _ => i.OwnerId == o,
            }))
            .Where(i => executable.Count == 0 || executable.Any(e => e switch
            {
                // Explicit launch permissions: an account, organization or OU entry covering the caller (not ownership, not public).
                "self" => i.OwnerId != caller && lookup.Covers(request, i.Sharing with { Entries = [.. i.Sharing.Entries.Where(e => !e.IsPublic)] }, true).Allowed,
                "all" => i.IsPublic,
                _ => i.LaunchPermissions.Any(lp => lp.UserId == e) || (i.OwnerId == e),
            }))
            .OrderBy(i => i.ImageId, StringComparer.Ordinal)
            .ToList();
        var (page, next) = Paginate(request, selected, 6, 1000, ids.Count > 0);
        return Respond(
            Items("imagesSet", page.Select(i => ImageXml(request, i).Append(Optional("imageAllowed", guardrails.ImageAllowed(i, caller, now))))),
            Optional("nextToken", next));
    }

    private static string?[] ImageFilterValues(Ec2Image image, string name, bool owner) => name switch
    {
        "tag-key" => owner ? [.. image.Tags.Keys] : [],
        _ when name.StartsWith("tag:", StringComparison.Ordinal) => owner && image.Tags.TryGetValue(name[4..], out var value) ? [value] : [],
        "name" => [image.Name],
        "state" => [image.State],
        "owner-id" => [image.OwnerId],
        "owner-alias" => [image.OwnerAlias],
        "is-public" => [XmlShapes.Boolean(image.IsPublic)],
        "image-id" => [image.ImageId],
        "description" => [image.Description],
        "architecture" => [image.Architecture],
        "root-device-name" => [image.RootDeviceName],
        "source-image-id" => [image.SourceImageId],
        "block-device-mapping.snapshot-id" => [.. image.BlockDevices.Select(d => d.SnapshotId)],
        "block-device-mapping.encrypted" => [.. image.BlockDevices.Select(d => XmlShapes.Boolean(d.Encrypted))],
        _ => [],
    };

    private IEnumerable<XElement?> ImageXml(OperationRequest request, Ec2Image image)
    {
        var snapshots = cloud.State.Read(view => view.List(Ec2EntityKinds.Snapshot, image.OwnerId, image.Region)).ToDictionary(s => s.SnapshotId, StringComparer.Ordinal);
        yield return new XElement("imageId", image.ImageId);
        yield return new XElement("imageLocation", $"{image.OwnerAlias ?? image.OwnerId}/{image.Name}");
        yield return new XElement("imageState", image.State);
        yield return new XElement("imageOwnerId", image.OwnerId);
        yield return new XElement("creationDate", XmlShapes.Timestamp(image.CreationDate));
        yield return new XElement("isPublic", XmlShapes.Boolean(image.IsPublic));
        yield return new XElement("architecture", image.Architecture);
        yield return new XElement("imageType", "machine");
        yield return Optional("imageOwnerAlias", image.OwnerAlias);
        yield return new XElement("name", image.Name);
        yield return Optional("description", image.Description);
        yield return new XElement("rootDeviceType", "ebs");
        yield return new XElement("rootDeviceName", image.RootDeviceName);
        yield return BlockDeviceMappingXml(image, snapshots, request.Caller.AccountId == image.OwnerId);
        yield return new XElement("virtualizationType", image.VirtualizationType);
        yield return new XElement("hypervisor", "xen");
        yield return new XElement("enaSupport", XmlShapes.Boolean(image.EnaSupport));
        yield return new XElement("platformDetails", "Linux/UNIX");
        yield return new XElement("usageOperation", "RunInstances");
        yield return Optional("sourceInstanceId", image.OwnerId == request.Caller.AccountId ? image.SourceInstanceId : null);
        yield return Optional("sourceImageId", image.SourceImageId);
        yield return Optional("sourceImageRegion", image.SourceImageRegion);
        if (image.OwnerId == request.Caller.AccountId && image.Tags.Count > 0)
        {
            yield return TagSetXml(image.Tags);
        }

        foreach (var lifecycle in Ec2ImageLifecycle.DescribeXml(image, request.Time.GetUtcNow(), image.OwnerId == request.Caller.AccountId))
        {
            yield return lifecycle;
        }

        if (image.StateReasonCode is not null)
        {
            yield return StateReason(image.StateReasonCode, image.StateReasonMessage);
        }
    }

    private OperationResponse DisableImage(OperationRequest request)
    {
        var image = lookup.OwnedImage(request, request.Parameters.GetRequiredString("ImageId"));
        request.Authorize(Ec2Actions.DisableImage, image.Arn);
        request.StopIfDryRun();

        // Disabling removes every launch permission; enabling does not bring them back.
        lookup.UpdateImage(image, i => i with { State = "disabled", LaunchPermissions = [] });
        return Respond(Return());
    }

    private OperationResponse EnableImage(OperationRequest request)
    {
        var image = lookup.OwnedImage(request, request.Parameters.GetRequiredString("ImageId"));
        request.Authorize(Ec2Actions.EnableImage, image.Arn);
        request.StopIfDryRun();
        if (image.State != "disabled")
        {
            throw Ec2Errors.IncorrectState($"The image '{image.ImageId}' is not disabled.");
        }

        lookup.UpdateImage(image, i => i with { State = "available" });
        return Respond(Return());
    }

    private OperationResponse CreateImage(OperationRequest request)
    {
        var p = request.Parameters;
        var instanceId = CheckInstanceId(p.GetRequiredString("InstanceId"));
        var name = p.GetRequiredString("Name");
        var account = request.Caller.AccountId;
        var instance = cloud.State.Read(view => view.Find(Ec2EntityKinds.Instance, new EntityKey(account, request.Region, instanceId))) ?? throw Ec2Errors.InstanceNotFound(instanceId);
        request.Authorize(Ec2Actions.CreateImage, instance.Arn);
        request.Authorize(Ec2Actions.CreateImage, $"arn:aws:ec2:{request.Region}::image/*");
        request.Authorize(Ec2Actions.CreateImage, $"arn:aws:ec2:{request.Region}::snapshot/*");
        var imageTags = SpecifiedTags(p, "image", "image", "snapshot");
        var snapshotTags = SpecifiedTags(p, "snapshot", "image", "snapshot");
        foreach (var (type, tags) in new[] { ("image", imageTags), ("snapshot", snapshotTags) }.Where(t => t.Item2.Count > 0))
        {
            // As on AWS, tagging on create also needs ec2:CreateTags, with ec2:CreateAction naming the creating call.
            request.Authorize(Ec2Actions.CreateTags, $"arn:aws:ec2:{request.Region}::{type}/*", TagContext(tags, "CreateImage"));
        }

        request.StopIfDryRun();
        lookup.CheckNewImageName(request, name);
        if (instance.State is not ("running" or "stopped"))
        {
            throw Ec2Errors.IncorrectState($"The instance '{instanceId}' is not in a state from which it can be imaged (it is {instance.State}).");
        }

        var now = request.Time.GetUtcNow();
        var imageId = cloud.Ids.ResourceId("ami");
        var volumes = cloud.State.Read(view => instance.Devices.Select(d => (Device: d, Volume: view.Find(Ec2EntityKinds.Volume, new EntityKey(account, request.Region, d.VolumeId)))).ToList());
        var snapshots = new List<Ec2Snapshot>();
        var devices = new List<Ec2ImageBlockDevice>();
        foreach (var (device, volume) in volumes)
        {
            if (volume is null)
            {
                continue;
            }

            var snapshot = NewSnapshots.OfVolume(volume, cloud.Ids.ResourceId("snap"), $"Created by CreateImage({instanceId}) for {imageId}", now) with { Tags = snapshotTags };
            snapshots.Add(snapshot);
            devices.Add(new Ec2ImageBlockDevice(device.DeviceName, snapshot.SnapshotId, volume.Size, volume.VolumeType, device.DeleteOnTermination, volume.Encrypted));
        }

        var image = new Ec2Image
        {
            ImageId = imageId,
            OwnerId = account,
            Region = request.Region,
            Name = name,
            Description = p.GetString("Description"),
            CreationDate = now,
            RootDeviceName = instance.RootDeviceName,
            BlockDevices = devices,
            SourceInstanceId = instanceId,
            Tags = imageTags,
        };
        cloud.State.Write(tx =>
        {
            foreach (var snapshot in snapshots)
            {
                tx.Put(Ec2EntityKinds.Snapshot, new EntityKey(account, request.Region, snapshot.SnapshotId), snapshot);
            }

            tx.Put(Ec2EntityKinds.Image, new EntityKey(account, request.Region, imageId), image);
        });
        request.Trail.AddResource("AWS::EC2::Image", image.Arn, account);
        request.Trail.ResponseElements["imageId"] = imageId;
        return Respond(new XElement("imageId", imageId));
    }

    private OperationResponse RegisterImage(OperationRequest request)
    {
        var p = request.Parameters;
        var name = p.GetRequiredString("Name");
        if (p.GetString("ImageLocation") is not null)
        {
            throw Ec2Errors.InvalidParameterCombination("LocalCloud registers EBS-backed images from snapshots only; ImageLocation (instance store) is not supported.");
        }

        var mappings = p.GetStructureList("BlockDeviceMapping");
        if (mappings.Count == 0)
        {
            throw Ec2Errors.MissingParameter("BlockDeviceMapping");
        }

        var rootDevice = p.GetRequiredString("RootDeviceName");
        var account = request.Caller.AccountId;
        request.Authorize(Ec2Actions.RegisterImage, $"arn:aws:ec2:{request.Region}::image/*");
        var devices = new List<Ec2ImageBlockDevice>();
        foreach (var mapping in mappings)
        {
            var deviceName = mapping.GetRequiredString("DeviceName");
            var snapshotId = mapping.GetString("Ebs.SnapshotId") ?? throw Ec2Errors.InvalidBlockDeviceMapping($"The block device mapping for {deviceName} needs Ebs.SnapshotId.");
            var snapshot = lookup.VisibleSnapshot(request, request.Region, snapshotId);
            if (snapshot.OwnerId != account)
            {
                throw Ec2Errors.SnapshotNotOwned(snapshotId);
            }

            var size = mapping.GetInt32("Ebs.VolumeSize") ?? snapshot.VolumeSize;
            if (size < snapshot.VolumeSize)
            {
                throw Ec2Errors.InvalidParameterValue($"Volume of size {size} GiB is smaller than snapshot '{snapshotId}', expect size >= {snapshot.VolumeSize}");
            }

            devices.Add(new Ec2ImageBlockDevice(deviceName, snapshotId, size, mapping.GetString("Ebs.VolumeType") ?? "gp3", (mapping.GetBoolean("Ebs.DeleteOnTermination") ?? true), snapshot.Encrypted));
        }

        if (devices.All(d => d.DeviceName != rootDevice))
        {
            throw Ec2Errors.InvalidParameterValue($"The root device name '{rootDevice}' is not in the block device mapping.");
        }

        request.StopIfDryRun();
        lookup.CheckNewImageName(request, name);
        var image = new Ec2Image
        {
            ImageId = cloud.Ids.ResourceId("ami"),
            OwnerId = account,
            Region = request.Region,
            Name = name,
            Description = p.GetString("Description"),
            CreationDate = request.Time.GetUtcNow(),
            RootDeviceName = rootDevice,
            Architecture = p.GetString("Architecture") ?? "x86_64",
            VirtualizationType = p.GetString("VirtualizationType") ?? "hvm",
            EnaSupport = (p.GetBoolean("EnaSupport") ?? true),
            BlockDevices = devices,
        };
        cloud.State.Write(tx => tx.Put(Ec2EntityKinds.Image, new EntityKey(account, request.Region, image.ImageId), image));
        request.Trail.AddResource("AWS::EC2::Image", image.Arn, account);
        request.Trail.ResponseElements["imageId"] = image.ImageId;
        return Respond(new XElement("imageId", image.ImageId));
    }

    private OperationResponse DeregisterImage(OperationRequest request)
    {
        var p = request.Parameters;
        var image = lookup.OwnedImage(request, p.GetRequiredString("ImageId"));
        request.Authorize(Ec2Actions.DeregisterImage, image.Arn);
        Ec2ImageLifecycle.EnsureDeregistrable(image, request.Time.GetUtcNow());
        var deleteSnapshots = (p.GetBoolean("DeleteAssociatedSnapshots") ?? false);
        request.StopIfDryRun();
        var results = new List<(string SnapshotId, string Code)>();
        var released = new List<Ec2ContentRef>();
        cloud.State.Write(tx =>
        {
            tx.Delete(Ec2EntityKinds.Image, new EntityKey(image.OwnerId, image.Region, image.ImageId));
            if (!deleteSnapshots)
            {
                return;
            }

            foreach (var device in image.BlockDevices)
            {
                var key = new EntityKey(image.OwnerId, image.Region, device.SnapshotId);
                if (tx.Find(Ec2EntityKinds.Snapshot, key) is not { } snapshot)
                {
                    results.Add((device.SnapshotId, "error-generic"));
                }
                else if (tx.List(Ec2EntityKinds.Image, image.OwnerId, image.Region).Any(i => i.BlockDevices.Any(d => d.SnapshotId == device.SnapshotId)))
                {
                    results.Add((device.SnapshotId, "error-generic"));
                }
                else
                {
                    tx.Delete(Ec2EntityKinds.Snapshot, key);
                    released.Add(snapshot.Content);
                    results.Add((device.SnapshotId, "success"));
                }
            }
        });
        contentLifetime.Release(released);
        request.Trail.AddResource("AWS::EC2::Image", image.Arn, image.OwnerId);
        return Respond(
            Return(),
            deleteSnapshots ? Items("deleteSnapshotResultSet", results.Select(r => new[] { new XElement("snapshotId", r.SnapshotId), new XElement("returnCode", r.Code) })) : null);
    }
}
