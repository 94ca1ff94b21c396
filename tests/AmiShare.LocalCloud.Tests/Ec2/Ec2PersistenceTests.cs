using Amazon.EC2.Model;
using AmiShare.LocalCloud.Tests.Support;
using static AmiShare.LocalCloud.Tests.Ec2.Ec2TestKit;

namespace AmiShare.LocalCloud.Tests.Ec2;

public sealed class Ec2PersistenceTests
{
    [Fact]
    public async Task Restart_DataFile_KeepsImagesSharesSnapshotsAndEncryptedContent()
    {
        var dataFile = Path.Combine(Path.GetTempPath(), $"ec2-restart-{Guid.NewGuid():N}.db");
        try
        {
            string image;
            string snapshotId;
            string digest;
            await using (var first = await TestCloud.StartAsync(dataFile: dataFile))
            {
                using var owner = Client(first, Images);
                image = await OwnerImageAsync(owner, "survives-restart", await SharedKeyArnAsync(first, Prod));
                await ShareAsync(owner, image, new LaunchPermission { UserId = Prod });
                snapshotId = (await ImageAsync(owner, image)).BlockDeviceMappings[0].Ebs.SnapshotId;
                digest = await DigestAsync(first, snapshotId);
            }

            await using var second = await TestCloud.StartAsync(dataFile: dataFile);
            using var prod = Client(second, Prod);
            var seen = await ImageAsync(prod, image);
            var launched = await LaunchAsync(prod, image);

            Assert.Equal("survives-restart", seen.Name);
            Assert.Equal(digest, await DigestAsync(second, snapshotId));
            Assert.Equal("running", launched.State.Name.Value);
            Assert.Equal(digest, await DigestAsync(second, launched.BlockDeviceMappings[0].Ebs.VolumeId));
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            foreach (var file in Directory.GetFiles(Path.GetTempPath(), Path.GetFileName(dataFile) + "*"))
            {
                File.Delete(file);
            }
        }
    }

    [Fact]
    public async Task DeleteVolumeAndSnapshot_StoredContent_IsRemoved()
    {
        await using var server = await TestCloud.StartAsync();
        using var ec2 = Client(server, Images);
        var key = await SharedKeyArnAsync(server);
        var volume = await ec2.CreateVolumeAsync(new CreateVolumeRequest { SnapshotId = Services.Ec2.Ec2PublicImageSeed.SeedSnapshotId(PublicImageId), AvailabilityZone = TestCloud.Region + "a", Encrypted = true, KmsKeyId = key }, TestCloud.Timeout);
        var snapshot = await ec2.CreateSnapshotAsync(new CreateSnapshotRequest { VolumeId = volume.Volume.VolumeId }, TestCloud.Timeout);
        using var http = new HttpClient();

        await ec2.DeleteVolumeAsync(new DeleteVolumeRequest { VolumeId = volume.Volume.VolumeId }, TestCloud.Timeout);
        var snapshotStillReadable = await DigestAsync(server, snapshot.Snapshot.SnapshotId);
        await ec2.DeleteSnapshotAsync(new DeleteSnapshotRequest { SnapshotId = snapshot.Snapshot.SnapshotId }, TestCloud.Timeout);
        using var gone = await http.GetAsync(new Uri(server.Endpoint, "_localcloud/content/" + snapshot.Snapshot.SnapshotId), TestCloud.Timeout);

        Assert.Equal(await DigestAsync(server, Services.Ec2.Ec2PublicImageSeed.SeedSnapshotId(PublicImageId)), snapshotStillReadable);
        Assert.Equal(System.Net.HttpStatusCode.NotFound, gone.StatusCode);
    }
}
