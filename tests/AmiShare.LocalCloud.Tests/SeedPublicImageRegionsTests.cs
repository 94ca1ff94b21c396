using Amazon.EC2.Model;
using AmiShare.LocalCloud.Seed;
using AmiShare.LocalCloud.Tests.Ec2;
using AmiShare.LocalCloud.Tests.Support;

namespace AmiShare.LocalCloud.Tests;

/// <summary>Seed public images placed in every seeded region (<c>"region": "*"</c>) and their root volume type.</summary>
public sealed class SeedPublicImageRegionsTests
{
    private const string Account = "111111111111";
    private const string ImageId = "ami-12c6146b";

    private static string Seed(string region, string volumeType = "standard") => $$"""
        {
          "regions": ["us-east-1", "eu-west-1"],
          "accounts": [ { "id": "{{Account}}", "name": "suite" } ],
          "publicImages": [ { "imageId": "{{ImageId}}", "name": "moto-default", "ownerId": "801119661308",
                              "region": "{{region}}", "rootDeviceName": "/dev/sda1", "volumeType": "{{volumeType}}", "sizeGiB": 8, "contentMiB": 1 } ]
        }
        """;

    [Fact]
    public async Task StartAsync_PublicImageInEveryRegion_LaunchableUnderOneIdInEachRegion()
    {
        await using var server = await TestCloud.StartAsync(new LocalCloudOptions { Seed = SeedLoader.Parse(Seed("*")), TimeProvider = TestCloud.Clock() });

        foreach (var region in new[] { "us-east-1", "eu-west-1" })
        {
            using var ec2 = Ec2TestKit.Client(server, Account, region);
            var image = await Ec2TestKit.ImageAsync(ec2, ImageId);
            var instance = await Ec2TestKit.LaunchAsync(ec2, ImageId);
            var root = instance.BlockDeviceMappings.Single(m => m.DeviceName == "/dev/sda1").Ebs.VolumeId;
            var volume = Assert.Single((await ec2.DescribeVolumesAsync(new DescribeVolumesRequest { VolumeIds = [root] }, TestCloud.Timeout)).Volumes);

            Assert.Equal(("standard", "801119661308"), (image.BlockDeviceMappings[0].Ebs.VolumeType.Value, image.OwnerId));
            Assert.Equal((region + "a", "standard"), (volume.AvailabilityZone, volume.VolumeType.Value));
        }
    }

    [Fact]
    public async Task StartAsync_PublicImageInOneRegion_NotFoundElsewhere()
    {
        await using var server = await TestCloud.StartAsync(new LocalCloudOptions { Seed = SeedLoader.Parse(Seed("us-east-1")), TimeProvider = TestCloud.Clock() });
        using var eu = Ec2TestKit.Client(server, Account, "eu-west-1");

        var error = await Ec2TestKit.FailsAsync(() => eu.DescribeImagesAsync(new DescribeImagesRequest { ImageIds = [ImageId] }, TestCloud.Timeout));

        Assert.Equal("InvalidAMIID.NotFound", error.ErrorCode);
    }

    [Theory]
    [InlineData("ap-south-1", "gp2", "not among the seed's regions")]
    [InlineData("*", "sc1", "volumeType 'sc1'")]
    public void Parse_BadRegionOrVolumeType_ClearProblem(string region, string volumeType, string expected)
    {
        var error = Assert.Throws<SeedValidationException>(() => SeedLoader.Parse(Seed(region, volumeType)));

        Assert.Contains(error.Problems, p => p.Contains(expected, StringComparison.Ordinal));
    }
}
