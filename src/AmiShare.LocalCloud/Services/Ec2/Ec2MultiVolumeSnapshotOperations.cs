using System.Xml.Linq;
using AmiShare.LocalCloud.Protocol;
using AmiShare.LocalCloud.State;
using AmiShare.Policy.Catalogue;
using static AmiShare.LocalCloud.Protocol.OperationHandlers;
using static AmiShare.LocalCloud.Services.Ec2.Ec2ConditionContext;
using static AmiShare.LocalCloud.Services.Ec2.Ec2Ids;
using static AmiShare.LocalCloud.Services.Ec2.Ec2Tagging;
using static AmiShare.LocalCloud.Services.Ec2.Ec2Xml;

namespace AmiShare.LocalCloud.Services.Ec2;

/// <summary>
/// CreateSnapshots: crash-consistent snapshots of every EBS volume attached to one of the caller's instances (the
/// boot volume too unless <c>ExcludeBootVolume</c>), each sharing its volume's content and data key as CreateSnapshot does.
/// </summary>
internal sealed class Ec2MultiVolumeSnapshotOperations(LocalCloudContext cloud) : IServiceOperations
{
    public AwsServiceDescriptor Service => AwsServices.Ec2;

    public IReadOnlyDictionary<string, OperationHandler> Operations => new Dictionary<string, OperationHandler>
    {
        ["CreateSnapshots"] = Sync(CreateSnapshots),
    };

    private OperationResponse CreateSnapshots(OperationRequest request)
    {
        var p = request.Parameters;
        var specification = p.GetStructure("InstanceSpecification");
        var instanceId = CheckInstanceId(specification.GetString("InstanceId") ?? throw Ec2Errors.MissingParameter("InstanceSpecification.InstanceId"));
        var excludeBoot = specification.GetBoolean("ExcludeBootVolume") ?? false;
        var excluded = specification.GetList("ExcludeDataVolumeId");
        var copyTags = p.GetString("CopyTagsFromSource");
        if (copyTags is not (null or "volume"))
        {
            throw Ec2Errors.InvalidParameterValue($"Value ({copyTags}) for parameter CopyTagsFromSource is invalid. Expecting volume.");
        }

        var account = request.Caller.AccountId;
        var region = request.Region;
        var (instance, volumes) = cloud.State.Read(view =>
        {
            var found = view.Find(Ec2EntityKinds.Instance, new EntityKey(account, region, instanceId));
            var attached = found is null ? [] : found.Devices
                .Where(d => !(excludeBoot && d.DeviceName == found.RootDeviceName) && !excluded.Contains(d.VolumeId))
                .Select(d => view.Find(Ec2EntityKinds.Volume, new EntityKey(account, region, d.VolumeId)))
                .OfType<Ec2Volume>()
                .ToList();
            return (found, attached);
        });
        if (instance is null || instance.State == "terminated")
        {
            throw Ec2Errors.InstanceNotFound(instanceId);
        }

        var tags = SpecifiedTags(p, "snapshot", "snapshot");
        request.Authorize(Ec2Actions.CreateSnapshots, instance.Arn);
        foreach (var volume in volumes)
        {
            request.Authorize(Ec2Actions.CreateSnapshots, volume.Arn);
        }

        request.Authorize(Ec2Actions.CreateSnapshots, $"arn:aws:ec2:{region}::snapshot/*");
        if (tags.Count > 0)
        {
            request.Authorize(Ec2Actions.CreateTags, $"arn:aws:ec2:{region}::snapshot/*", TagContext(tags, "CreateSnapshots"));
        }

        request.StopIfDryRun();
        var now = request.Time.GetUtcNow();
        var description = p.GetString("Description");
        var snapshots = volumes.Select(volume =>
        {
            var merged = copyTags is null ? new Dictionary<string, string>(StringComparer.Ordinal) : new Dictionary<string, string>(volume.Tags, StringComparer.Ordinal);
            foreach (var (key, value) in tags)
            {
                merged[key] = value;
            }

            return NewSnapshots.OfVolume(volume, cloud.Ids.ResourceId("snap"), description, now) with { Tags = CheckTagCount(merged) };
        }).ToList();
        cloud.State.Write(tx =>
        {
            foreach (var snapshot in snapshots)
            {
                tx.Put(Ec2EntityKinds.Snapshot, new EntityKey(account, region, snapshot.SnapshotId), snapshot);
            }
        });
        request.Trail.ResponseElements["snapshotIds"] = snapshots.Select(s => s.SnapshotId).ToList();
        return Respond(Items("snapshotSet", snapshots.Select(s => new XElement?[]
        {
            new XElement("snapshotId", s.SnapshotId),
            new XElement("volumeId", s.VolumeId),
            new XElement("volumeSize", s.VolumeSize),
            new XElement("state", s.State),
            new XElement("startTime", XmlShapes.Timestamp(s.StartTime)),
            new XElement("progress", s.State == "completed" ? "100%" : "0%"),
            new XElement("ownerId", s.OwnerId),
            new XElement("description", s.Description ?? string.Empty),
            new XElement("encrypted", XmlShapes.Boolean(s.Encrypted)),
            TagSetXml(s.Tags),
        })));
    }
}
