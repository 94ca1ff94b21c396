using System.Xml.Linq;
using AmiShare.LocalCloud.Protocol;
using AmiShare.LocalCloud.Services.Kms;
using AmiShare.LocalCloud.State;

namespace AmiShare.LocalCloud.Services.Ec2;

/// <summary>Images: describe, attributes and sharing, create, register, copy, deregister.</summary>
public sealed partial class Ec2Operations
{
    /// <summary>
    /// The <c>ec2:Owner</c> condition key of an image resource, as IAM policies test it: "amazon" for Amazon's
    /// images, else the owner's account id (policies such as "launch only the golden account's images" depend on it).
    /// </summary>
    internal static Dictionary<string, IReadOnlyList<string>> ImageOwnerContext(Ec2Image image) =>
        new(StringComparer.OrdinalIgnoreCase) { ["ec2:Owner"] = [image.OwnerAlias ?? image.OwnerId] };

    private const int LaunchPermissionQuota = 1000;

    private static readonly string[] ImageFilters = ["name", "state", "owner-id", "owner-alias", "is-public", "image-id", "block-device-mapping.snapshot-id", "block-device-mapping.encrypted", "description", "architecture", "root-device-name", "source-image-id", "tag-key", "tag:"];

    private OperationResponse DescribeImages(OperationRequest request)
    {
        request.Authorize("ec2:DescribeImages", "*");
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
        var includeDisabled = Bool(p, "IncludeDisabled");
        var all = cloud.State.Read(view => view.List(Ec2EntityKinds.Image, null, request.Region))
            .Where(i => CanSee(request, i) && (i.State != "disabled" || includeDisabled || ids.Contains(i.ImageId)))
            .ToList();

        // Tags are not shared with an image: only its owner sees them, so only the owner can match on them.
        var selected = Requested(all, ids, i => i.ImageId, ImageNotFound, filters, (i, name) => ImageFilterValues(i, name, i.OwnerId == caller))
            .Where(i => owners.Count == 0 || owners.Any(o => o switch
            {
                "self" => i.OwnerId == caller,
                "amazon" or "aws-marketplace" or "aws-backup-vault" => i.OwnerAlias == o,
                _ => i.OwnerId == o,
            }))
            .Where(i => executable.Count == 0 || executable.Any(e => e switch
            {
                // Explicit launch permissions: an account, organization or OU entry covering the caller (not ownership, not public).
                "self" => i.OwnerId != caller && Covers(request, i.Sharing with { Entries = [.. i.Sharing.Entries.Where(e => !e.IsPublic)] }, true).Allowed,
                "all" => i.IsPublic,
                _ => i.LaunchPermissions.Any(lp => lp.UserId == e) || (i.OwnerId == e),
            }))
            .OrderBy(i => i.ImageId, StringComparer.Ordinal)
            .ToList();
        var (page, next) = Paginate(request, selected, 6, 1000, ids.Count > 0);
        return Respond(
            Items("imagesSet", page.Select(i => ImageXml(request, i))),
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

        if (image.StateReasonCode is not null)
        {
            yield return StateReason(image.StateReasonCode, image.StateReasonMessage);
        }
    }

    private static XElement BlockDeviceMappingXml(Ec2Image image, Dictionary<string, Ec2Snapshot> snapshots, bool owner) =>
        Items("blockDeviceMapping", image.BlockDevices.Select(d => new XElement?[]
        {
            new XElement("deviceName", d.DeviceName),
            new XElement(
                "ebs",
                new XElement("snapshotId", d.SnapshotId),
                new XElement("volumeSize", d.VolumeSize),
                new XElement("deleteOnTermination", XmlShapes.Boolean(d.DeleteOnTermination)),
                new XElement("volumeType", d.VolumeType),
                new XElement("encrypted", XmlShapes.Boolean(d.Encrypted)),
                owner && snapshots.TryGetValue(d.SnapshotId, out var s) ? Optional("kmsKeyId", s.KmsKeyId) : null),
        }));

    private OperationResponse DescribeImageAttribute(OperationRequest request)
    {
        var p = request.Parameters;
        var attribute = p.GetRequiredString("Attribute");
        var image = VisibleImage(request, request.Region, p.GetRequiredString("ImageId"));
        request.Authorize("ec2:DescribeImageAttribute", image.Arn);
        request.StopIfDryRun();
        var owner = image.OwnerId == request.Caller.AccountId;
        XElement body = attribute switch
        {
            "launchPermission" => owner
                ? Items("launchPermission", image.LaunchPermissions.Select(PermissionXml))
                : throw NotOwner("image", image.ImageId),
            "description" => new XElement("description", Optional("value", image.Description)),
            "blockDeviceMapping" => BlockDeviceMappingXml(image, cloud.State.Read(view => view.List(Ec2EntityKinds.Snapshot, image.OwnerId, image.Region)).ToDictionary(s => s.SnapshotId, StringComparer.Ordinal), owner),
            "productCodes" => new XElement("productCodes"),
            "kernel" => new XElement("kernel"),
            "ramdisk" => new XElement("ramdisk"),
            "sriovNetSupport" => new XElement("sriovNetSupport", new XElement("value", "simple")),
            "bootMode" => new XElement("bootMode"),
            "deregistrationProtection" => new XElement("deregistrationProtection", new XElement("value", "disabled")),
            _ => throw Error("InvalidParameterValue", $"Value ({attribute}) for parameter attribute is invalid. Unknown attribute."),
        };
        return Respond(new XElement("imageId", image.ImageId), body);
    }

    private static IEnumerable<XElement?> PermissionXml(Ec2Permission permission) =>
    [
        Optional("userId", permission.UserId),
        Optional("group", permission.Group),
        Optional("organizationArn", permission.OrganizationArn),
        Optional("organizationalUnitArn", permission.OrganizationalUnitArn),
    ];

    /// <summary>Both request forms: <c>LaunchPermission.Add.N.*</c> and the legacy <c>OperationType</c> + <c>UserId.N</c> lists.</summary>
    private static (List<Ec2Permission> Add, List<Ec2Permission> Remove) PermissionChanges(QueryParameters p, string structure, bool organizationEntries)
    {
        var add = p.GetStructureList(structure + ".Add").Select(e => PermissionOf(e, organizationEntries)).ToList();
        var remove = p.GetStructureList(structure + ".Remove").Select(e => PermissionOf(e, organizationEntries)).ToList();
        var legacy = new List<Ec2Permission>();
        legacy.AddRange(p.GetList("UserId").Select(u => new Ec2Permission(UserId: CheckAccountId(u))));
        legacy.AddRange(p.GetList("UserGroup").Select(g => new Ec2Permission(Group: CheckGroup(g))));
        if (organizationEntries)
        {
            legacy.AddRange(p.GetList("OrganizationArn").Select(a => new Ec2Permission(OrganizationArn: CheckOrganizationArn(a))));
            legacy.AddRange(p.GetList("OrganizationalUnitArn").Select(a => new Ec2Permission(OrganizationalUnitArn: CheckUnitArn(a))));
        }

        if (legacy.Count > 0)
        {
            switch (p.GetString("OperationType"))
            {
                case "add":
                    add.AddRange(legacy);
                    break;
                case "remove":
                    remove.AddRange(legacy);
                    break;
                case null:
                    throw Error("MissingParameter", "The request must contain the parameter OperationType");
                case var other:
                    throw Error("InvalidParameterValue", $"Value ({other}) for parameter operationType is invalid. Expecting add or remove.");
            }
        }

        return (add, remove);
    }

    private static Ec2Permission PermissionOf(QueryParameters entry, bool organizationEntries)
    {
        var userId = entry.GetString("UserId");
        var group = entry.GetString("Group");
        var org = organizationEntries ? entry.GetString("OrganizationArn") : null;
        var unit = organizationEntries ? entry.GetString("OrganizationalUnitArn") : null;
        var count = new[] { userId, group, org, unit }.Count(v => v is not null);
        if (count != 1)
        {
            throw Error("InvalidParameterCombination", "Each permission must specify exactly one of UserId, Group" + (organizationEntries ? ", OrganizationArn or OrganizationalUnitArn." : "."));
        }

        return userId is not null ? new Ec2Permission(UserId: CheckAccountId(userId))
            : group is not null ? new Ec2Permission(Group: CheckGroup(group))
            : org is not null ? new Ec2Permission(OrganizationArn: CheckOrganizationArn(org))
            : new Ec2Permission(OrganizationalUnitArn: CheckUnitArn(unit!));
    }

    private static string CheckGroup(string group) => group == "all" ? group
        : throw Error("InvalidParameterValue", $"Invalid value '{group}' for userGroup. The only supported group is 'all'.");

    private static string CheckOrganizationArn(string arn) => OrganizationArnPattern.IsMatch(arn) ? arn
        : throw Error("InvalidParameterValue", $"The organization ARN '{arn}' is not valid: specify the full ARN, arn:aws:organizations::ACCOUNT:organization/o-ID.");

    private static string CheckUnitArn(string arn) => UnitArnPattern.IsMatch(arn) ? arn
        : throw Error("InvalidParameterValue", $"The organizational unit ARN '{arn}' is not valid: specify the full ARN, arn:aws:organizations::ACCOUNT:ou/o-ID/ou-ID.");

    private OperationResponse ModifyImageAttribute(OperationRequest request)
    {
        var p = request.Parameters;
        var imageId = CheckImageId(p.GetRequiredString("ImageId"));
        var attribute = p.GetString("Attribute");
        var description = p.GetString("Description.Value") ?? (attribute == "description" ? p.GetString("Value") : null);
        var (add, remove) = PermissionChanges(p, "LaunchPermission", organizationEntries: true);
        if (attribute is not (null or "launchPermission" or "description"))
        {
            throw Error("InvalidParameterValue", $"Value ({attribute}) for parameter attribute is invalid. Supported: launchPermission, description.");
        }

        if (description is null && add.Count == 0 && remove.Count == 0)
        {
            throw Error("MissingParameter", "The request must contain the parameter LaunchPermission or Description");
        }

        var image = OwnedImage(request, imageId);
        request.Authorize("ec2:ModifyImageAttribute", image.Arn);
        request.Trail.AddResource("AWS::EC2::Image", image.Arn, image.OwnerId);

        if (add.Count > 0)
        {
            CheckShareable(image, add);
        }

        request.StopIfDryRun();
        cloud.State.Write(tx =>
        {
            var key = new EntityKey(image.OwnerId, image.Region, image.ImageId);
            var current = tx.Find(Ec2EntityKinds.Image, key) ?? throw ImageNotFound(imageId);
            var permissions = current.LaunchPermissions.Where(lp => !remove.Contains(lp)).ToList();
            foreach (var entry in add.Where(e => !permissions.Contains(e)))
            {
                permissions.Add(entry);
            }

            if (permissions.Count > LaunchPermissionQuota)
            {
                throw Error("ResourceLimitExceeded", $"You can share an AMI with at most {LaunchPermissionQuota} accounts, organizations and organizational units per Region; this change would make {permissions.Count}.");
            }

            tx.Put(Ec2EntityKinds.Image, key, current with { LaunchPermissions = permissions, Description = description ?? current.Description });
        });
        request.Trail.ResponseElements["_return"] = true;
        return Respond(Return());
    }

    /// <summary>The refusals AWS applies before an AMI gains launch permissions.</summary>
    private void CheckShareable(Ec2Image image, List<Ec2Permission> add)
    {
        if (image.State != "available")
        {
            throw Error("InvalidAMIID.Unavailable", $"The image '{image.ImageId}' is {image.State} and cannot be shared.");
        }

        var snapshots = cloud.State.Read(view => image.BlockDevices.Select(d => FindSnapshot(view, image.Region, d.SnapshotId)).OfType<Ec2Snapshot>().ToList());
        if (snapshots.Any(s => s.Encrypted && IsAwsManagedKey(s.KmsKeyId)))
        {
            throw Error("InvalidParameter", "Snapshots encrypted with the AWS Managed CMK can't be shared. Specify another snapshot.");
        }

        if (add.Any(e => e.IsPublic))
        {
            if (snapshots.Any(s => s.Encrypted))
            {
                throw Error("UnsupportedOperation", "Encrypted snapshots can't be shared publicly. Specify another snapshot.");
            }

            if (Settings(image.OwnerId, image.Region).ImageBlockPublicAccessState != "unblocked")
            {
                throw Error("OperationNotPermitted", $"You can't publicly share image '{image.ImageId}' because block public access for AMIs is enabled for this account in {image.Region}. To publicly share the image, you must call the DisableImageBlockPublicAccess API.");
            }
        }
    }

    private OperationResponse ResetImageAttribute(OperationRequest request)
    {
        var p = request.Parameters;
        var attribute = p.GetRequiredString("Attribute");
        if (attribute != "launchPermission")
        {
            throw Error("InvalidParameterValue", $"Value ({attribute}) for parameter attribute is invalid. Only launchPermission can be reset.");
        }

        var image = OwnedImage(request, p.GetRequiredString("ImageId"));
        request.Authorize("ec2:ResetImageAttribute", image.Arn);
        request.Trail.AddResource("AWS::EC2::Image", image.Arn, image.OwnerId);
        request.StopIfDryRun();
        UpdateImage(image, i => i with { LaunchPermissions = [] });
        return Respond(Return());
    }

    private OperationResponse CancelImageLaunchPermission(OperationRequest request)
    {
        var image = VisibleImage(request, request.Region, request.Parameters.GetRequiredString("ImageId"));
        request.Authorize("ec2:CancelImageLaunchPermission", image.Arn);
        var caller = request.Caller.AccountId;
        if (image.OwnerId == caller)
        {
            throw Error("InvalidParameter", $"The image '{image.ImageId}' is owned by your account; use ModifyImageAttribute to change its launch permissions.");
        }

        var own = new Ec2Permission(UserId: caller);
        if (!image.LaunchPermissions.Contains(own))
        {
            throw Error("InvalidParameter", $"The image '{image.ImageId}' is shared with your account through its organization, an organizational unit or publicly, not with your account id; only the owner can remove such a launch permission.");
        }

        request.Trail.AddResource("AWS::EC2::Image", image.Arn, image.OwnerId);
        request.StopIfDryRun();
        UpdateImage(image, i => i with { LaunchPermissions = [.. i.LaunchPermissions.Where(lp => lp != own)] });
        return Respond(Return());
    }

    private void UpdateImage(Ec2Image image, Func<Ec2Image, Ec2Image> change) => cloud.State.Write(tx =>
    {
        var key = new EntityKey(image.OwnerId, image.Region, image.ImageId);
        var current = tx.Find(Ec2EntityKinds.Image, key) ?? throw ImageNotFound(image.ImageId);
        tx.Put(Ec2EntityKinds.Image, key, change(current));
    });

    private OperationResponse DisableImage(OperationRequest request)
    {
        var image = OwnedImage(request, request.Parameters.GetRequiredString("ImageId"));
        request.Authorize("ec2:DisableImage", image.Arn);
        request.StopIfDryRun();

        // Disabling removes every launch permission; enabling does not bring them back.
        UpdateImage(image, i => i with { State = "disabled", LaunchPermissions = [] });
        return Respond(Return());
    }

    private OperationResponse EnableImage(OperationRequest request)
    {
        var image = OwnedImage(request, request.Parameters.GetRequiredString("ImageId"));
        request.Authorize("ec2:EnableImage", image.Arn);
        request.StopIfDryRun();
        if (image.State != "disabled")
        {
            throw Error("IncorrectState", $"The image '{image.ImageId}' is not disabled.");
        }

        UpdateImage(image, i => i with { State = "available" });
        return Respond(Return());
    }

    private void CheckNewImageName(OperationRequest request, string name)
    {
        if (name.Length is < 3 or > 128)
        {
            throw Error("InvalidParameterValue", $"AMI names must be between 3 and 128 characters long, and may contain letters, numbers, '(', ')', '.', '-', '/' and '_'; '{name}' is not.");
        }

        var existing = cloud.State.Read(view => view.List(Ec2EntityKinds.Image, request.Caller.AccountId, request.Region).FirstOrDefault(i => i.Name == name));
        if (existing is not null)
        {
            throw Error("InvalidAMIName.Duplicate", $"AMI name {name} is already in use by AMI {existing.ImageId}");
        }
    }

    private OperationResponse CreateImage(OperationRequest request)
    {
        var p = request.Parameters;
        var instanceId = CheckInstanceId(p.GetRequiredString("InstanceId"));
        var name = p.GetRequiredString("Name");
        var account = request.Caller.AccountId;
        var instance = cloud.State.Read(view => view.Find(Ec2EntityKinds.Instance, new EntityKey(account, request.Region, instanceId))) ?? throw InstanceNotFound(instanceId);
        request.Authorize("ec2:CreateImage", instance.Arn);
        request.Authorize("ec2:CreateImage", $"arn:aws:ec2:{request.Region}::image/*");
        request.Authorize("ec2:CreateImage", $"arn:aws:ec2:{request.Region}::snapshot/*");
        request.StopIfDryRun();
        CheckNewImageName(request, name);
        if (instance.State is not ("running" or "stopped"))
        {
            throw Error("IncorrectState", $"The instance '{instanceId}' is not in a state from which it can be imaged (it is {instance.State}).");
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

            var snapshot = SnapshotOfVolume(volume, cloud.Ids.ResourceId("snap"), $"Created by CreateImage({instanceId}) for {imageId}", now);
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

    /// <summary>A snapshot shares its volume's sealed blocks and data key (no KMS call), as an EBS snapshot does.</summary>
    private static Ec2Snapshot SnapshotOfVolume(Ec2Volume volume, string snapshotId, string? description, DateTimeOffset now) => new()
    {
        SnapshotId = snapshotId,
        OwnerId = volume.OwnerId,
        Region = volume.Region,
        VolumeId = volume.VolumeId,
        VolumeSize = volume.Size,
        Description = description,
        StartTime = now,
        Encrypted = volume.Encrypted,
        KmsKeyId = volume.KmsKeyId,
        DataKeyCiphertext = volume.DataKeyCiphertext,
        DataKeyContextId = volume.DataKeyContextId ?? volume.VolumeId,
        Content = volume.Content,
    };

    private OperationResponse RegisterImage(OperationRequest request)
    {
        var p = request.Parameters;
        var name = p.GetRequiredString("Name");
        if (p.GetString("ImageLocation") is not null)
        {
            throw Error("InvalidParameterCombination", "LocalCloud registers EBS-backed images from snapshots only; ImageLocation (instance store) is not supported.");
        }

        var mappings = p.GetStructureList("BlockDeviceMapping");
        if (mappings.Count == 0)
        {
            throw Error("MissingParameter", "The request must contain the parameter BlockDeviceMapping");
        }

        var rootDevice = p.GetRequiredString("RootDeviceName");
        var account = request.Caller.AccountId;
        request.Authorize("ec2:RegisterImage", $"arn:aws:ec2:{request.Region}::image/*");
        var devices = new List<Ec2ImageBlockDevice>();
        foreach (var mapping in mappings)
        {
            var deviceName = mapping.GetRequiredString("DeviceName");
            var snapshotId = mapping.GetString("Ebs.SnapshotId") ?? throw Error("InvalidBlockDeviceMapping", $"The block device mapping for {deviceName} needs Ebs.SnapshotId.");
            var snapshot = VisibleSnapshot(request, request.Region, snapshotId);
            if (snapshot.OwnerId != account)
            {
                throw Error("InvalidSnapshot.NotFound", $"The snapshot '{snapshotId}' is not owned by your account; copy it first.");
            }

            var size = mapping.GetInt32("Ebs.VolumeSize") ?? snapshot.VolumeSize;
            if (size < snapshot.VolumeSize)
            {
                throw Error("InvalidParameterValue", $"Volume of size {size} GiB is smaller than snapshot '{snapshotId}', expect size >= {snapshot.VolumeSize}");
            }

            devices.Add(new Ec2ImageBlockDevice(deviceName, snapshotId, size, mapping.GetString("Ebs.VolumeType") ?? "gp3", Bool(mapping, "Ebs.DeleteOnTermination", true), snapshot.Encrypted));
        }

        if (devices.All(d => d.DeviceName != rootDevice))
        {
            throw Error("InvalidParameterValue", $"The root device name '{rootDevice}' is not in the block device mapping.");
        }

        request.StopIfDryRun();
        CheckNewImageName(request, name);
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
            EnaSupport = Bool(p, "EnaSupport", true),
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
        var image = OwnedImage(request, p.GetRequiredString("ImageId"));
        request.Authorize("ec2:DeregisterImage", image.Arn);
        var deleteSnapshots = Bool(p, "DeleteAssociatedSnapshots");
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
        ReleaseContent(released);
        request.Trail.AddResource("AWS::EC2::Image", image.Arn, image.OwnerId);
        return Respond(
            Return(),
            deleteSnapshots ? Items("deleteSnapshotResultSet", results.Select(r => new[] { new XElement("snapshotId", r.SnapshotId), new XElement("returnCode", r.Code) })) : null);
    }

    private OperationResponse CopyImage(OperationRequest request)
    {
        var p = request.Parameters;
        var sourceImageId = CheckImageId(p.GetRequiredString("SourceImageId"));
        var sourceRegion = CheckRegion(p.GetRequiredString("SourceRegion"), "SourceRegion");
        var name = p.GetRequiredString("Name");
        var encryptedParameter = p.GetBoolean("Encrypted");
        var kmsKeyId = p.GetString("KmsKeyId");
        var clientToken = p.GetString("ClientToken");
        var account = request.Caller.AccountId;
        var region = request.Region;
        if (kmsKeyId is not null && encryptedParameter != true)
        {
            throw Error("InvalidParameterCombination", "KmsKeyId requires Encrypted=true.");
        }

        var tags = CopyImageTags(p);
        var source = VisibleImage(request, sourceRegion, sourceImageId);
        request.Authorize("ec2:CopyImage", source.Arn, ImageOwnerContext(source), launchPermissions: source.Sharing);
        request.Authorize("ec2:CopyImage", $"arn:aws:ec2:{region}::image/*");
        if (tags.Count > 0)
        {
            // As on AWS, tagging on create also needs ec2:CreateTags, with ec2:CreateAction naming the creating call.
            request.Authorize("ec2:CreateTags", $"arn:aws:ec2:{region}::image/*", TagContext(tags, "CopyImage"));
        }

        // A copy reads the storage: every backing snapshot needs createVolumePermission for the caller.
        var sourceSnapshots = cloud.State.Read(view => source.BlockDevices.Select(d => FindSnapshot(view, sourceRegion, d.SnapshotId)).ToList());
        foreach (var (device, snapshot) in source.BlockDevices.Zip(sourceSnapshots))
        {
            if (snapshot is null || !CanSee(request, snapshot))
            {
                throw Error("InvalidRequest", $"You do not have permission to access the storage of this ami ({source.ImageId}: snapshot {device.SnapshotId} has no createVolumePermission for account {account}).");
            }

            request.Authorize("ec2:CopySnapshot", snapshot.Arn, createVolumePermissions: snapshot.Sharing);
        }

        var anyEncrypted = sourceSnapshots.Any(s => s!.Encrypted);
        if (anyEncrypted && encryptedParameter == false)
        {
            throw Error("InvalidParameterCombination", "The image has encrypted snapshots, which cannot be copied to unencrypted snapshots.");
        }

        request.StopIfDryRun();
        var fingerprint = RequestFingerprint(request);
        if (clientToken is not null && cloud.State.Read(view => view.List(Ec2EntityKinds.Image, account, region).FirstOrDefault(i => i.ClientToken == clientToken)) is { } previous)
        {
            return previous.ClientTokenRequest == fingerprint
                ? Respond(new XElement("imageId", previous.ImageId))
                : throw Error("IdempotentParameterMismatch", $"The client token '{clientToken}' was already used with different parameters.");
        }

        CheckNewImageName(request, name);
        var now = request.Time.GetUtcNow();
        var imageId = cloud.Ids.ResourceId("ami");
        var encryptByDefault = Settings(account, region).EbsEncryptionByDefault;
        var snapshots = new List<Ec2Snapshot>();
        var devices = new List<Ec2ImageBlockDevice>();
        string? failure = null;
        try
        {
            KmsKeyFacts? target = null;
            if (anyEncrypted || encryptedParameter == true || encryptByDefault)
            {
                target = kmsKeyId is not null ? ResolveKey(request, region, kmsKeyId) : DefaultEbsKey(account, region);
            }

            foreach (var (device, snapshot) in source.BlockDevices.Zip(sourceSnapshots))
            {
                var snapshotId = cloud.Ids.ResourceId("snap");
                var result = Materialize(request, SourceOf(snapshot!), snapshotId, target, forAttachment: false);
                snapshots.Add(NewSnapshotFrom(snapshot!, snapshotId, account, region, result, $"Copied for DestinationAmi {imageId} from SourceAmi {source.ImageId} for SourceSnapshot {snapshot!.SnapshotId}", now));
                devices.Add(device with { SnapshotId = snapshotId, Encrypted = result.Encrypted });
            }
        }
        catch (KmsRefusedException refused)
        {
            // As on AWS, the API accepts the copy; the image then fails and holds no snapshots.
            failure = $"{refused.Code}: {refused.Message}";
            ReleaseContent(snapshots.Select(s => s.Content));
            snapshots.Clear();
        }

        var image = new Ec2Image
        {
            ImageId = imageId,
            OwnerId = account,
            Region = region,
            Name = name,
            Description = p.GetString("Description") ?? source.Description,
            CreationDate = now,
            RootDeviceName = source.RootDeviceName,
            Architecture = source.Architecture,
            VirtualizationType = source.VirtualizationType,
            EnaSupport = source.EnaSupport,
            BlockDevices = failure is null ? devices : [],
            SourceImageId = source.ImageId,
            SourceImageRegion = sourceRegion,
            ClientToken = clientToken,
            ClientTokenRequest = clientToken is null ? null : fingerprint,
            Tags = tags,
            State = failure is null ? "available" : "failed",
            StateReasonCode = failure is null ? null : "Client.InvalidKMSKey.InvalidState",
            StateReasonMessage = failure is null ? null : "Client.InvalidKMSKey.InvalidState: The KMS key provided is in an incorrect state (" + failure + ")",
        };
        cloud.State.Write(tx =>
        {
            foreach (var snapshot in snapshots)
            {
                tx.Put(Ec2EntityKinds.Snapshot, new EntityKey(account, region, snapshot.SnapshotId), snapshot);
            }

            tx.Put(Ec2EntityKinds.Image, new EntityKey(account, region, imageId), image);
        });
        foreach (var snapshot in sourceSnapshots)
        {
            cloud.CloudTrail.RecordSharedSnapshotCopyInitiated(snapshot!.OwnerId, account, snapshot.Region, snapshot.SnapshotId);
        }

        request.Trail.AddResource("AWS::EC2::Image", source.Arn, source.OwnerId);
        request.Trail.AddResource("AWS::EC2::Image", image.Arn, account);
        request.Trail.ResponseElements["imageId"] = imageId;
        return Respond(new XElement("imageId", imageId));
    }

    private static Ec2Snapshot NewSnapshotFrom(Ec2Snapshot source, string snapshotId, string account, string region, EbsResult result, string description, DateTimeOffset now) => new()
    {
        SnapshotId = snapshotId,
        OwnerId = account,
        Region = region,
        VolumeId = "vol-ffffffff",
        VolumeSize = source.VolumeSize,
        Description = description,
        StartTime = now,
        Encrypted = result.Encrypted,
        KmsKeyId = result.KmsKeyId,
        DataKeyCiphertext = result.DataKeyCiphertext,
        DataKeyContextId = result.DataKeyContextId,
        Content = result.Content,
        SourceSnapshotId = source.SnapshotId,
    };

    // ---------- tags (images only) ----------

    private const int TagsPerResource = 50;

    private static XElement TagSetXml(IReadOnlyDictionary<string, string> tags) =>
        Items("tagSet", tags.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => new XElement?[] { new XElement("key", t.Key), new XElement("value", t.Value) }));

    /// <summary><c>TagSpecification.N.ResourceType</c> + <c>TagSpecification.N.Tag.M.Key/Value</c> of CopyImage.</summary>
    private static Dictionary<string, string> CopyImageTags(QueryParameters p)
    {
        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var specification in p.GetStructureList("TagSpecification"))
        {
            var type = specification.GetString("ResourceType");
            if (type != "image")
            {
                throw Error("InvalidParameterValue", $"'{type}' is not a valid taggable resource type for this operation; LocalCloud tags the new image only (ResourceType=image).");
            }

            foreach (var (key, value) in ParseTags(specification.GetStructureList("Tag"), valueRequired: false))
            {
                tags[key] = value ?? string.Empty;
            }
        }

        return CheckTagCount(tags);
    }

    private static List<(string Key, string? Value)> ParseTags(IReadOnlyList<QueryParameters> entries, bool valueRequired)
    {
        var tags = new List<(string, string?)>();
        foreach (var entry in entries)
        {
            var key = entry.GetString("Key") ?? throw Error("InvalidParameterValue", "Tag keys must not be empty.");
            var value = entry.GetString("Value");
            if (key.Length is 0 or > 128)
            {
                throw Error("InvalidParameterValue", $"Tag key '{key}' must be 1 to 128 characters long.");
            }

            if (key.StartsWith("aws:", StringComparison.OrdinalIgnoreCase))
            {
                throw Error("InvalidParameterValue", $"Tag keys starting with 'aws:' are reserved for internal use ('{key}').");
            }

            if (value is { Length: > 256 })
            {
                throw Error("InvalidParameterValue", $"The value of tag '{key}' must be at most 256 characters long.");
            }

            if (valueRequired && value is null)
            {
                value = string.Empty;
            }

            if (tags.Any(t => t.Item1 == key))
            {
                throw Error("InvalidParameterValue", $"Duplicate tag key '{key}' specified.");
            }

            tags.Add((key, value));
        }

        return tags;
    }

    private static Dictionary<string, string> CheckTagCount(Dictionary<string, string> tags) => tags.Count <= TagsPerResource ? tags
        : throw Error("TagLimitExceeded", $"The maximum number of tags for a resource ({TagsPerResource}) has been reached.");

    /// <summary>The tag condition keys of a tagging request: aws:TagKeys, aws:RequestTag/KEY and, on create, ec2:CreateAction.</summary>
    private static Dictionary<string, IReadOnlyList<string>> TagContext(IEnumerable<KeyValuePair<string, string?>> tags, string? createAction = null)
    {
        var context = new Dictionary<string, IReadOnlyList<string>>(StringComparer.OrdinalIgnoreCase);
        var keys = new List<string>();
        foreach (var (key, value) in tags)
        {
            keys.Add(key);
            if (value is not null)
            {
                context["aws:RequestTag/" + key] = [value];
            }
        }

        context["aws:TagKeys"] = keys;
        if (createAction is not null)
        {
            context["ec2:CreateAction"] = [createAction];
        }

        return context;
    }

    private static Dictionary<string, IReadOnlyList<string>> TagContext(Dictionary<string, string> tags, string createAction) =>
        TagContext(tags.Select(t => KeyValuePair.Create(t.Key, (string?)t.Value)), createAction);

    /// <summary>The images named by <c>ResourceId.N</c>; LocalCloud tags images only, and only their owner may.</summary>
    private List<Ec2Image> TaggedImages(OperationRequest request)
    {
        var ids = request.Parameters.GetList("ResourceId");
        if (ids.Count == 0)
        {
            throw Error("MissingParameter", "The request must contain the parameter resourceIdSet");
        }

        return [.. ids.Select(id => id.StartsWith("ami-", StringComparison.Ordinal)
            ? OwnedImage(request, id)
            : throw Error("InvalidParameterValue", $"LocalCloud tags images only; '{id}' is not an image id (ami-...)."))];
    }

    private OperationResponse CreateTags(OperationRequest request)
    {
        var tags = ParseTags(request.Parameters.GetStructureList("Tag"), valueRequired: true);
        if (tags.Count == 0)
        {
            throw Error("MissingParameter", "The request must contain the parameter tagSet");
        }

        var images = TaggedImages(request);
        var context = TagContext(tags.Select(t => KeyValuePair.Create(t.Key, t.Value)));
        foreach (var image in images)
        {
            request.Authorize("ec2:CreateTags", image.Arn, context);
            request.Trail.AddResource("AWS::EC2::Image", image.Arn, image.OwnerId);
        }

        request.StopIfDryRun();
        foreach (var image in images)
        {
            UpdateImage(image, i =>
            {
                var merged = new Dictionary<string, string>(i.Tags, StringComparer.Ordinal);
                foreach (var (key, value) in tags)
                {
                    merged[key] = value ?? string.Empty;
                }

                return i with { Tags = CheckTagCount(merged) };
            });
        }

        return Respond(Return());
    }

    /// <summary>DeleteTags: no Tag list removes every tag; a Tag with a Value removes it only when the value matches.</summary>
    private OperationResponse DeleteTags(OperationRequest request)
    {
        var tags = ParseTags(request.Parameters.GetStructureList("Tag"), valueRequired: false);
        var images = TaggedImages(request);
        foreach (var image in images)
        {
            var keys = tags.Count > 0 ? tags.Select(t => t.Key) : image.Tags.Keys;
            request.Authorize("ec2:DeleteTags", image.Arn, TagContext(keys.Select(k => KeyValuePair.Create(k, (string?)null))));
            request.Trail.AddResource("AWS::EC2::Image", image.Arn, image.OwnerId);
        }

        request.StopIfDryRun();
        foreach (var image in images)
        {
            UpdateImage(image, i => i with
            {
                Tags = tags.Count == 0
                    ? new Dictionary<string, string>(StringComparer.Ordinal)
                    : i.Tags.Where(t => !tags.Any(d => d.Key == t.Key && (d.Value is null || d.Value == t.Value))).ToDictionary(StringComparer.Ordinal),
            });
        }

        return Respond(Return());
    }
}
