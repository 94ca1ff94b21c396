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
using static AmiShare.LocalCloud.Services.Ec2.Ec2Tagging;
using static AmiShare.LocalCloud.Services.Ec2.Ec2Xml;

namespace AmiShare.LocalCloud.Services.Ec2;

/// <summary>Volumes: create (empty or from a snapshot, sealed under the chosen key), describe, delete.</summary>
internal sealed class Ec2VolumeOperations(LocalCloudContext cloud, Ec2ResourceLookup lookup, Ec2AccountSettingsStore settings, EbsEncryption ebs, Ec2ContentLifetime contentLifetime) : IServiceOperations
{
    public AwsServiceDescriptor Service => AwsServices.Ec2;

    public IReadOnlyDictionary<string, OperationHandler> Operations => new Dictionary<string, OperationHandler>
    {
        ["CreateVolume"] = Sync(CreateVolume),
        ["DescribeVolumes"] = Sync(DescribeVolumes),
        ["DeleteVolume"] = Sync(DeleteVolume),
    };

    private static readonly string[] VolumeFilters =
    [
        "volume-id", "status", "snapshot-id", "encrypted", "availability-zone", "attachment.instance-id", "kms-key-id", "size", "volume-type",
        "attachment.device", "attachment.status", "attachment.attach-time", "attachment.delete-on-termination", "create-time", "multi-attach-enabled",
        .. TagFilterNames,
    ];

    private OperationResponse CreateVolume(OperationRequest request)
    {
        var p = request.Parameters;
        var account = request.Caller.AccountId;
        var region = request.Region;
        var zone = p.GetRequiredString("AvailabilityZone");
        if (!zone.StartsWith(region, StringComparison.Ordinal) || zone.Length != region.Length + 1)
        {
            throw Ec2Errors.InvalidParameterValue($"Invalid availability zone: [{zone}]");
        }

        var snapshotId = p.GetString("SnapshotId");
        var encryptedParameter = p.GetBoolean("Encrypted");
        var kmsKeyId = p.GetString("KmsKeyId");
        if (kmsKeyId is not null && encryptedParameter != true)
        {
            throw Ec2Errors.InvalidParameterDependency("KmsKeyId", "Encrypted");
        }

        var snapshot = snapshotId is null ? null : lookup.VisibleSnapshot(request, region, snapshotId);
        var size = p.GetInt32("Size") ?? snapshot?.VolumeSize ?? throw Ec2Errors.MissingParameter("size/snapshot");
        if (snapshot is not null && size < snapshot.VolumeSize)
        {
            throw Ec2Errors.InvalidParameterValue($"Volume of size {size} is smaller than snapshot '{snapshot.SnapshotId}', expect size >= {snapshot.VolumeSize}");
        }

        // CreateVolume's documented default type (EC2 API Reference, CreateVolume: "Default: gp2").
        var volumeType = p.GetString("VolumeType") ?? "gp2";
        var performance = VolumePerformance.Check(volumeType, size, p.GetInt32("Iops"), p.GetInt32("Throughput"), p.GetBoolean("MultiAttachEnabled") ?? false);
        var tags = SpecifiedTags(p, "volume", "volume");
        request.Authorize(Ec2Actions.CreateVolume, $"arn:aws:ec2:{region}:{account}:volume/*");
        if (tags.Count > 0)
        {
            // As on AWS, tagging on create also needs ec2:CreateTags, with ec2:CreateAction naming the creating call.
            request.Authorize(Ec2Actions.CreateTags, $"arn:aws:ec2:{region}:{account}:volume/*", TagContext(tags, "CreateVolume"));
        }

        if (snapshot is not null)
        {
            request.Authorize(Ec2Actions.CreateVolume, snapshot.Arn, createVolumePermissions: snapshot.Sharing);
            if (snapshot.Encrypted && snapshot.OwnerId != account)
            {
                throw Ec2Errors.OperationNotPermitted($"Volumes cannot be created directly from the shared encrypted snapshot '{snapshot.SnapshotId}'; copy it into your account first (CopySnapshot).");
            }

            if (snapshot.Encrypted && encryptedParameter == false)
            {
                throw Ec2Errors.InvalidParameterCombination("A volume created from an encrypted snapshot is always encrypted.");
            }
        }

        request.StopIfDryRun();
        var volumeId = cloud.Ids.ResourceId("vol");
        var source = snapshot is null
            ? new EbsSource("none", new Ec2ContentRef("empty", 0), false, null, null, null)
            : EbsEncryption.SourceOf(snapshot);
        var encrypt = source.Encrypted || encryptedParameter == true || settings.Get(account, region).EbsEncryptionByDefault;
        EbsResult result;
        try
        {
            var target = !encrypt ? null
                : kmsKeyId is not null ? ebs.ResolveKey(request, region, kmsKeyId)
                : source.Encrypted ? ebs.SourceKey(source)
                : ebs.DefaultEbsKey(account, region);
            result = ebs.Materialize(request, source, volumeId, target, forAttachment: true);
        }
        catch (KmsRefusedException refused)
        {
            throw Ec2Errors.IncorrectState($"The KMS key provided is in an incorrect state: the volume could not be created ({refused.Code}: {refused.Message})");
        }

        var volume = new Ec2Volume
        {
            VolumeId = volumeId,
            OwnerId = account,
            Region = region,
            AvailabilityZone = zone,
            Size = size,
            SnapshotId = snapshot?.SnapshotId,
            VolumeType = volumeType,
            Iops = performance.Iops,
            Throughput = performance.Throughput,
            MultiAttachEnabled = performance.MultiAttachEnabled,
            Tags = tags,
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
        request.Authorize(Ec2Actions.DescribeVolumes, "*");
        request.StopIfDryRun();
        var ids = request.Parameters.GetList("VolumeId");
        foreach (var id in ids)
        {
            CheckVolumeId(id);
        }

        var filters = Filters(request, VolumeFilters);
        var all = cloud.State.Read(view => view.List(Ec2EntityKinds.Volume, request.Caller.AccountId, request.Region));
        var selected = Requested(all, ids, v => v.VolumeId, Ec2Errors.VolumeNotFound, filters, VolumeFilterValues)
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
        "size" => [volume.Size.ToString(CultureInfo.InvariantCulture)],
        "volume-type" => [volume.VolumeType],
        "attachment.device" => [volume.Attachment?.Device],
        "attachment.status" => [volume.Attachment is null ? null : "attached"],
        "attachment.attach-time" => volume.Attachment is { } a ? TimeFilterValues(a.AttachTime) : [],
        "attachment.delete-on-termination" => [volume.Attachment is { } d ? XmlShapes.Boolean(d.DeleteOnTermination) : null],
        "create-time" => TimeFilterValues(volume.CreateTime),
        "multi-attach-enabled" => [XmlShapes.Boolean(volume.MultiAttachEnabled)],
        _ => TagFilterValues(volume.Tags, name) ?? [],
    };

    public static IEnumerable<XElement?> VolumeXml(Ec2Volume volume) =>
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
        Optional("iops", volume.Iops),
        Optional("throughput", volume.Throughput),
        new XElement("multiAttachEnabled", XmlShapes.Boolean(volume.MultiAttachEnabled)),
        OptionalTagSetXml(volume.Tags),
    ];

    private OperationResponse DeleteVolume(OperationRequest request)
    {
        var volumeId = CheckVolumeId(request.Parameters.GetRequiredString("VolumeId"));
        var account = request.Caller.AccountId;
        var volume = cloud.State.Read(view => view.Find(Ec2EntityKinds.Volume, new EntityKey(account, request.Region, volumeId))) ?? throw Ec2Errors.VolumeNotFound(volumeId);
        request.Authorize(Ec2Actions.DeleteVolume, volume.Arn);
        request.StopIfDryRun();
        if (volume.Attachment is not null)
        {
            throw Ec2Errors.VolumeInUse(volumeId, volume.Attachment.InstanceId);
        }

        cloud.State.Write(tx => tx.Delete(Ec2EntityKinds.Volume, new EntityKey(account, request.Region, volumeId)));
        contentLifetime.Release(volume.Content);
        return Respond(Return());
    }
}
