using System.Globalization;
using System.Xml.Linq;
using AmiShare.LocalCloud.Protocol;
using AmiShare.LocalCloud.Services.Kms;
using AmiShare.LocalCloud.State;
using AmiShare.Policy.Catalogue;
using static AmiShare.LocalCloud.Protocol.OperationHandlers;
using static AmiShare.LocalCloud.Services.Ec2.Ec2ConditionContext;
using static AmiShare.LocalCloud.Services.Ec2.Ec2Describe;
using static AmiShare.LocalCloud.Services.Ec2.Ec2Ids;
using static AmiShare.LocalCloud.Services.Ec2.Ec2Permissions;
using static AmiShare.LocalCloud.Services.Ec2.Ec2Tagging;
using static AmiShare.LocalCloud.Services.Ec2.Ec2Xml;

namespace AmiShare.LocalCloud.Services.Ec2;

/// <summary>Snapshots: describe, attributes and createVolumePermission sharing, create from a volume, copy, delete.</summary>
internal sealed class Ec2SnapshotOperations(LocalCloudContext cloud, Ec2ResourceLookup lookup, Ec2AccountSettingsStore settings, EbsEncryption ebs, Ec2ContentLifetime contentLifetime) : IServiceOperations
{
    public AwsServiceDescriptor Service => AwsServices.Ec2;

    public IReadOnlyDictionary<string, OperationHandler> Operations => new Dictionary<string, OperationHandler>
    {
        ["DescribeSnapshots"] = Sync(DescribeSnapshots),
        ["DescribeSnapshotAttribute"] = Sync(DescribeSnapshotAttribute),
        ["ModifySnapshotAttribute"] = Sync(ModifySnapshotAttribute),
        ["ResetSnapshotAttribute"] = Sync(ResetSnapshotAttribute),
        ["CreateSnapshot"] = Sync(CreateSnapshot),
        ["CopySnapshot"] = Sync(CopySnapshot),
        ["DeleteSnapshot"] = Sync(DeleteSnapshot),
    };

    private static readonly string[] SnapshotFilters = ["snapshot-id", "owner-id", "owner-alias", "status", "volume-id", "encrypted", "description", "kms-key-id", "volume-size", "start-time", "progress", .. TagFilterNames];

    private OperationResponse DescribeSnapshots(OperationRequest request)
    {
        request.Authorize(Ec2Actions.DescribeSnapshots, "*");
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
        var all = cloud.State.Read(view => view.List(Ec2EntityKinds.Snapshot, null, request.Region)).Where(s => lookup.CanSee(request, s)).ToList();
        // Tags are the owner's: another account's snapshot matches no tag filter.
        var selected = Requested(all, ids, s => s.SnapshotId, Ec2Errors.SnapshotNotFound, filters, (s, name) => SnapshotFilterValues(s, name, s.OwnerId == caller))
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

    private static string?[] SnapshotFilterValues(Ec2Snapshot snapshot, string name, bool owner) => name switch
    {
        "snapshot-id" => [snapshot.SnapshotId],
        "owner-id" => [snapshot.OwnerId],
        "owner-alias" => [snapshot.OwnerAlias],
        "status" => [snapshot.State],
        "volume-id" => [snapshot.VolumeId],
        "encrypted" => [XmlShapes.Boolean(snapshot.Encrypted)],
        "description" => [snapshot.Description],
        "kms-key-id" => [snapshot.KmsKeyId],
        "volume-size" => [snapshot.VolumeSize.ToString(CultureInfo.InvariantCulture)],
        "start-time" => TimeFilterValues(snapshot.StartTime),
        "progress" => [snapshot.State == "completed" ? "100%" : "0%"],
        _ => (owner ? TagFilterValues(snapshot.Tags, name) : null) ?? [],
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
        snapshot.OwnerId == request.Caller.AccountId ? OptionalTagSetXml(snapshot.Tags) : null,
    ];

    private OperationResponse DescribeSnapshotAttribute(OperationRequest request)
    {
        var p = request.Parameters;
        var attribute = p.GetRequiredString("Attribute");
        var snapshot = lookup.OwnedSnapshot(request, p.GetRequiredString("SnapshotId"));
        request.Authorize(Ec2Actions.DescribeSnapshotAttribute, snapshot.Arn);
        request.StopIfDryRun();
        return Respond(new XElement("snapshotId", snapshot.SnapshotId), attribute switch
        {
            "createVolumePermission" => Items("createVolumePermission", snapshot.CreateVolumePermissions.Select(c => new[] { Optional("userId", c.UserId), Optional("group", c.Group) })),
            "productCodes" => new XElement("productCodes"),
            _ => throw Ec2Errors.InvalidParameterValue($"Value ({attribute}) for parameter attribute is invalid. Expecting createVolumePermission or productCodes."),
        });
    }

    private OperationResponse ModifySnapshotAttribute(OperationRequest request)
    {
        var p = request.Parameters;
        var snapshotId = CheckSnapshotId(p.GetRequiredString("SnapshotId"));
        var attribute = p.GetString("Attribute");
        if (attribute is not (null or "createVolumePermission"))
        {
            throw Ec2Errors.InvalidParameterValue($"Value ({attribute}) for parameter attribute is invalid. Only createVolumePermission can be modified.");
        }

        var (add, remove) = PermissionChanges(p, "CreateVolumePermission", organizationEntries: false);
        if (add.Count == 0 && remove.Count == 0)
        {
            throw Ec2Errors.MissingParameter("CreateVolumePermission");
        }

        var snapshot = lookup.OwnedSnapshot(request, snapshotId);
        request.Authorize(Ec2Actions.ModifySnapshotAttribute, snapshot.Arn);
        request.Trail.AddResource("AWS::EC2::Snapshot", snapshot.Arn, snapshot.OwnerId);
        if (add.Count > 0 && snapshot.Encrypted)
        {
            if (ebs.IsAwsManagedKey(snapshot.KmsKeyId))
            {
                throw Ec2Errors.OperationNotPermitted("Encrypted snapshots with EBS default key cannot be shared");
            }

            if (add.Any(e => e.IsPublic))
            {
                throw Ec2Errors.OperationNotPermitted("Encrypted snapshots cannot be shared publicly.");
            }
        }

        if (add.Any(e => e.IsPublic) && settings.Get(snapshot.OwnerId, snapshot.Region).Guardrails.SnapshotBlockPublicAccessState != Ec2Guardrails.Unblocked)
        {
            throw Ec2Errors.OperationNotPermitted($"You can't publicly share snapshot '{snapshot.SnapshotId}' because block public access for snapshots is enabled for this account in {snapshot.Region}. To publicly share it, call DisableSnapshotBlockPublicAccess first.");
        }

        request.StopIfDryRun();
        cloud.State.Write(tx =>
        {
            var key = new EntityKey(snapshot.OwnerId, snapshot.Region, snapshot.SnapshotId);
            var current = tx.Find(Ec2EntityKinds.Snapshot, key) ?? throw Ec2Errors.SnapshotNotFound(snapshotId);
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
            throw Ec2Errors.InvalidParameterValue($"Value ({attribute}) for parameter attribute is invalid. Only createVolumePermission can be reset.");
        }

        var snapshot = lookup.OwnedSnapshot(request, p.GetRequiredString("SnapshotId"));
        request.Authorize(Ec2Actions.ResetSnapshotAttribute, snapshot.Arn);
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
        var volume = cloud.State.Read(view => view.Find(Ec2EntityKinds.Volume, new EntityKey(account, request.Region, volumeId))) ?? throw Ec2Errors.VolumeNotFound(volumeId);
        request.Authorize(Ec2Actions.CreateSnapshot, volume.Arn);
        request.Authorize(Ec2Actions.CreateSnapshot, $"arn:aws:ec2:{request.Region}::snapshot/*");
        var tags = SpecifiedTags(p, "snapshot", "snapshot");
        if (tags.Count > 0)
        {
            // As on AWS, tagging on create also needs ec2:CreateTags, with ec2:CreateAction naming the creating call.
            request.Authorize(Ec2Actions.CreateTags, $"arn:aws:ec2:{request.Region}::snapshot/*", TagContext(tags, "CreateSnapshot"));
        }

        request.StopIfDryRun();
        var snapshot = NewSnapshots.OfVolume(volume, cloud.Ids.ResourceId("snap"), p.GetString("Description"), request.Time.GetUtcNow()) with { Tags = tags };
        cloud.State.Write(tx => tx.Put(Ec2EntityKinds.Snapshot, new EntityKey(account, request.Region, snapshot.SnapshotId), snapshot));
        request.Trail.ResponseElements["snapshotId"] = snapshot.SnapshotId;
        return Respond(SnapshotXml(request, snapshot));
    }

    private OperationResponse CopySnapshot(OperationRequest request)
    {
        // PresignedUrl and DestinationRegion (filled in by the .NET SDK for the real endpoint) are accepted and ignored.
        var p = request.Parameters;
        var sourceId = CheckSnapshotId(p.GetRequiredString("SourceSnapshotId"));
        var sourceRegion = lookup.CheckRegion(p.GetRequiredString("SourceRegion"), "SourceRegion");
        var encryptedParameter = p.GetBoolean("Encrypted");
        var kmsKeyId = p.GetString("KmsKeyId");
        var account = request.Caller.AccountId;
        var region = request.Region;
        if (kmsKeyId is not null && encryptedParameter != true)
        {
            throw Ec2Errors.InvalidParameterCombination("KmsKeyId requires Encrypted=true.");
        }

        var source = lookup.VisibleSnapshot(request, sourceRegion, sourceId);
        request.Authorize(Ec2Actions.CopySnapshot, source.Arn, createVolumePermissions: source.Sharing);
        request.Authorize(Ec2Actions.CopySnapshot, $"arn:aws:ec2:{region}::snapshot/*");
        var tags = SpecifiedTags(p, "snapshot", "snapshot");
        if (tags.Count > 0)
        {
            request.Authorize(Ec2Actions.CreateTags, $"arn:aws:ec2:{region}::snapshot/*", TagContext(tags, "CopySnapshot"));
        }
        if (source.Encrypted && encryptedParameter == false)
        {
            throw Ec2Errors.InvalidParameterCombination("An encrypted snapshot cannot be copied to an unencrypted snapshot.");
        }

        if (source.State != "completed")
        {
            throw Ec2Errors.IncorrectState($"Snapshot '{sourceId}' is {source.State}.");
        }

        request.StopIfDryRun();
        var snapshotId = cloud.Ids.ResourceId("snap");
        var now = request.Time.GetUtcNow();
        Ec2Snapshot copy;
        try
        {
            KmsKeyFacts? target = null;
            if (source.Encrypted || encryptedParameter == true || settings.Get(account, region).EbsEncryptionByDefault)
            {
                target = kmsKeyId is not null ? ebs.ResolveKey(request, region, kmsKeyId) : ebs.DefaultEbsKey(account, region);
            }

            var result = ebs.Materialize(request, EbsEncryption.SourceOf(source), snapshotId, target, forAttachment: false);
            copy = NewSnapshots.CopiedFrom(source, snapshotId, account, region, result, p.GetString("Description") ?? $"Copied from {sourceRegion}/{sourceId}", now);
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

        copy = copy with { Tags = tags };
        cloud.State.Write(tx => tx.Put(Ec2EntityKinds.Snapshot, new EntityKey(account, region, snapshotId), copy));
        cloud.CloudTrail.RecordSharedSnapshotCopyInitiated(source.OwnerId, account, source.Region, source.SnapshotId);
        request.Trail.AddResource("AWS::EC2::Snapshot", source.Arn, source.OwnerId);
        request.Trail.ResponseElements["snapshotId"] = snapshotId;
        return Respond(new XElement("snapshotId", snapshotId), OptionalTagSetXml(tags));
    }

    private OperationResponse DeleteSnapshot(OperationRequest request)
    {
        var snapshot = lookup.OwnedSnapshot(request, request.Parameters.GetRequiredString("SnapshotId"));
        request.Authorize(Ec2Actions.DeleteSnapshot, snapshot.Arn);
        request.StopIfDryRun();
        cloud.State.Write(tx =>
        {
            if (tx.List(Ec2EntityKinds.Image, snapshot.OwnerId, snapshot.Region).FirstOrDefault(i => i.BlockDevices.Any(d => d.SnapshotId == snapshot.SnapshotId)) is { } image)
            {
                throw Ec2Errors.SnapshotInUse(snapshot.SnapshotId, image.ImageId);
            }

            tx.Delete(Ec2EntityKinds.Snapshot, new EntityKey(snapshot.OwnerId, snapshot.Region, snapshot.SnapshotId));
        });
        contentLifetime.Release(snapshot.Content);
        return Respond(Return());
    }
}
