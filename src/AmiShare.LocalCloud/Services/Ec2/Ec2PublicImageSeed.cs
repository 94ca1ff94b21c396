using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using AmiShare.LocalCloud.Seed;
using AmiShare.LocalCloud.State;

namespace AmiShare.LocalCloud.Services.Ec2;

/// <summary>The seed's public images (Amazon's and the like): content generated on read, never stored.</summary>
public static class Ec2PublicImageSeed
{
    /// <summary>Deterministic snapshot id of a public seed image.</summary>
    public static string SeedSnapshotId(string imageId) =>
        "snap-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(imageId)))[..17];

    /// <summary>
    /// Puts every public image of the seed, with its snapshot, into the state once (a restart keeps them); an image
    /// seeded for every region (<see cref="SeedPublicImage.EveryRegion"/>) is put into each under the same id.
    /// </summary>
    public static void Seed(LocalCloudContext cloud)
    {
        var created = DateTimeOffset.Parse("2024-01-01T00:00:00Z", CultureInfo.InvariantCulture);
        cloud.State.Write(tx =>
        {
            foreach (var seed in cloud.Seed.PublicImages.SelectMany(image => image.Region == SeedPublicImage.EveryRegion
                ? cloud.Seed.Regions.Select(region => image with { Region = region })
                : [image]))
            {
                var imageKey = new EntityKey(seed.OwnerId, seed.Region, seed.ImageId);
                if (tx.Find(Ec2EntityKinds.Image, imageKey) is not null)
                {
                    continue;
                }

                var snapshotId = SeedSnapshotId(seed.ImageId);
                tx.Put(Ec2EntityKinds.Snapshot, new EntityKey(seed.OwnerId, seed.Region, snapshotId), new Ec2Snapshot
                {
                    SnapshotId = snapshotId,
                    OwnerId = seed.OwnerId,
                    OwnerAlias = seed.OwnerAlias,
                    Region = seed.Region,
                    VolumeId = "vol-ffffffff",
                    VolumeSize = seed.SizeGiB,
                    Description = $"Snapshot of {seed.Name}",
                    StartTime = created,
                    Content = new Ec2ContentRef("seed-" + seed.ImageId, (long)seed.ContentMiB * Ec2ContentStore.BlockSize, seed.ImageId),
                    CreateVolumePermissions = [new Ec2Permission(Group: "all")],
                });
                tx.Put(Ec2EntityKinds.Image, imageKey, new Ec2Image
                {
                    ImageId = seed.ImageId,
                    OwnerId = seed.OwnerId,
                    OwnerAlias = seed.OwnerAlias,
                    Region = seed.Region,
                    Name = seed.Name,
                    Description = seed.Name,
                    CreationDate = created,
                    RootDeviceName = seed.RootDeviceName,
                    BlockDevices = [new Ec2ImageBlockDevice(seed.RootDeviceName, snapshotId, seed.SizeGiB, seed.VolumeType, true, false)],
                    LaunchPermissions = [new Ec2Permission(Group: "all")],
                });
            }
        });
    }
}
