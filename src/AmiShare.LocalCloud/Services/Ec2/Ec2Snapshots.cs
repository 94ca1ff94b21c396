using System.Xml.Linq;
using AmiShare.LocalCloud.Protocol;
using AmiShare.LocalCloud.Services.Kms;
using AmiShare.LocalCloud.State;

namespace AmiShare.LocalCloud.Services.Ec2;

/// <summary>Snapshots and volumes.</summary>
public sealed partial class Ec2Operations
{
    private static readonly string[] SnapshotFilters = ["snapshot-id", "owner-id", "owner-alias", "status", "volume-id", "encrypted", "description", "kms-key-id"];
    private static readonly string[] VolumeFilters = ["volume-id", "status", "snapshot-id", "encrypted", "availability-zone", "attachment.instance-id", "kms-key-id"];

    private OperationResponse DescribeSnapshots(OperationRequest request)
    {
        request.Authorize("ec2:DescribeSnapshots", "*");
        request.StopIfDryRun();
        var p = request.Parameters;
        var ids = p.GetList("SnapshotId");
        foreach (var id in ids)
        {
            CheckSnapshotId(id);
        }

        var owners = p.GetList("Owner");
        var restorable = p.GetList("RestorableBy");
        var filters = Filters(request, SnapshotFilters);
        var caller = request.Caller.AccountId;
        var all = cloud.State.Read(view => view.List(Ec2EntityKinds.Snapshot, null, request.Region)).Where(s => CanSee(request, s)).ToList();
        var selected = Requested(all, ids, s => s.SnapshotId, SnapshotNotFound, filters, SnapshotFilterValues)
            .Where(s => owners.Count == 0 || owners.Any(o => o switch
            {
                "self" => s.OwnerId == caller,
                "amazon" => s.OwnerAlias == "amazon",
                _ => s.OwnerId == o,
            }))
            .Where(s => restorable.Count == 0 || restorable.Any(r => r switch
            {
                "self" => s.OwnerId == caller || s.CreateVolumePermissions.Any(c => c.UserId == caller || c.IsPublic),
                "all" => s.CreateVolumePermissions.Any(c => c.IsPublic),
                _ => s.OwnerId == r || s.CreateVolumePermissions.Any(c => c.UserId == r),
            }))
            .OrderBy(s => s.SnapshotId, StringComparer.Ordinal)
            .ToList();
        var (page, next) = Paginate(request, selected, 5, 1000, ids.Count > 0);
        return Respond(
            Items("snapshotSet", page.Select(s => SnapshotXml(request, s))),
            Optional("nextToken", next));
    }

    private static string?[] SnapshotFilterValues(Ec2Snapshot snapshot, string name) => name switch
    {
        "snapshot-id" => [snapshot.SnapshotId],
        "owner-id" => [snapshot.OwnerId],
        "owner-alias" => [snapshot.OwnerAlias],
        "status" => [snapshot.State],
        "volume-id" => [snapshot.VolumeId],
        "encrypted" => [XmlShapes.Boolean(snapshot.Encrypted)],
        "description" => [snapshot.Description],
        "kms-key-id" => [snapshot.KmsKeyId],
        _ => [],
    };

    private static IEnumerable<XElement?> SnapshotXml(OperationRequest request, Ec2Snapshot snapshot) =>
    [
        new XElement("snapshotId", snapshot.SnapshotId),
        new XElement("volumeId", snapshot.VolumeId),
        new XElement("status", snapshot.State),
        Optional("statusMessage", snapshot.StateMessage),
        new XElement("startTime", XmlShapes.Timestamp(snapshot.StartTime)),
        new XElement("progress", snapshot.State == "completed" ? "100%" : "0%"),
        new XElement("ownerId", snapshot.OwnerId),
        Optional("ownerAlias", snapshot.OwnerAlias),
        new XElement("description", snapshot.Description ?? string.Empty),
        new XElement("volumeSize", snapshot.VolumeSize),
        new XElement("encrypted", XmlShapes.Boolean(snapshot.Encrypted)),
        Optional("kmsKeyId", snapshot.KmsKeyId),
        new XElement("storageTier", "standard"),
        new XElement("fullSnapshotSizeInBytes", snapshot.Content.LengthBytes),
    ];

    private OperationResponse DescribeSnapshotAttribute(OperationRequest request)
    {
        var p = request.Parameters;
        var attribute = p.GetRequiredString("Attribute");
        var snapshot = OwnedSnapshot(request, p.GetRequiredString("SnapshotId"));
        request.Authorize("ec2:DescribeSnapshotAttribute", snapshot.Arn);
        request.StopIfDryRun();
        return Respond(new XElement("snapshotId", snapshot.SnapshotId), attribute switch
        {
            "createVolumePermission" => Items("createVolumePermission", snapshot.CreateVolumePermissions.Select(c => new[] { Optional("userId", c.UserId), Optional("group", c.Group) })),
            "productCodes" => new XElement("productCodes"),
            _ => throw Error("InvalidParameterValue", $"Value ({attribute}) for parameter attribute is invalid. Expecting createVolumePermission or productCodes."),
        });
    }

    private OperationResponse ModifySnapshotAttribute(OperationRequest request)
    {
        var p = request.Parameters;
        var snapshotId = CheckSnapshotId(p.GetRequiredString("SnapshotId"));
        var attribute = p.GetString("Attribute");
        if (attribute is not (null or "createVolumePermission"))
        {
            throw Error("InvalidParameterValue", $"Value ({attribute}) for parameter attribute is invalid. Only createVolumePermission can be modified.");
        }

        var (add, remove) = PermissionChanges(p, "CreateVolumePermission", organizationEntries: false);
        if (add.Count == 0 && remove.Count == 0)
        {
            throw Error("MissingParameter", "The request must contain the parameter CreateVolumePermission");
        }

        var snapshot = OwnedSnapshot(request, snapshotId);
        request.Authorize("ec2:ModifySnapshotAttribute", snapshot.Arn);
        request.Trail.AddResource("AWS::EC2::Snapshot", snapshot.Arn, snapshot.OwnerId);
        if (add.Count > 0 && snapshot.Encrypted)
        {
            if (IsAwsManagedKey(snapshot.KmsKeyId))
            {
                throw Error("OperationNotPermitted", "Encrypted snapshots with EBS default key cannot be shared");
            }

            if (add.Any(e => e.IsPublic))
            {
                throw Error("OperationNotPermitted", "Encrypted snapshots cannot be shared publicly.");
            }
        }

        request.StopIfDryRun();
        cloud.State.Write(tx =>
        {
            var key = new EntityKey(snapshot.OwnerId, snapshot.Region, snapshot.SnapshotId);
            var current = tx.Find(Ec2EntityKinds.Snapshot, key) ?? throw SnapshotNotFound(snapshotId);
            var permissions = current.CreateVolumePermissions.Where(c => !remove.Contains(c)).ToList();
            permissions.AddRange(add.Distinct().Where(e => !permissions.Contains(e)));
            tx.Put(Ec2EntityKinds.Snapshot, key, current with { CreateVolumePermissions = permissions });
        });
        request.Trail.ResponseElements["_return"] = true;
        return Respond(Return());
    }

    private OperationResponse ResetSnapshotAttribute(OperationRequest request)
    {
        var p = request.Parameters;
        var attribute = p.GetRequiredString("Attribute");
        if (attribute != "createVolumePermission")
        {
            throw Error("InvalidParameterValue", $"Value ({attribute}) for parameter attribute is invalid. Only createVolumePermission can be reset.");
        }

        var snapshot = OwnedSnapshot(request, p.GetRequiredString("SnapshotId"));
        request.Authorize("ec2:ResetSnapshotAttribute", snapshot.Arn);
        request.Trail.AddResource("AWS::EC2::Snapshot", snapshot.Arn, snapshot.OwnerId);
        request.StopIfDryRun();
        cloud.State.Write(tx => tx.Put(Ec2EntityKinds.Snapshot, new EntityKey(snapshot.OwnerId, snapshot.Region, snapshot.SnapshotId), snapshot with { CreateVolumePermissions = [] }));
        return Respond(Return());
    }

    private OperationResponse CreateSnapshot(OperationRequest request)
    {
        var p = request.Parameters;
        var volumeId = CheckVolumeId(p.GetRequiredString("VolumeId"));
        var account = request.Caller.AccountId;
        var volume = cloud.State.Read(view => view.Find(Ec2EntityKinds.Volume, new EntityKey(account, request.Region, volumeId))) ?? throw VolumeNotFound(volumeId);
        request.Authorize("ec2:CreateSnapshot", volume.Arn);
        request.Authorize("ec2:CreateSnapshot", $"arn:aws:ec2:{request.Region}::snapshot/*");
        request.StopIfDryRun();
        var snapshot = SnapshotOfVolume(volume, cloud.Ids.ResourceId("snap"), p.GetString("Description"), request.Time.GetUtcNow());
        cloud.State.Write(tx => tx.Put(Ec2EntityKinds.Snapshot, new EntityKey(account, request.Region, snapshot.SnapshotId), snapshot));
        request.Trail.ResponseElements["snapshotId"] = snapshot.SnapshotId;
        return Respond(SnapshotXml(request, snapshot));
    }

    private OperationResponse CopySnapshot(OperationRequest request)
    {
        // PresignedUrl and DestinationRegion (filled in by the .NET SDK for the real endpoint) are accepted and ignored.
        var p = request.Parameters;
        var sourceId = CheckSnapshotId(p.GetRequiredString("SourceSnapshotId"));
        var sourceRegion = CheckRegion(p.GetRequiredString("SourceRegion"), "SourceRegion");
        var encryptedParameter = p.GetBoolean("Encrypted");
        var kmsKeyId = p.GetString("KmsKeyId");
        var account = request.Caller.AccountId;
        var region = request.Region;
        if (kmsKeyId is not null && encryptedParameter != true)
        {
            throw Error("InvalidParameterCombination", "KmsKeyId requires Encrypted=true.");
        }

        var source = VisibleSnapshot(request, sourceRegion, sourceId);
        request.Authorize("ec2:CopySnapshot", source.Arn, createVolumePermissions: source.Sharing);
        request.Authorize("ec2:CopySnapshot", $"arn:aws:ec2:{region}::snapshot/*");
        if (source.Encrypted && encryptedParameter == false)
        {
            throw Error("InvalidParameterCombination", "An encrypted snapshot cannot be copied to an unencrypted snapshot.");
        }

        if (source.State != "completed")
        {
            throw Error("IncorrectState", $"Snapshot '{sourceId}' is {source.State}.");
        }

        request.StopIfDryRun();
        var snapshotId = cloud.Ids.ResourceId("snap");
        var now = request.Time.GetUtcNow();
        Ec2Snapshot copy;
        try
        {
            KmsKeyFacts? target = null;
            if (source.Encrypted || encryptedParameter == true || Settings(account, region).EbsEncryptionByDefault)
            {
                target = kmsKeyId is not null ? ResolveKey(request, region, kmsKeyId) : DefaultEbsKey(account, region);
            }

            var result = Materialize(request, SourceOf(source), snapshotId, target, forAttachment: false);
            copy = NewSnapshotFrom(source, snapshotId, account, region, result, p.GetString("Description") ?? $"Copied from {sourceRegion}/{sourceId}", now);
        }
        catch (KmsRefusedException refused)
        {
            // As on AWS, the copy is accepted and the new snapshot ends in the error state.
            copy = new Ec2Snapshot
            {
                SnapshotId = snapshotId,
                OwnerId = account,
                Region = region,
                VolumeId = "vol-ffffffff",
                VolumeSize = source.VolumeSize,
                Description = p.GetString("Description"),
                StartTime = now,
                Encrypted = true,
                Content = new Ec2ContentRef("empty-" + snapshotId, 0),
                SourceSnapshotId = sourceId,
                State = "error",
                StateMessage = $"The KMS key provided is in an incorrect state ({refused.Code}: {refused.Message})",
            };
        }

        cloud.State.Write(tx => tx.Put(Ec2EntityKinds.Snapshot, new EntityKey(account, region, snapshotId), copy));
        cloud.CloudTrail.RecordSharedSnapshotCopyInitiated(source.OwnerId, account, source.Region, source.SnapshotId);
        request.Trail.AddResource("AWS::EC2::Snapshot", source.Arn, source.OwnerId);
        request.Trail.ResponseElements["snapshotId"] = snapshotId;
        return Respond(new XElement("snapshotId", snapshotId));
    }

    private OperationResponse DeleteSnapshot(OperationRequest request)
    {
        var snapshot = OwnedSnapshot(request, request.Parameters.GetRequiredString("SnapshotId"));
        request.Authorize("ec2:DeleteSnapshot", snapshot.Arn);
        request.StopIfDryRun();
        cloud.State.Write(tx =>
        {
            if (tx.List(Ec2EntityKinds.Image, snapshot.OwnerId, snapshot.Region).FirstOrDefault(i => i.BlockDevices.Any(d => d.SnapshotId == snapshot.SnapshotId)) is { } image)
            {
                throw Error("InvalidSnapshot.InUse", $"The snapshot {snapshot.SnapshotId} is currently in use by {image.ImageId}");
            }

            tx.Delete(Ec2EntityKinds.Snapshot, new EntityKey(snapshot.OwnerId, snapshot.Region, snapshot.SnapshotId));
        });
        ReleaseContent(snapshot.Content);
        return Respond(Return());
    }

    private OperationResponse CreateVolume(OperationRequest request)
    {
        var p = request.Parameters;
        var account = request.Caller.AccountId;
        var region = request.Region;
        var zone = p.GetRequiredString("AvailabilityZone");
        if (!zone.StartsWith(region, StringComparison.Ordinal) || zone.Length != region.Length + 1)
        {
            throw Error("InvalidParameterValue", $"Invalid availability zone: [{zone}]");
        }

        var snapshotId = p.GetString("SnapshotId");
        var encryptedParameter = p.GetBoolean("Encrypted");
        var kmsKeyId = p.GetString("KmsKeyId");
        if (kmsKeyId is not null && encryptedParameter != true)
        {
            throw Error("InvalidParameterCombination", "KmsKeyId requires Encrypted=true.");
        }

        var snapshot = snapshotId is null ? null : VisibleSnapshot(request, region, snapshotId);
        var size = p.GetInt32("Size") ?? snapshot?.VolumeSize ?? throw Error("MissingParameter", "The request must contain the parameter size or snapshotId");
        if (snapshot is not null && size < snapshot.VolumeSize)
        {
            throw Error("InvalidParameterValue", $"Volume of size {size} is smaller than snapshot '{snapshot.SnapshotId}', expect size >= {snapshot.VolumeSize}");
        }

        request.Authorize("ec2:CreateVolume", $"arn:aws:ec2:{region}:{account}:volume/*");
        if (snapshot is not null)
        {
            request.Authorize("ec2:CreateVolume", snapshot.Arn, createVolumePermissions: snapshot.Sharing);
            if (snapshot.Encrypted && snapshot.OwnerId != account)
            {
                throw Error("OperationNotPermitted", $"Volumes cannot be created directly from the shared encrypted snapshot '{snapshot.SnapshotId}'; copy it into your account first (CopySnapshot).");
            }

            if (snapshot.Encrypted && encryptedParameter == false)
            {
                throw Error("InvalidParameterCombination", "A volume created from an encrypted snapshot is always encrypted.");
            }
        }

        request.StopIfDryRun();
        var volumeId = cloud.Ids.ResourceId("vol");
        var source = snapshot is null
            ? new EbsSource("none", new Ec2ContentRef("empty", 0), false, null, null, null)
            : SourceOf(snapshot);
        var encrypt = source.Encrypted || encryptedParameter == true || Settings(account, region).EbsEncryptionByDefault;
        EbsResult result;
        try
        {
            var target = !encrypt ? null
                : kmsKeyId is not null ? ResolveKey(request, region, kmsKeyId)
                : source.Encrypted ? SourceKey(source)
                : DefaultEbsKey(account, region);
            result = Materialize(request, source, volumeId, target, forAttachment: true);
        }
        catch (KmsRefusedException refused)
        {
            throw Error("IncorrectState", $"The KMS key provided is in an incorrect state: the volume could not be created ({refused.Code}: {refused.Message})");
        }

        var volume = new Ec2Volume
        {
            VolumeId = volumeId,
            OwnerId = account,
            Region = region,
            AvailabilityZone = zone,
            Size = size,
            SnapshotId = snapshot?.SnapshotId,
            VolumeType = p.GetString("VolumeType") ?? "gp3",
            CreateTime = request.Time.GetUtcNow(),
            Encrypted = result.Encrypted,
            KmsKeyId = result.KmsKeyId,
            DataKeyCiphertext = result.DataKeyCiphertext,
            DataKeyContextId = result.DataKeyContextId,
            Content = result.Content.ContentId == "empty" ? new Ec2ContentRef("empty-" + volumeId, 0) : result.Content,
        };
        cloud.State.Write(tx => tx.Put(Ec2EntityKinds.Volume, new EntityKey(account, region, volumeId), volume));
        if (snapshot is not null)
        {
            cloud.CloudTrail.RecordSharedSnapshotVolumeCreated(snapshot.OwnerId, account, snapshot.Region, snapshot.SnapshotId);
        }

        request.Trail.ResponseElements["volumeId"] = volumeId;
        return Respond(VolumeXml(volume));
    }

    private OperationResponse DescribeVolumes(OperationRequest request)
    {
        request.Authorize("ec2:DescribeVolumes", "*");
        request.StopIfDryRun();
        var ids = request.Parameters.GetList("VolumeId");
        foreach (var id in ids)
        {
            CheckVolumeId(id);
        }

        var filters = Filters(request, VolumeFilters);
        var all = cloud.State.Read(view => view.List(Ec2EntityKinds.Volume, request.Caller.AccountId, request.Region));
        var selected = Requested(all, ids, v => v.VolumeId, VolumeNotFound, filters, VolumeFilterValues)
            .OrderBy(v => v.VolumeId, StringComparer.Ordinal)
            .ToList();
        var (page, next) = Paginate(request, selected, 5, 500, ids.Count > 0);
        return Respond(Items("volumeSet", page.Select(VolumeXml)), Optional("nextToken", next));
    }

    private static string?[] VolumeFilterValues(Ec2Volume volume, string name) => name switch
    {
        "volume-id" => [volume.VolumeId],
        "status" => [volume.State],
        "snapshot-id" => [volume.SnapshotId],
        "encrypted" => [XmlShapes.Boolean(volume.Encrypted)],
        "availability-zone" => [volume.AvailabilityZone],
        "attachment.instance-id" => [volume.Attachment?.InstanceId],
        "kms-key-id" => [volume.KmsKeyId],
        _ => [],
    };

    private static IEnumerable<XElement?> VolumeXml(Ec2Volume volume) =>
    [
        new XElement("volumeId", volume.VolumeId),
        new XElement("size", volume.Size),
        new XElement("snapshotId", volume.SnapshotId ?? string.Empty),
        new XElement("availabilityZone", volume.AvailabilityZone),
        new XElement("status", volume.State),
        new XElement("createTime", XmlShapes.Timestamp(volume.CreateTime)),
        Items("attachmentSet", volume.Attachment is { } a
            ? [[
                new XElement("volumeId", volume.VolumeId),
                new XElement("instanceId", a.InstanceId),
                new XElement("device", a.Device),
                new XElement("status", "attached"),
                new XElement("attachTime", XmlShapes.Timestamp(a.AttachTime)),
                new XElement("deleteOnTermination", XmlShapes.Boolean(a.DeleteOnTermination)),
            ]]
            : []),
        new XElement("volumeType", volume.VolumeType),
        new XElement("encrypted", XmlShapes.Boolean(volume.Encrypted)),
        Optional("kmsKeyId", volume.KmsKeyId),
        new XElement("multiAttachEnabled", "false"),
    ];

    private OperationResponse DeleteVolume(OperationRequest request)
    {
        var volumeId = CheckVolumeId(request.Parameters.GetRequiredString("VolumeId"));
        var account = request.Caller.AccountId;
        var volume = cloud.State.Read(view => view.Find(Ec2EntityKinds.Volume, new EntityKey(account, request.Region, volumeId))) ?? throw VolumeNotFound(volumeId);
        request.Authorize("ec2:DeleteVolume", volume.Arn);
        request.StopIfDryRun();
        if (volume.Attachment is not null)
        {
            throw Error("VolumeInUse", $"Volume {volumeId} is currently attached to {volume.Attachment.InstanceId}");
        }

        cloud.State.Write(tx => tx.Delete(Ec2EntityKinds.Volume, new EntityKey(account, request.Region, volumeId)));
        ReleaseContent(volume.Content);
        return Respond(Return());
    }
}
