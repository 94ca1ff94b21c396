using Amazon.EC2;
using Amazon.EC2.Model;
using AmiShare.LocalCloud.Services.Ec2;
using AmiShare.LocalCloud.Tests.Kms;
using AmiShare.LocalCloud.Tests.Support;
using static AmiShare.LocalCloud.Tests.Ec2.Ec2TestKit;

namespace AmiShare.LocalCloud.Tests.Ec2;

public sealed class Ec2LaunchAndCopyTests
{
    [Fact]
    public async Task RunInstances_PublicImage_PendingThenRunningWithSameContent()
    {
        await using var server = await TestCloud.StartAsync();
        using var ec2 = Client(server, Partner);

        var run = await ec2.RunInstancesAsync(new RunInstancesRequest { ImageId = PublicImageId, MinCount = 2, MaxCount = 2 }, TestCloud.Timeout);
        var described = await ec2.DescribeInstancesAsync(new DescribeInstancesRequest { Filters = [new Filter("instance-state-name", ["running"])] }, TestCloud.Timeout);
        var volumes = await ec2.DescribeVolumesAsync(new DescribeVolumesRequest(), TestCloud.Timeout);

        Assert.All(run.Reservation.Instances, i => Assert.Equal("pending", i.State.Name.Value));
        Assert.Equal(2, Assert.Single(described.Reservations).Instances.Count);
        Assert.Equal(2, volumes.Volumes.Count);
        var expected = await DigestAsync(server, Services.Ec2.Ec2PublicImageSeed.SeedSnapshotId(PublicImageId));
        foreach (var volume in volumes.Volumes)
        {
            Assert.Equal(expected, await DigestAsync(server, volume.VolumeId));
            Assert.False(volume.Encrypted);
        }
    }

    [Fact]
    public async Task RunInstances_ClientToken_IsIdempotent()
    {
        await using var server = await TestCloud.StartAsync();
        using var ec2 = Client(server, Prod);
        var request = new RunInstancesRequest { ImageId = PublicImageId, MinCount = 1, MaxCount = 1, ClientToken = "launch-once" };

        var first = await ec2.RunInstancesAsync(request, TestCloud.Timeout);
        var second = await ec2.RunInstancesAsync(request, TestCloud.Timeout);
        var mismatch = await FailsAsync(() => ec2.RunInstancesAsync(new RunInstancesRequest { ImageId = PublicImageId, MinCount = 1, MaxCount = 2, ClientToken = "launch-once" }, TestCloud.Timeout));
        var all = await ec2.DescribeInstancesAsync(new DescribeInstancesRequest(), TestCloud.Timeout);

        Assert.Equal(first.Reservation.Instances[0].InstanceId, second.Reservation.Instances[0].InstanceId);
        Assert.Equal("IdempotentParameterMismatch", mismatch.ErrorCode);
        Assert.Single(Assert.Single(all.Reservations).Instances);
    }

    [Fact]
    public async Task RunInstances_DryRun_412ForAllowedAnd403ForUserWithoutPermission()
    {
        await using var server = await TestCloud.StartAsync();
        using var root = Client(server, Prod);
        using var user = Client(server, await KmsTestKit.UserAsync(server, Prod, "viewer", KmsTestKit.Allow("ec2:Describe*")));
        var request = new RunInstancesRequest { ImageId = PublicImageId, MinCount = 1, MaxCount = 1, DryRun = true };

        var allowed = await FailsAsync(() => root.RunInstancesAsync(request, TestCloud.Timeout));
        var denied = await FailsAsync(() => user.RunInstancesAsync(request, TestCloud.Timeout));

        Assert.Equal(("DryRunOperation", 412), (allowed.ErrorCode, (int)allowed.StatusCode));
        Assert.Equal(("UnauthorizedOperation", 403), (denied.ErrorCode, (int)denied.StatusCode));
        Assert.Null((await root.DescribeInstancesAsync(new DescribeInstancesRequest(), TestCloud.Timeout)).Reservations);
    }

    [Fact]
    public async Task TerminateInstances_Running_TerminatesAndDeletesVolumes()
    {
        await using var server = await TestCloud.StartAsync();
        using var ec2 = Client(server, Prod);
        var instance = await LaunchAsync(ec2, PublicImageId);

        var terminated = await ec2.TerminateInstancesAsync(new TerminateInstancesRequest { InstanceIds = [instance.InstanceId] }, TestCloud.Timeout);
        var after = await DescribeAsync(ec2, instance.InstanceId);
        var missing = await FailsAsync(() => ec2.TerminateInstancesAsync(new TerminateInstancesRequest { InstanceIds = ["i-0123456789abcdef0"] }, TestCloud.Timeout));

        Assert.Equal("running", Assert.Single(terminated.TerminatingInstances).PreviousState.Name.Value);
        Assert.Equal("terminated", after.State.Name.Value);
        Assert.Null((await ec2.DescribeVolumesAsync(new DescribeVolumesRequest(), TestCloud.Timeout)).Volumes);
        Assert.Equal("InvalidInstanceID.NotFound", missing.ErrorCode);
    }

    [Fact]
    public async Task EncryptedVolume_StoredBlocks_AreSealedNotPlaintext()
    {
        var dataFile = Path.Combine(Path.GetTempPath(), $"ec2-sealed-{Guid.NewGuid():N}.db");
        try
        {
            string volumeId;
            await using (var server = await TestCloud.StartAsync(dataFile: dataFile))
            {
                using var ec2 = Client(server, Images);
                var key = await SharedKeyArnAsync(server);
                var instance = await LaunchAsync(ec2, PublicImageId, Encrypt(key));
                volumeId = instance.BlockDeviceMappings[0].Ebs.VolumeId;
                var volume = Assert.Single((await ec2.DescribeVolumesAsync(new DescribeVolumesRequest { VolumeIds = [volumeId] }, TestCloud.Timeout)).Volumes);
                Assert.True(volume.Encrypted);
                Assert.Equal(key, volume.KmsKeyId);
                Assert.Equal(await DigestAsync(server, Ec2PublicImageSeed.SeedSnapshotId(PublicImageId)), await DigestAsync(server, volumeId));
            }

            using var plain = new Ec2ContentStore(null);
            var seed = plain.Transform(new Ec2ContentRef("seed", 4L * Ec2ContentStore.BlockSize, PublicImageId), null, "plain", null);
            using var stored = new Ec2ContentStore(dataFile);
            var sealedBlock = stored.ReadRawBlock("content-" + volumeId, 0)!;
            var plainBlock = plain.ReadRawBlock("plain", 0)!;

            Assert.Equal(plainBlock.Length + 28, sealedBlock.Length);
            Assert.False(sealedBlock.AsSpan(28).SequenceEqual(plainBlock));
            Assert.Equal(plain.Sha256(new Ec2ContentRef("seed", 4L * Ec2ContentStore.BlockSize, PublicImageId), null), plain.Sha256(seed, null));
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
    public async Task ModifyImageAttribute_AwsManagedKeySnapshots_RefusedAsAws()
    {
        await using var server = await TestCloud.StartAsync();
        using var owner = Client(server, Images);
        await owner.EnableEbsEncryptionByDefaultAsync(new EnableEbsEncryptionByDefaultRequest(), TestCloud.Timeout);
        var image = await OwnerImageAsync(owner, "aws-managed");
        var snapshotId = (await ImageAsync(owner, image)).BlockDeviceMappings[0].Ebs.SnapshotId;

        var imageError = await FailsAsync(() => ShareAsync(owner, image, new LaunchPermission { UserId = Prod }));
        var snapshotError = await FailsAsync(() => owner.ModifySnapshotAttributeAsync(new ModifySnapshotAttributeRequest
        {
            SnapshotId = snapshotId,
            CreateVolumePermission = new CreateVolumePermissionModifications { Add = [new CreateVolumePermission { UserId = Prod }] },
        }, TestCloud.Timeout));

        Assert.True((await ImageAsync(owner, image)).BlockDeviceMappings[0].Ebs.Encrypted);
        Assert.Equal("InvalidParameter", imageError.ErrorCode);
        Assert.Equal("Snapshots encrypted with the AWS Managed CMK can't be shared. Specify another snapshot.", imageError.Message);
        Assert.Equal("OperationNotPermitted", snapshotError.ErrorCode);
        Assert.Equal("Encrypted snapshots with EBS default key cannot be shared", snapshotError.Message);
    }

    [Fact]
    public async Task ModifyImageAttribute_EncryptedImagePublic_Refused()
    {
        await using var server = await TestCloud.StartAsync();
        using var owner = Client(server, Images);
        var image = await OwnerImageAsync(owner, "encrypted-public", await SharedKeyArnAsync(server));

        var error = await FailsAsync(() => ShareAsync(owner, image, new LaunchPermission { Group = PermissionGroup.All }));

        Assert.Equal("UnsupportedOperation", error.ErrorCode);
    }

    [Fact]
    public async Task RunInstances_SharedEncryptedImageWithKeyPolicy_RunsUnderTargetDefaultKeyWithSameContent()
    {
        await using var server = await TestCloud.StartAsync();
        using var owner = Client(server, Images);
        using var prod = Client(server, Prod);
        var key = await SharedKeyArnAsync(server, Prod);
        var image = await OwnerImageAsync(owner, "shared-encrypted", key);
        await ShareAsync(owner, image, new LaunchPermission { UserId = Prod });
        var snapshotId = (await ImageAsync(owner, image)).BlockDeviceMappings[0].Ebs.SnapshotId;

        var instance = await LaunchAsync(prod, image);
        var volume = Assert.Single((await prod.DescribeVolumesAsync(new DescribeVolumesRequest(), TestCloud.Timeout)).Volumes);

        Assert.Equal("running", instance.State.Name.Value);
        Assert.True(volume.Encrypted);
        Assert.StartsWith($"arn:aws:kms:{TestCloud.Region}:{Prod}:key/", volume.KmsKeyId, StringComparison.Ordinal);
        Assert.Equal(await DigestAsync(server, snapshotId), await DigestAsync(server, volume.VolumeId));
        Assert.Equal(await DigestAsync(server, Ec2PublicImageSeed.SeedSnapshotId(PublicImageId)), await DigestAsync(server, volume.VolumeId));
    }

    [Fact]
    public async Task RunInstances_KeyPolicyMissesTarget_InstanceTerminatesWithKmsReason()
    {
        await using var server = await TestCloud.StartAsync();
        using var owner = Client(server, Images);
        using var prod = Client(server, Prod);
        var image = await OwnerImageAsync(owner, "key-not-shared", await SharedKeyArnAsync(server));
        await ShareAsync(owner, image, new LaunchPermission { UserId = Prod });

        var instance = await LaunchAsync(prod, image);

        Assert.Equal("terminated", instance.State.Name.Value);
        Assert.Equal("Client.InvalidKMSKey.InvalidState", instance.StateReason.Code);
        Assert.Equal("Client.InvalidKMSKey.InvalidState: The KMS key provided is in an incorrect state", instance.StateReason.Message);
        Assert.Null((await prod.DescribeVolumesAsync(new DescribeVolumesRequest(), TestCloud.Timeout)).Volumes);
    }

    [Fact]
    public async Task RunInstances_TargetUserWithoutKmsPermission_InstanceTerminates()
    {
        await using var server = await TestCloud.StartAsync();
        using var owner = Client(server, Images);
        var image = await OwnerImageAsync(owner, "iam-missing", await SharedKeyArnAsync(server, Prod));
        await ShareAsync(owner, image, new LaunchPermission { UserId = Prod });
        using var ec2Only = Client(server, await KmsTestKit.UserAsync(server, Prod, "ec2-only", KmsTestKit.Allow("ec2:*")));
        using var withKms = Client(server, await KmsTestKit.UserAsync(server, Prod, "ec2-and-kms", KmsTestKit.Allow("ec2:*,kms:*")));

        var refused = await LaunchAsync(ec2Only, image);
        var allowed = await LaunchAsync(withKms, image);

        Assert.Equal("terminated", refused.State.Name.Value);
        Assert.Equal("Client.InvalidKMSKey.InvalidState", refused.StateReason.Code);
        Assert.Equal("running", allowed.State.Name.Value);
    }

    [Fact]
    public async Task CopyImage_SnapshotNotShared_Fails()
    {
        await using var server = await TestCloud.StartAsync();
        using var owner = Client(server, Images);
        using var prod = Client(server, Prod);
        var image = await OwnerImageAsync(owner, "launch-only", await SharedKeyArnAsync(server, Prod));
        await ShareAsync(owner, image, new LaunchPermission { UserId = Prod });

        var error = await FailsAsync(() => prod.CopyImageAsync(new CopyImageRequest { SourceImageId = image, SourceRegion = TestCloud.Region, Name = "copy" }, TestCloud.Timeout));

        Assert.Equal("InvalidRequest", error.ErrorCode);
        Assert.StartsWith("You do not have permission to access the storage of this ami", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CopyImage_CrossAccountWithSnapshotShare_ReEncryptsUnderTargetKeyWithSameContent()
    {
        await using var server = await TestCloud.StartAsync();
        using var owner = Client(server, Images);
        using var prod = Client(server, Prod);
        using var prodKms = KmsTestKit.Client(server, Prod);
        var (image, sourceSnapshot) = await ImageSharedWithProdAsync(owner, "copy-me", await SharedKeyArnAsync(server, Prod));
        var targetKey = (await KmsTestKit.CreateKeyAsync(prodKms)).Arn;
        var request = new CopyImageRequest { SourceImageId = image, SourceRegion = TestCloud.Region, Name = "prod-copy", Encrypted = true, KmsKeyId = targetKey, ClientToken = "copy-once" };

        var copy = await prod.CopyImageAsync(request, TestCloud.Timeout);
        var again = await prod.CopyImageAsync(request, TestCloud.Timeout);
        var copied = await ImageAsync(prod, copy.ImageId);
        var copySnapshotId = copied.BlockDeviceMappings[0].Ebs.SnapshotId;
        var copySnapshot = Assert.Single((await prod.DescribeSnapshotsAsync(new DescribeSnapshotsRequest { SnapshotIds = [copySnapshotId] }, TestCloud.Timeout)).Snapshots);
        var launched = await LaunchAsync(prod, copy.ImageId);
        var volumeId = launched.BlockDeviceMappings[0].Ebs.VolumeId;

        Assert.Equal(copy.ImageId, again.ImageId);
        Assert.Equal(ImageState.Available, copied.State);
        Assert.Equal(Prod, copySnapshot.OwnerId);
        Assert.Equal(targetKey, copySnapshot.KmsKeyId);
        Assert.Equal(await DigestAsync(server, sourceSnapshot), await DigestAsync(server, copySnapshotId));
        Assert.Equal("running", launched.State.Name.Value);
        Assert.Equal(await DigestAsync(server, sourceSnapshot), await DigestAsync(server, volumeId));
    }

    [Fact]
    public async Task CopyImage_EncryptedSourceWithEncryptedFalse_Refused()
    {
        await using var server = await TestCloud.StartAsync();
        using var owner = Client(server, Images);
        var image = await OwnerImageAsync(owner, "stay-encrypted", await SharedKeyArnAsync(server));

        var error = await FailsAsync(() => owner.CopyImageAsync(new CopyImageRequest { SourceImageId = image, SourceRegion = TestCloud.Region, Name = "plain", Encrypted = false }, TestCloud.Timeout));

        Assert.Equal("InvalidParameterCombination", error.ErrorCode);
    }

    [Fact]
    public async Task CopyImage_AwsManagedToCustomerKeyInOtherRegion_CopyCanBeShared()
    {
        await using var server = await TestCloud.StartAsync();
        using var owner = Client(server, Images);
        using var ownerEu = Client(server, Images, "eu-west-1");
        await owner.EnableEbsEncryptionByDefaultAsync(new EnableEbsEncryptionByDefaultRequest(), TestCloud.Timeout);
        var image = await OwnerImageAsync(owner, "managed-source");
        using var kmsEu = new Amazon.KeyManagementService.AmazonKeyManagementServiceClient(
            new Amazon.Runtime.BasicAWSCredentials(server.Account(Images).RootAccessKeyId, server.Account(Images).RootSecretAccessKey),
            new Amazon.KeyManagementService.AmazonKeyManagementServiceConfig { ServiceURL = server.Endpoint.ToString(), AuthenticationRegion = "eu-west-1", MaxErrorRetry = 0 });
        var euKey = (await KmsTestKit.CreateKeyAsync(kmsEu)).Arn;

        var copy = await ownerEu.CopyImageAsync(new CopyImageRequest { SourceImageId = image, SourceRegion = TestCloud.Region, Name = "customer-copy", Encrypted = true, KmsKeyId = euKey }, TestCloud.Timeout);
        await ShareAsync(ownerEu, copy.ImageId, new LaunchPermission { UserId = Prod });
        var copied = await ImageAsync(ownerEu, copy.ImageId);

        Assert.Equal(TestCloud.Region, copied.SourceImageRegion);
        Assert.Equal(image, copied.SourceImageId);
        Assert.Equal(await DigestAsync(server, (await ImageAsync(owner, image)).BlockDeviceMappings[0].Ebs.SnapshotId), await DigestAsync(server, copied.BlockDeviceMappings[0].Ebs.SnapshotId));
    }

    [Fact]
    public async Task CopySnapshot_SdkPresignedUrl_AcceptedAndCopied()
    {
        await using var server = await TestCloud.StartAsync();
        using var owner = Client(server, Images);
        var snapshotId = (await ImageAsync(owner, await OwnerImageAsync(owner, "snap-source"))).BlockDeviceMappings[0].Ebs.SnapshotId;

        var copy = await owner.CopySnapshotAsync(new CopySnapshotRequest { SourceSnapshotId = snapshotId, SourceRegion = TestCloud.Region, Description = "copy" }, TestCloud.Timeout);
        var copied = Assert.Single((await owner.DescribeSnapshotsAsync(new DescribeSnapshotsRequest { SnapshotIds = [copy.SnapshotId] }, TestCloud.Timeout)).Snapshots);

        Assert.Equal(SnapshotState.Completed, copied.State);
        Assert.Equal(await DigestAsync(server, snapshotId), await DigestAsync(server, copy.SnapshotId));
    }

    [Fact]
    public async Task CreateVolume_SharedEncryptedSnapshotNotOwned_Refused()
    {
        await using var server = await TestCloud.StartAsync();
        using var owner = Client(server, Images);
        using var prod = Client(server, Prod);
        var snapshotId = (await ImageAsync(owner, await OwnerImageAsync(owner, "vol-source", await SharedKeyArnAsync(server, Prod)))).BlockDeviceMappings[0].Ebs.SnapshotId;
        await owner.ModifySnapshotAttributeAsync(new ModifySnapshotAttributeRequest
        {
            SnapshotId = snapshotId,
            CreateVolumePermission = new CreateVolumePermissionModifications { Add = [new CreateVolumePermission { UserId = Prod }] },
        }, TestCloud.Timeout);

        var visible = await prod.DescribeSnapshotsAsync(new DescribeSnapshotsRequest { RestorableByUserIds = ["self"], OwnerIds = [Images] }, TestCloud.Timeout);
        var error = await FailsAsync(() => prod.CreateVolumeAsync(new CreateVolumeRequest { SnapshotId = snapshotId, AvailabilityZone = TestCloud.Region + "a" }, TestCloud.Timeout));
        var ownVolume = await owner.CreateVolumeAsync(new CreateVolumeRequest { SnapshotId = snapshotId, AvailabilityZone = TestCloud.Region + "a" }, TestCloud.Timeout);

        Assert.Equal(snapshotId, Assert.Single(visible.Snapshots).SnapshotId);
        Assert.Equal("OperationNotPermitted", error.ErrorCode);
        Assert.True(ownVolume.Volume.Encrypted);
        Assert.Equal(await DigestAsync(server, snapshotId), await DigestAsync(server, ownVolume.Volume.VolumeId));
    }

    [Fact]
    public async Task EbsDefaults_ModifyGetReset_RoundTrip()
    {
        await using var server = await TestCloud.StartAsync();
        using var ec2 = Client(server, Prod);
        using var kms = KmsTestKit.Client(server, Prod);
        var key = (await KmsTestKit.CreateKeyAsync(kms)).Arn;

        var initial = await ec2.GetEbsDefaultKmsKeyIdAsync(new GetEbsDefaultKmsKeyIdRequest(), TestCloud.Timeout);
        var modified = await ec2.ModifyEbsDefaultKmsKeyIdAsync(new ModifyEbsDefaultKmsKeyIdRequest { KmsKeyId = key }, TestCloud.Timeout);
        await ec2.EnableEbsEncryptionByDefaultAsync(new EnableEbsEncryptionByDefaultRequest(), TestCloud.Timeout);
        var byDefault = await ec2.GetEbsEncryptionByDefaultAsync(new GetEbsEncryptionByDefaultRequest(), TestCloud.Timeout);
        var instance = await LaunchAsync(ec2, PublicImageId);
        var volume = Assert.Single((await ec2.DescribeVolumesAsync(new DescribeVolumesRequest(), TestCloud.Timeout)).Volumes);
        var reset = await ec2.ResetEbsDefaultKmsKeyIdAsync(new ResetEbsDefaultKmsKeyIdRequest(), TestCloud.Timeout);
        var unknown = await FailsAsync(() => ec2.ModifyEbsDefaultKmsKeyIdAsync(new ModifyEbsDefaultKmsKeyIdRequest { KmsKeyId = "alias/none" }, TestCloud.Timeout));

        Assert.Equal("alias/aws/ebs", initial.KmsKeyId);
        Assert.Equal(key, modified.KmsKeyId);
        Assert.True(byDefault.EbsEncryptionByDefault);
        Assert.Equal("running", instance.State.Name.Value);
        Assert.Equal(key, volume.KmsKeyId);
        Assert.Equal("alias/aws/ebs", reset.KmsKeyId);
        Assert.Equal("InvalidParameterValue", unknown.ErrorCode);
    }
}
