using AmiShare.LocalCloud.Protocol;
using AmiShare.LocalCloud.State;
using static AmiShare.LocalCloud.Services.Ec2.Ec2Ids;

namespace AmiShare.LocalCloud.Services.Ec2;

/// <summary>A taggable resource as CreateTags, DeleteTags and DescribeTags see it.</summary>
internal sealed record Ec2TaggedResource(string ResourceId, string ResourceType, string TrailType, string Arn, string OwnerId, string Region, IReadOnlyDictionary<string, string> Tags);

/// <summary>
/// Finds the caller's images, snapshots, volumes and instances by id for tagging, and writes their tags. Tags
/// belong to the owner: only the owner may tag, and only the owner sees them (as on AWS).
/// </summary>
internal sealed class Ec2TaggedResources(LocalCloudContext cloud, Ec2ResourceLookup lookup)
{
    public Ec2TaggedResource Owned(OperationRequest request, string id)
    {
        var account = request.Caller.AccountId;
        var region = request.Region;
        switch (id)
        {
            case var _ when id.StartsWith("ami-", StringComparison.Ordinal):
                return Of(lookup.OwnedImage(request, id));
            case var _ when id.StartsWith("snap-", StringComparison.Ordinal):
                return Of(lookup.OwnedSnapshot(request, id));
            case var _ when id.StartsWith("vol-", StringComparison.Ordinal):
                CheckVolumeId(id);
                return Of(cloud.State.Read(view => view.Find(Ec2EntityKinds.Volume, new EntityKey(account, region, id))) ?? throw Ec2Errors.VolumeNotFound(id));
            case var _ when id.StartsWith("i-", StringComparison.Ordinal):
                CheckInstanceId(id);
                return Of(cloud.State.Read(view => view.Find(Ec2EntityKinds.Instance, new EntityKey(account, region, id))) ?? throw Ec2Errors.InstanceNotFound(id));
            default:
                throw Ec2Errors.InvalidId($"Invalid id: \"{id}\": LocalCloud tags images, snapshots, volumes and instances (ami-, snap-, vol-, i-).");
        }
    }

    /// <summary>Every tagged resource the caller owns in the request's region.</summary>
    public List<Ec2TaggedResource> AllOwned(OperationRequest request) => cloud.State.Read(view =>
    {
        var account = request.Caller.AccountId;
        var region = request.Region;
        return view.List(Ec2EntityKinds.Image, account, region).Select(Of)
            .Concat(view.List(Ec2EntityKinds.Snapshot, account, region).Select(Of))
            .Concat(view.List(Ec2EntityKinds.Volume, account, region).Select(Of))
            .Concat(view.List(Ec2EntityKinds.Instance, account, region).Where(i => i.State != "terminated").Select(Of))
            .Where(r => r.Tags.Count > 0)
            .ToList();
    });

    public void Change(Ec2TaggedResource resource, Func<IReadOnlyDictionary<string, string>, Dictionary<string, string>> change) => cloud.State.Write(tx =>
    {
        var key = new EntityKey(resource.OwnerId, resource.Region, resource.ResourceId);
        switch (resource.ResourceType)
        {
            case "image":
                var image = tx.Find(Ec2EntityKinds.Image, key) ?? throw Ec2Errors.ImageNotFound(resource.ResourceId);
                tx.Put(Ec2EntityKinds.Image, key, image with { Tags = change(image.Tags) });
                break;
            case "snapshot":
                var snapshot = tx.Find(Ec2EntityKinds.Snapshot, key) ?? throw Ec2Errors.SnapshotNotFound(resource.ResourceId);
                tx.Put(Ec2EntityKinds.Snapshot, key, snapshot with { Tags = change(snapshot.Tags) });
                break;
            case "volume":
                var volume = tx.Find(Ec2EntityKinds.Volume, key) ?? throw Ec2Errors.VolumeNotFound(resource.ResourceId);
                tx.Put(Ec2EntityKinds.Volume, key, volume with { Tags = change(volume.Tags) });
                break;
            default:
                var instance = tx.Find(Ec2EntityKinds.Instance, key) ?? throw Ec2Errors.InstanceNotFound(resource.ResourceId);
                tx.Put(Ec2EntityKinds.Instance, key, instance with { Tags = change(instance.Tags) });
                break;
        }
    });

    private static Ec2TaggedResource Of(Ec2Image i) => new(i.ImageId, "image", "AWS::EC2::Image", i.Arn, i.OwnerId, i.Region, i.Tags);

    private static Ec2TaggedResource Of(Ec2Snapshot s) => new(s.SnapshotId, "snapshot", "AWS::EC2::Snapshot", s.Arn, s.OwnerId, s.Region, s.Tags);

    private static Ec2TaggedResource Of(Ec2Volume v) => new(v.VolumeId, "volume", "AWS::EC2::Volume", v.Arn, v.OwnerId, v.Region, v.Tags);

    private static Ec2TaggedResource Of(Ec2Instance i) => new(i.InstanceId, "instance", "AWS::EC2::Instance", i.Arn, i.OwnerId, i.Region, i.Tags);
}
