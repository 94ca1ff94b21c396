using Amazon.EC2;
using Amazon.EC2.Model;
using AmiShare.LocalCloud.Tests.Kms;
using AmiShare.LocalCloud.Tests.Support;
using static AmiShare.LocalCloud.Tests.Ec2.Ec2TestKit;

namespace AmiShare.LocalCloud.Tests.Ec2;

/// <summary>
/// Volume and snapshot breadth (issue 11): tags on volumes, snapshots and instances, AttachVolume/DetachVolume,
/// CreateSnapshots, ModifyInstanceAttribute, provisioned IOPS/throughput/Multi-Attach, dry runs through the policy engine.
/// </summary>
public sealed class Ec2VolumeBreadthTests
{
    private static readonly string Zone = Ec2TestKit.Region + "a";

    private static Amazon.EC2.Model.Tag Tag(string key, string value) => new() { Key = key, Value = value };

    private static async Task<Volume> VolumeAsync(AmazonEC2Client ec2, string volumeId) =>
        Assert.Single((await ec2.DescribeVolumesAsync(new DescribeVolumesRequest { VolumeIds = [volumeId] }, TestCloud.Timeout)).Volumes);

    private static async Task<string> NewVolumeAsync(AmazonEC2Client ec2, int size = 10, string zone = "") =>
        (await ec2.CreateVolumeAsync(new CreateVolumeRequest { AvailabilityZone = zone.Length == 0 ? Zone : zone, Size = size }, TestCloud.Timeout)).Volume.VolumeId;

    [Fact]
    public async Task CreateTags_VolumeSnapshotAndInstance_TagSetsFiltersAndDescribeTags()
    {
        await using var server = await TestCloud.StartAsync();
        using var owner = Client(server, Images);
        var instance = await LaunchAsync(owner, PublicImageId);
        var volume = await NewVolumeAsync(owner);
        var plain = await NewVolumeAsync(owner);
        var snapshot = (await owner.CreateSnapshotAsync(new CreateSnapshotRequest { VolumeId = volume }, TestCloud.Timeout)).Snapshot.SnapshotId;

        await owner.CreateTagsAsync(new CreateTagsRequest { Resources = [volume, snapshot, instance.InstanceId], Tags = [Tag("team", "images")] }, TestCloud.Timeout);
        await owner.CreateTagsAsync(new CreateTagsRequest { Resources = [snapshot], Tags = [Tag("stage", "</closed>")] }, TestCloud.Timeout);

        Assert.Equal([("team", "images")], (await VolumeAsync(owner, volume)).Tags.Select(t => (t.Key, t.Value)));
        Assert.Empty((await VolumeAsync(owner, plain)).Tags ?? []);
        var byTag = await owner.DescribeVolumesAsync(new DescribeVolumesRequest { Filters = [new Filter("tag:team", ["images"])] }, TestCloud.Timeout);
        Assert.Equal(volume, Assert.Single(byTag.Volumes).VolumeId);
        var snapshots = await owner.DescribeSnapshotsAsync(new DescribeSnapshotsRequest { OwnerIds = ["self"], Filters = [new Filter("tag-value", ["</closed>"])] }, TestCloud.Timeout);
        Assert.Equal([("stage", "</closed>"), ("team", "images")], Assert.Single(snapshots.Snapshots).Tags.Select(t => (t.Key, t.Value)));
        var all = await owner.DescribeTagsAsync(new DescribeTagsRequest { Filters = [new Filter("key", ["team"])] }, TestCloud.Timeout);
        Assert.Equal(
            new[] { (instance.InstanceId, "instance"), (snapshot, "snapshot"), (volume, "volume") }.OrderBy(r => r.Item1, StringComparer.Ordinal),
            all.Tags.Select(t => (t.ResourceId, t.ResourceType.Value)));
        var volumesOnly = await owner.DescribeTagsAsync(new DescribeTagsRequest { Filters = [new Filter("resource-type", ["volume"])] }, TestCloud.Timeout);
        Assert.Equal(volume, Assert.Single(volumesOnly.Tags).ResourceId);

        await owner.DeleteTagsAsync(new DeleteTagsRequest { Resources = [volume], Tags = [new Amazon.EC2.Model.Tag { Key = "team" }] }, TestCloud.Timeout);
        Assert.Empty((await VolumeAsync(owner, volume)).Tags ?? []);
    }

    [Fact]
    public async Task CreateTags_AnotherAccountsVolumeOrUnknownKind_RefusedWithEc2Codes()
    {
        await using var server = await TestCloud.StartAsync();
        using var owner = Client(server, Images);
        using var prod = Client(server, Prod);
        var volume = await NewVolumeAsync(owner);

        var foreign = await FailsAsync(() => prod.CreateTagsAsync(new CreateTagsRequest { Resources = [volume], Tags = [Tag("x", "y")] }, TestCloud.Timeout));
        var unknownKind = await FailsAsync(() => owner.CreateTagsAsync(new CreateTagsRequest { Resources = ["sg-0123456789abcdef0"], Tags = [Tag("x", "y")] }, TestCloud.Timeout));

        Assert.Equal("InvalidVolume.NotFound", foreign.ErrorCode);
        Assert.Equal("InvalidID", unknownKind.ErrorCode);
        Assert.Empty((await VolumeAsync(owner, volume)).Tags ?? []);
    }

    [Fact]
    public async Task CreateVolumeAndCreateSnapshot_TagSpecifications_TagOnCreateNeedsCreateTags()
    {
        await using var server = await TestCloud.StartAsync();
        using var owner = Client(server, Images);
        var creator = await KmsTestKit.UserAsync(server, Images, "creator", KmsTestKit.Allow("ec2:Describe*,ec2:CreateVolume,ec2:CreateSnapshot"));
        using var creatorEc2 = Client(server, creator);
        var specification = new TagSpecification { ResourceType = ResourceType.Volume, Tags = [Tag("team", "images")] };

        var tagged = await owner.CreateVolumeAsync(new CreateVolumeRequest { AvailabilityZone = Zone, Size = 5, TagSpecifications = [specification] }, TestCloud.Timeout);
        var denied = await FailsAsync(() => creatorEc2.CreateVolumeAsync(new CreateVolumeRequest { AvailabilityZone = Zone, Size = 5, TagSpecifications = [specification] }, TestCloud.Timeout));
        var snapshot = await owner.CreateSnapshotAsync(new CreateSnapshotRequest
        {
            VolumeId = tagged.Volume.VolumeId,
            TagSpecifications = [new TagSpecification { ResourceType = ResourceType.Snapshot, Tags = [Tag("k", "v")] }],
        }, TestCloud.Timeout);

        Assert.Equal([("team", "images")], tagged.Volume.Tags.Select(t => (t.Key, t.Value)));
        Assert.Equal("UnauthorizedOperation", denied.ErrorCode);
        Assert.Contains("ec2:CreateTags", denied.Message, StringComparison.Ordinal);
        Assert.Equal([("k", "v")], snapshot.Snapshot.Tags.Select(t => (t.Key, t.Value)));
    }

    [Fact]
    public async Task AttachVolumeAndDetachVolume_OwnInstance_AttachmentAndInstanceMappingsFollow()
    {
        await using var server = await TestCloud.StartAsync();
        using var owner = Client(server, Images);
        var instance = await LaunchAsync(owner, PublicImageId);
        var volume = await NewVolumeAsync(owner, 20, instance.Placement.AvailabilityZone);

        var dryRun = await FailsAsync(() => owner.AttachVolumeAsync(new AttachVolumeRequest { VolumeId = volume, InstanceId = instance.InstanceId, Device = "/dev/sdh", DryRun = true }, TestCloud.Timeout));
        Assert.Equal("DryRunOperation", dryRun.ErrorCode);
        Assert.Equal("available", (await VolumeAsync(owner, volume)).State.Value);

        var attached = await owner.AttachVolumeAsync(new AttachVolumeRequest { VolumeId = volume, InstanceId = instance.InstanceId, Device = "/dev/sdh" }, TestCloud.Timeout);
        Assert.Equal("attaching", attached.Attachment.State.Value);
        var inUse = await VolumeAsync(owner, volume);
        Assert.Equal("in-use", inUse.State.Value);
        Assert.Equal((instance.InstanceId, "/dev/sdh", "attached"), (inUse.Attachments[0].InstanceId, inUse.Attachments[0].Device, inUse.Attachments[0].State.Value));
        Assert.Contains((await DescribeAsync(owner, instance.InstanceId)).BlockDeviceMappings, m => m.DeviceName == "/dev/sdh" && m.Ebs.VolumeId == volume);
        var byDevice = await owner.DescribeVolumesAsync(new DescribeVolumesRequest { Filters = [new Filter("attachment.device", ["/dev/sdh"])] }, TestCloud.Timeout);
        Assert.Equal(volume, Assert.Single(byDevice.Volumes).VolumeId);
        Assert.Equal("VolumeInUse", (await FailsAsync(() => owner.DeleteVolumeAsync(new DeleteVolumeRequest { VolumeId = volume }, TestCloud.Timeout))).ErrorCode);

        var detached = await owner.DetachVolumeAsync(new DetachVolumeRequest { VolumeId = volume }, TestCloud.Timeout);
        Assert.Equal("detaching", detached.Attachment.State.Value);
        Assert.Equal("available", (await VolumeAsync(owner, volume)).State.Value);
        Assert.DoesNotContain((await DescribeAsync(owner, instance.InstanceId)).BlockDeviceMappings, m => m.Ebs.VolumeId == volume);
        await owner.DeleteVolumeAsync(new DeleteVolumeRequest { VolumeId = volume }, TestCloud.Timeout);
    }

    [Fact]
    public async Task AttachVolumeAndDetachVolume_WrongZoneMissingOrRootTargets_RefusedWithEc2Codes()
    {
        await using var server = await TestCloud.StartAsync();
        using var owner = Client(server, Images);
        var instance = await LaunchAsync(owner, PublicImageId);
        var otherZone = await NewVolumeAsync(owner, 5, Ec2TestKit.Region + "b");
        var volume = await NewVolumeAsync(owner, 5, instance.Placement.AvailabilityZone);
        var root = instance.BlockDeviceMappings.Single(m => m.DeviceName == instance.RootDeviceName).Ebs.VolumeId;

        var zone = await FailsAsync(() => owner.AttachVolumeAsync(new AttachVolumeRequest { VolumeId = otherZone, InstanceId = instance.InstanceId, Device = "/dev/sdh" }, TestCloud.Timeout));
        var noInstance = await FailsAsync(() => owner.AttachVolumeAsync(new AttachVolumeRequest { VolumeId = volume, InstanceId = "i-1234abcd", Device = "/dev/sdh" }, TestCloud.Timeout));
        var deviceTaken = await FailsAsync(() => owner.AttachVolumeAsync(new AttachVolumeRequest { VolumeId = volume, InstanceId = instance.InstanceId, Device = instance.RootDeviceName }, TestCloud.Timeout));
        var notAttached = await FailsAsync(() => owner.DetachVolumeAsync(new DetachVolumeRequest { VolumeId = volume, InstanceId = instance.InstanceId }, TestCloud.Timeout));
        var rootDetach = await FailsAsync(() => owner.DetachVolumeAsync(new DetachVolumeRequest { VolumeId = root }, TestCloud.Timeout));

        Assert.Equal("InvalidVolume.ZoneMismatch", zone.ErrorCode);
        Assert.Equal("InvalidInstanceID.NotFound", noInstance.ErrorCode);
        Assert.Equal("InvalidParameterValue", deviceTaken.ErrorCode);
        Assert.Equal("InvalidAttachment.NotFound", notAttached.ErrorCode);
        Assert.Equal("IncorrectState", rootDetach.ErrorCode);
    }

    [Theory]
    [InlineData("ec2:AttachVolume")]
    [InlineData("ec2:CreateSnapshots")]
    [InlineData("ec2:ModifyInstanceAttribute")]
    public async Task DryRun_CallerWithoutTheAction_UnauthorizedOperationNamingIt(string action)
    {
        await using var server = await TestCloud.StartAsync();
        using var owner = Client(server, Images);
        var instance = await LaunchAsync(owner, PublicImageId);
        var volume = await NewVolumeAsync(owner, 5, instance.Placement.AvailabilityZone);
        var reader = await KmsTestKit.UserAsync(server, Images, "reader", KmsTestKit.Allow("ec2:Describe*"));
        using var readerEc2 = Client(server, reader);
        Func<AmazonEC2Client, Task> call = action switch
        {
            "ec2:AttachVolume" => ec2 => ec2.AttachVolumeAsync(new AttachVolumeRequest { VolumeId = volume, InstanceId = instance.InstanceId, Device = "/dev/sdh", DryRun = true }, TestCloud.Timeout),
            "ec2:CreateSnapshots" => ec2 => ec2.CreateSnapshotsAsync(new CreateSnapshotsRequest { InstanceSpecification = new InstanceSpecification { InstanceId = instance.InstanceId }, DryRun = true }, TestCloud.Timeout),
            _ => ec2 => ec2.ModifyInstanceAttributeAsync(new ModifyInstanceAttributeRequest
            {
                InstanceId = instance.InstanceId,
                BlockDeviceMappings = [new InstanceBlockDeviceMappingSpecification { DeviceName = instance.RootDeviceName, Ebs = new EbsInstanceBlockDeviceSpecification { DeleteOnTermination = false } }],
                DryRun = true,
            }, TestCloud.Timeout),
        };

        var denied = await FailsAsync(() => call(readerEc2));
        var allowed = await FailsAsync(() => call(owner));

        Assert.Equal("UnauthorizedOperation", denied.ErrorCode);
        Assert.Contains(action, denied.Message, StringComparison.Ordinal);
        Assert.Equal("DryRunOperation", allowed.ErrorCode);
    }

    [Fact]
    public async Task CreateSnapshots_InstanceWithDataVolume_OneSnapshotPerVolumeTaggedAndBootExcludable()
    {
        await using var server = await TestCloud.StartAsync();
        using var owner = Client(server, Images);
        var instance = await LaunchAsync(owner, PublicImageId);
        var data = await NewVolumeAsync(owner, 30, instance.Placement.AvailabilityZone);
        await owner.AttachVolumeAsync(new AttachVolumeRequest { VolumeId = data, InstanceId = instance.InstanceId, Device = "/dev/sdg" }, TestCloud.Timeout);
        var boot = instance.BlockDeviceMappings.Single(m => m.DeviceName == instance.RootDeviceName).Ebs.VolumeId;

        var both = await owner.CreateSnapshotsAsync(new CreateSnapshotsRequest
        {
            InstanceSpecification = new InstanceSpecification { InstanceId = instance.InstanceId },
            Description = "nightly",
            TagSpecifications = [new TagSpecification { ResourceType = ResourceType.Snapshot, Tags = [Tag("run", "1")] }],
        }, TestCloud.Timeout);
        var dataOnly = await owner.CreateSnapshotsAsync(new CreateSnapshotsRequest
        {
            InstanceSpecification = new InstanceSpecification { InstanceId = instance.InstanceId, ExcludeBootVolume = true },
        }, TestCloud.Timeout);

        Assert.Equal(new[] { boot, data }.Order(StringComparer.Ordinal), both.Snapshots.Select(s => s.VolumeId).Order(StringComparer.Ordinal));
        Assert.All(both.Snapshots, s => Assert.Equal(("nightly", "run", "1"), (s.Description, s.Tags.Single().Key, s.Tags.Single().Value)));
        Assert.Equal(30, both.Snapshots.Single(s => s.VolumeId == data).VolumeSize);
        Assert.Equal(data, Assert.Single(dataOnly.Snapshots).VolumeId);
        var described = await owner.DescribeSnapshotsAsync(new DescribeSnapshotsRequest { SnapshotIds = [.. both.Snapshots.Select(s => s.SnapshotId)] }, TestCloud.Timeout);
        Assert.Equal(2, described.Snapshots.Count);
        Assert.Equal(await DigestAsync(server, data), await DigestAsync(server, both.Snapshots.Single(s => s.VolumeId == data).SnapshotId));
    }

    [Fact]
    public async Task ModifyInstanceAttribute_RootKeptOnTermination_VolumeSurvivesAvailable()
    {
        await using var server = await TestCloud.StartAsync();
        using var owner = Client(server, Images);
        var instance = await LaunchAsync(owner, PublicImageId);
        var root = instance.BlockDeviceMappings.Single(m => m.DeviceName == instance.RootDeviceName);
        Assert.True(root.Ebs.DeleteOnTermination);

        await owner.ModifyInstanceAttributeAsync(new ModifyInstanceAttributeRequest
        {
            InstanceId = instance.InstanceId,
            BlockDeviceMappings = [new InstanceBlockDeviceMappingSpecification { DeviceName = instance.RootDeviceName, Ebs = new EbsInstanceBlockDeviceSpecification { DeleteOnTermination = false } }],
        }, TestCloud.Timeout);
        var unsupported = await FailsAsync(() => owner.ModifyInstanceAttributeAsync(new ModifyInstanceAttributeRequest { InstanceId = instance.InstanceId, Kernel = "aki-12345678" }, TestCloud.Timeout));
        Assert.False((await DescribeAsync(owner, instance.InstanceId)).BlockDeviceMappings.Single(m => m.DeviceName == instance.RootDeviceName).Ebs.DeleteOnTermination);
        await owner.TerminateInstancesAsync(new TerminateInstancesRequest { InstanceIds = [instance.InstanceId] }, TestCloud.Timeout);

        Assert.Equal("UnsupportedOperation", unsupported.ErrorCode);
        Assert.Equal("available", (await VolumeAsync(owner, root.Ebs.VolumeId)).State.Value);
    }

    [Theory]
    [InlineData("gp3", null, null, false, null, 3000, 125)]
    [InlineData("gp3", 4000, 200, false, null, 4000, 200)]
    [InlineData("io2", 300, null, true, null, 300, null)]
    [InlineData("io1", 300, null, true, null, 300, null)]
    [InlineData("gp2", null, null, false, null, 100, null)]
    [InlineData("gp2", null, 200, false, "InvalidParameterCombination", 0, null)]
    [InlineData("gp3", null, null, true, "InvalidParameterCombination", 0, null)]
    [InlineData("standard", 500, null, false, "InvalidParameterCombination", 0, null)]
    [InlineData("io1", null, null, false, "MissingParameter", 0, null)]
    [InlineData("gp3", 2000, null, false, "InvalidParameterValue", 0, null)]
    [InlineData("gp3", null, 2001, false, "InvalidParameterValue", 0, null)]
    [InlineData("io1", 64001, null, false, "InvalidParameterValue", 0, null)]
    [InlineData("gp4", null, null, false, "InvalidParameterValue", 0, null)]
    public async Task CreateVolume_PerformanceParameters_KeptOrRefusedAsEc2Documents(string type, int? iops, int? throughput, bool multiAttach, string? error, int expectedIops, int? expectedThroughput)
    {
        await using var server = await TestCloud.StartAsync();
        using var owner = Client(server, Images);
        var request = new CreateVolumeRequest { AvailabilityZone = Zone, Size = 10, VolumeType = type, Iops = iops, Throughput = throughput, MultiAttachEnabled = multiAttach ? true : null };

        if (error is not null)
        {
            Assert.Equal(error, (await FailsAsync(() => owner.CreateVolumeAsync(request, TestCloud.Timeout))).ErrorCode);
            Assert.Empty((await owner.DescribeVolumesAsync(new DescribeVolumesRequest(), TestCloud.Timeout)).Volumes ?? []);
            return;
        }

        var created = await owner.CreateVolumeAsync(request, TestCloud.Timeout);
        var described = await VolumeAsync(owner, created.Volume.VolumeId);
        Assert.Equal((type, expectedIops, expectedThroughput, multiAttach), (described.VolumeType.Value, described.Iops ?? 0, described.Throughput, described.MultiAttachEnabled ?? false));
    }

    [Fact]
    public async Task CreateVolume_DefaultsAndKmsKeyWithoutEncrypted_AsCreateVolumeDocuments()
    {
        await using var server = await TestCloud.StartAsync();
        using var owner = Client(server, Images);

        var created = await owner.CreateVolumeAsync(new CreateVolumeRequest { AvailabilityZone = Zone, Size = 100 }, TestCloud.Timeout);
        var keyWithoutEncrypted = await FailsAsync(() => owner.CreateVolumeAsync(new CreateVolumeRequest { AvailabilityZone = Zone, Size = 1, KmsKeyId = "alias/aws/ebs" }, TestCloud.Timeout));
        var noSize = await FailsAsync(() => owner.CreateVolumeAsync(new CreateVolumeRequest { AvailabilityZone = Zone }, TestCloud.Timeout));

        Assert.Equal(("gp2", 300), (created.Volume.VolumeType.Value, created.Volume.Iops ?? 0));
        Assert.Equal("InvalidParameterDependency", keyWithoutEncrypted.ErrorCode);
        Assert.Equal(("MissingParameter", "The request must contain the parameter size/snapshot"), (noSize.ErrorCode, noSize.Message));
    }
}
