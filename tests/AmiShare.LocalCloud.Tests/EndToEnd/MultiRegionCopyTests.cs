using Amazon.EC2.Model;
using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using Amazon.Runtime;
using Amazon.SimpleSystemsManagement.Model;
using AmiShare.LocalCloud.Seed;
using AmiShare.LocalCloud.Services.Ec2;
using AmiShare.LocalCloud.Tests.Ssm;
using AmiShare.LocalCloud.Tests.Support;
using static AmiShare.LocalCloud.Tests.Ec2.Ec2TestKit;

namespace AmiShare.LocalCloud.Tests.EndToEnd;

/// <summary>
/// Issue 12's LocalCloud side end to end with the real SDK: an encrypted image copied Region to Region under each
/// destination's own key, a parameter per Region naming the copy, and a launch from that parameter in each Region
/// whose volume holds the same content as the source.
/// </summary>
public sealed class MultiRegionCopyTests
{
    private static readonly string[] Destinations = ["eu-west-1", "ap-southeast-2"];

    [Fact]
    public async Task CopyImage_IntoTwoRegionsUnderTheirKeys_LaunchesFromSsmWithEqualContent()
    {
        var seed = DefaultSeed.Create() with { Regions = ["us-east-1", .. Destinations] };
        await using var server = await TestCloud.StartAsync(new LocalCloudOptions { TimeProvider = TestCloud.Clock(), Seed = seed });
        using var owner = Client(server, Images);
        var sourceKey = await RegionalKeyAsync(server, TestCloud.Region);
        var source = await OwnerImageAsync(owner, "golden", sourceKey);
        var sourceSnapshot = (await ImageAsync(owner, source)).BlockDeviceMappings[0].Ebs.SnapshotId;
        var sourceDigest = await DigestAsync(server, sourceSnapshot);

        foreach (var region in Destinations)
        {
            using var ec2 = Client(server, Images, region);
            using var ssm = SsmTestKit.Client(server, Images, region);
            var key = await RegionalKeyAsync(server, region);
            var copy = await ec2.CopyImageAsync(new CopyImageRequest
            {
                SourceImageId = source,
                SourceRegion = TestCloud.Region,
                Name = "golden-" + region,
                Encrypted = true,
                KmsKeyId = key,
                TagSpecifications = [new TagSpecification { ResourceType = "image", Tags = [new Amazon.EC2.Model.Tag("amishare:source", source)] }],
            }, TestCloud.Timeout);
            var copied = await ImageAsync(ec2, copy.ImageId);
            var snapshot = Assert.Single((await ec2.DescribeSnapshotsAsync(new DescribeSnapshotsRequest { SnapshotIds = [copied.BlockDeviceMappings[0].Ebs.SnapshotId] }, TestCloud.Timeout)).Snapshots);
            await ssm.PutParameterAsync(new PutParameterRequest { Name = "/amishare/golden", Value = copy.ImageId, Type = Amazon.SimpleSystemsManagement.ParameterType.String, DataType = "aws:ec2:image" }, TestCloud.Timeout);

            var instance = await LaunchAsync(ec2, "resolve:ssm:/amishare/golden");
            var volumeId = instance.BlockDeviceMappings[0].Ebs.VolumeId;
            var volume = Assert.Single((await ec2.DescribeVolumesAsync(new DescribeVolumesRequest { VolumeIds = [volumeId] }, TestCloud.Timeout)).Volumes);

            Assert.Equal(("available", TestCloud.Region, source), (copied.State.Value, copied.SourceImageRegion, copied.SourceImageId));
            Assert.Equal(source, Assert.Single(copied.Tags).Value);
            Assert.Equal(key, snapshot.KmsKeyId);
            Assert.NotEqual(ContentIdOf(server, TestCloud.Region, sourceSnapshot), ContentIdOf(server, region, snapshot.SnapshotId));
            Assert.Equal(copy.ImageId, instance.ImageId);
            Assert.Equal(key, volume.KmsKeyId);
            Assert.Equal(sourceDigest, await DigestAsync(server, volumeId));
        }
    }

    /// <summary>Where a snapshot's sealed blocks live: a Region-to-Region copy must not share the source's.</summary>
    private static string ContentIdOf(LocalCloudServer server, string region, string snapshotId) =>
        server.Cloud.State.Read(view => Ec2ResourceLookup.FindSnapshot(view, region, snapshotId))!.Content.ContentId;

    private static async Task<string> RegionalKeyAsync(LocalCloudServer server, string region)
    {
        var account = server.Account(Images);
        using var kms = new AmazonKeyManagementServiceClient(
            new BasicAWSCredentials(account.RootAccessKeyId, account.RootSecretAccessKey),
            new AmazonKeyManagementServiceConfig { ServiceURL = server.Endpoint.ToString(), AuthenticationRegion = region, MaxErrorRetry = 0 });
        return (await kms.CreateKeyAsync(new CreateKeyRequest { Description = "ebs " + region }, TestCloud.Timeout)).KeyMetadata.Arn;
    }
}
