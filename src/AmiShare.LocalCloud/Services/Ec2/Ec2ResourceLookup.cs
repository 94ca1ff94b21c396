using AmiShare.LocalCloud.Protocol;
using AmiShare.LocalCloud.State;
using AmiShare.Policy.Sharing;
using static AmiShare.LocalCloud.Services.Ec2.Ec2Ids;

namespace AmiShare.LocalCloud.Services.Ec2;

/// <summary>
/// Finding images and snapshots as the caller sees them: owned, or shared with the caller's account, organization
/// or OU (a resource the caller cannot see is NotFound, as on AWS); plus the image-level checks and the one
/// read-modify-write of an image that several handlers share.
/// </summary>
internal sealed class Ec2ResourceLookup(LocalCloudContext cloud)
{
    public SharingDecision Covers(OperationRequest request, ResourceSharing sharing, bool organizationEntries)
    {
        var account = request.Caller.AccountId;
        var path = cloud.Organization.OrganizationPathOf(account);
        return SharingRules.Evaluate(sharing, account, cloud.Organization.OrganizationIdOf(account), path is null ? [] : [path], organizationEntries);
    }

    public bool CanSee(OperationRequest request, Ec2Image image) =>
        image.OwnerId == request.Caller.AccountId || (image.State != "disabled" && Covers(request, image.Sharing, true).Allowed);

    // block-all-sharing makes a snapshot's existing public permission inert (AWS keeps it, but nobody can use it).
    public bool CanSee(OperationRequest request, Ec2Snapshot snapshot) =>
        Covers(request, snapshot.Sharing, false).Allowed
        && (snapshot.OwnerId == request.Caller.AccountId
            || !snapshot.CreateVolumePermissions.Any(c => c.IsPublic)
            || new Ec2AccountSettingsStore(cloud).Get(snapshot.OwnerId, snapshot.Region).Guardrails.SnapshotBlockPublicAccessState != "block-all-sharing"
            || Covers(request, snapshot.Sharing with { Entries = [.. snapshot.Sharing.Entries.Where(e => !e.IsPublic)] }, false).Allowed);

    public static Ec2Image? FindImage(IStateView view, string region, string imageId) =>
        view.List(Ec2EntityKinds.Image, null, region).FirstOrDefault(i => i.ImageId == imageId);

    public static Ec2Snapshot? FindSnapshot(IStateView view, string region, string snapshotId) =>
        view.List(Ec2EntityKinds.Snapshot, null, region).FirstOrDefault(s => s.SnapshotId == snapshotId);

    public Ec2Image VisibleImage(OperationRequest request, string region, string imageId)
    {
        CheckImageId(imageId);
        var image = cloud.State.Read(view => FindImage(view, region, imageId));
        return image is not null && CanSee(request, image) ? image : throw Ec2Errors.ImageNotFound(imageId);
    }

    public Ec2Image OwnedImage(OperationRequest request, string imageId)
    {
        var image = VisibleImage(request, request.Region, imageId);
        return image.OwnerId == request.Caller.AccountId ? image : throw Ec2Errors.NotOwner("image", imageId);
    }

    public Ec2Snapshot VisibleSnapshot(OperationRequest request, string region, string snapshotId)
    {
        CheckSnapshotId(snapshotId);
        var snapshot = cloud.State.Read(view => FindSnapshot(view, region, snapshotId));
        return snapshot is not null && CanSee(request, snapshot) ? snapshot : throw Ec2Errors.SnapshotNotFound(snapshotId);
    }

    public Ec2Snapshot OwnedSnapshot(OperationRequest request, string snapshotId)
    {
        var snapshot = VisibleSnapshot(request, request.Region, snapshotId);
        return snapshot.OwnerId == request.Caller.AccountId ? snapshot : throw Ec2Errors.NotOwner("snapshot", snapshotId);
    }

    public void UpdateImage(Ec2Image image, Func<Ec2Image, Ec2Image> change) => cloud.State.Write(tx =>
    {
        var key = new EntityKey(image.OwnerId, image.Region, image.ImageId);
        var current = tx.Find(Ec2EntityKinds.Image, key) ?? throw Ec2Errors.ImageNotFound(image.ImageId);
        tx.Put(Ec2EntityKinds.Image, key, change(current));
    });

    public string CheckRegion(string region, string parameter) => cloud.Organization.IsKnownRegion(region) ? region
        : throw Ec2Errors.InvalidParameterValue($"Invalid value '{region}' for {parameter}: the region is not one of this cloud's regions ({string.Join(", ", cloud.Organization.Regions)}).");

    /// <summary>A new image's name: AWS's length rule, and unique among the caller's images in the region.</summary>
    public void CheckNewImageName(OperationRequest request, string name)
    {
        if (name.Length is < 3 or > 128)
        {
            throw Ec2Errors.InvalidParameterValue($"AMI names must be between 3 and 128 characters long, and may contain letters, numbers, '(', ')', '.', '-', '/' and '_'; '{name}' is not.");
        }

        var existing = cloud.State.Read(view => view.List(Ec2EntityKinds.Image, request.Caller.AccountId, request.Region).FirstOrDefault(i => i.Name == name));
        if (existing is not null)
        {
            throw Ec2Errors.DuplicateImageName(name, existing.ImageId);
        }
    }
}
