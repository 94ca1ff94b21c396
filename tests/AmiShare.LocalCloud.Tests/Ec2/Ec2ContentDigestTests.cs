using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Amazon.EC2;
using Amazon.EC2.Model;
using AmiShare.LocalCloud.Services.Ec2;
using AmiShare.LocalCloud.Tests.Kms;
using AmiShare.LocalCloud.Tests.Support;
using static AmiShare.LocalCloud.Tests.Ec2.Ec2TestKit;

namespace AmiShare.LocalCloud.Tests.Ec2;

/// <summary>The admin digest decrypts the stored blocks for real, so it sees tampering instead of reporting a stale digest.</summary>
public sealed class Ec2ContentDigestTests
{
    private static readonly HttpClient Http = new();

    [Fact]
    public async Task ContentDigest_CrossAccountCopyAndLaunch_EqualsSourceDigest()
    {
        await using var server = await TestCloud.StartAsync();
        using var owner = Client(server, Images);
        var (image, sourceSnapshot) = await ImageSharedWithProdAsync(owner, "digest", await SharedKeyArnAsync(server, Prod));
        using var prod = Client(server, Prod);
        using var prodKms = KmsTestKit.Client(server, Prod);
        var targetKey = (await KmsTestKit.CreateKeyAsync(prodKms)).Arn;

        var copy = await prod.CopyImageAsync(new CopyImageRequest { SourceImageId = image, SourceRegion = TestCloud.Region, Name = "copy", Encrypted = true, KmsKeyId = targetKey }, TestCloud.Timeout);
        var copySnapshot = (await ImageAsync(prod, copy.ImageId)).BlockDeviceMappings[0].Ebs.SnapshotId;
        var launched = await LaunchAsync(prod, image);
        var volume = launched.BlockDeviceMappings[0].Ebs.VolumeId;
        var expected = await DigestAsync(server, Ec2PublicImageSeed.SeedSnapshotId(PublicImageId));

        Assert.Equal(expected, await DigestAsync(server, sourceSnapshot));
        Assert.Equal(expected, await DigestAsync(server, copySnapshot));
        Assert.Equal(expected, await DigestAsync(server, volume));
    }

    [Fact]
    public async Task ContentDigest_TamperedCiphertextBlock_ReportsErrorNotDigest()
    {
        await using var server = await TestCloud.StartAsync();
        using var owner = Client(server, Images);
        var (image, sourceSnapshot) = await ImageSharedWithProdAsync(owner, "digest", await SharedKeyArnAsync(server, Prod));
        using var prod = Client(server, Prod);
        var volume = (await LaunchAsync(prod, image)).BlockDeviceMappings[0].Ebs.VolumeId;
        var before = await DigestAsync(server, sourceSnapshot);
        var store = server.Tables.OfType<Ec2ContentDigest>().Single().Content;
        var contentId = server.Cloud.State.Read(view => view.List(Ec2EntityKinds.Snapshot).Single(s => s.SnapshotId == sourceSnapshot)).Content.ContentId;
        var block = store.ReadRawBlock(contentId, 1)!;
        block[^1] ^= 0x01;

        store.OverwriteRawBlockForTests(contentId, 1, block);
        using var response = await Http.GetAsync(new Uri(server.Endpoint, "_localcloud/content/" + sourceSnapshot), TestCloud.Timeout);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(TestCloud.Timeout);

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal("ContentUnreadable", body.GetProperty("error").GetString());
        Assert.False(body.TryGetProperty("sha256", out _), "a tampered block must not yield a digest");
        Assert.Equal(before, await DigestAsync(server, volume));
    }
}
