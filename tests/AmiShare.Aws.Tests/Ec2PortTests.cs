using System.Collections.Immutable;
using AmiShare.Aws.Tests.Support;
using AmiShare.Core.Model;
using AmiShare.Core.Ports;
using static AmiShare.Aws.Tests.Support.AwsTestCloud;

namespace AmiShare.Aws.Tests;

/// <summary>The EC2 half of <see cref="ICloudAccount"/> against LocalCloud: allowed and denied cases.</summary>
public sealed class Ec2PortTests
{
    [Fact]
    public async Task GetCallerIdentityAsync_RootCredentials_AccountAndCachedAfterFirstCall()
    {
        await using var cloud = await StartAsync();
        await using var account = await cloud.AccountAsync(Prod);

        var first = await account.GetCallerIdentityAsync(Deadline);
        var second = await account.GetCallerIdentityAsync(Deadline);

        Assert.Equal((Prod, "arn:aws:iam::222222222222:root", "aws"), (first.Account, first.Arn, first.Partition));
        Assert.Same(first, second);
        Assert.Equal(1, cloud.Counter.CountOf("sts:GetCallerIdentity"));
    }

    [Fact]
    public async Task DescribeOwnedImagesAsync_ByIdNameAndAll_OnlyOwnedImages()
    {
        await using var cloud = await StartAsync();
        await using var images = await cloud.AccountAsync(Images);
        var first = await cloud.CreateImageAsync(Images, "first");
        var second = await cloud.CreateImageAsync(Images, "second");

        var all = await images.DescribeOwnedImagesAsync(Region, ImageQuery.All, Deadline);
        var byId = await images.DescribeOwnedImagesAsync(Region, new ImageQuery(ImageIds: [second]), Deadline);
        var byName = await images.DescribeOwnedImagesAsync(Region, new ImageQuery(Names: ["first"]), Deadline);

        Assert.Equal(new[] { first, second }.Order(StringComparer.Ordinal), all.Select(i => i.Id).Order(StringComparer.Ordinal));
        var described = Assert.Single(byId);
        Assert.Equal((second, "second", Images, Region, Ec2ImageState.Available), (described.Id, described.Name, described.OwnerId, described.Region, described.State));
        Assert.NotNull(Assert.Single(described.BlockDevices).SnapshotId);
        Assert.Equal(first, Assert.Single(byName).Id);
    }

    [Fact]
    public async Task DescribeOwnedImagesAsync_SmallPages_FollowsNextToken()
    {
        await using var cloud = await StartAsync(DefaultSettings() with { PageSize = 6 });
        await using var images = await cloud.AccountAsync(Images);
        var created = new List<string>();
        for (var i = 0; i < 7; i++)
        {
            created.Add(await cloud.CreateImageAsync(Images, "paged-" + i));
        }

        var all = await images.DescribeOwnedImagesAsync(Region, ImageQuery.All, Deadline);

        Assert.Equal(created.Order(StringComparer.Ordinal), all.Select(i => i.Id).Order(StringComparer.Ordinal));
        Assert.Equal(2, cloud.Counter.CountOf("ec2:DescribeImages"));
    }

    [Fact]
    public async Task DescribeVisibleImageAsync_SharedOrNot_ImageOrNull()
    {
        await using var cloud = await StartAsync();
        await using var images = await cloud.AccountAsync(Images);
        await using var prod = await cloud.AccountAsync(Prod);
        await using var dev = await cloud.AccountAsync(Dev);
        var image = await cloud.CreateImageAsync(Images, "visible");
        await images.ModifyLaunchPermissionsAsync(Region, image, [ShareTarget.Account(Prod)], [], Deadline);

        var seenByProd = await prod.DescribeVisibleImageAsync(Region, image, Deadline);
        var seenByDev = await dev.DescribeVisibleImageAsync(Region, image, Deadline);
        var publicImage = await dev.DescribeVisibleImageAsync(Region, PublicImageId, Deadline);

        Assert.Equal(Images, seenByProd?.OwnerId);
        Assert.Null(seenByDev);
        Assert.True(publicImage?.IsPublic);
    }

    [Fact]
    public async Task ModifyLaunchPermissionsAsync_AddAndRemove_GetReflectsEveryKind()
    {
        await using var cloud = await StartAsync();
        await using var images = await cloud.AccountAsync(Images);
        var image = await cloud.CreateImageAsync(Images, "shared");
        var org = ShareTarget.Parse("arn:aws:organizations::100000000000:organization/o-amishare01").Target!;
        var ou = ShareTarget.Parse("arn:aws:organizations::100000000000:ou/o-amishare01/ou-ams1-prodacct").Target!;

        await images.ModifyLaunchPermissionsAsync(Region, image, [ShareTarget.Account(Prod), ShareTarget.Account(Dev), org, ou], [], Deadline);
        await images.ModifyLaunchPermissionsAsync(Region, image, [], [ShareTarget.Account(Dev)], Deadline);
        var permissions = await images.GetLaunchPermissionsAsync(Region, image, Deadline);

        Assert.False(permissions.IsPublic);
        Assert.Equal(
            new[] { Prod, org.Value, ou.Value }.Order(StringComparer.Ordinal),
            permissions.Targets.Select(t => t.Value).Order(StringComparer.Ordinal));
        Assert.Contains(permissions.Targets, t => t.Kind == ShareTargetKind.OrganizationalUnit && t.OuId == "ou-ams1-prodacct");
    }

    [Fact]
    public async Task ModifyLaunchPermissionsAsync_NotOwner_AccessDenied()
    {
        await using var cloud = await StartAsync();
        await using var images = await cloud.AccountAsync(Images);
        await using var prod = await cloud.AccountAsync(Prod);
        var image = await cloud.CreateImageAsync(Images, "not-yours");
        await images.ModifyLaunchPermissionsAsync(Region, image, [ShareTarget.Account(Prod)], [], Deadline);

        var error = await Assert.ThrowsAsync<CloudOperationException>(() => prod.ModifyLaunchPermissionsAsync(Region, image, [ShareTarget.Account(Dev)], [], Deadline));
        var read = await Assert.ThrowsAsync<CloudOperationException>(() => prod.GetLaunchPermissionsAsync(Region, image, Deadline));

        Assert.Equal((CloudErrorKind.AccessDenied, "ModifyImageAttribute"), (error.Kind, error.Operation));
        Assert.Contains("ec2:ModifyImageAttribute", error.Fix, StringComparison.Ordinal);
        Assert.Equal(CloudErrorKind.AccessDenied, read.Kind);
    }

    [Fact]
    public async Task GetLaunchPermissionsAsync_UnknownImage_NotFoundWithFix()
    {
        await using var cloud = await StartAsync();
        await using var images = await cloud.AccountAsync(Images);

        var error = await Assert.ThrowsAsync<CloudOperationException>(() => images.GetLaunchPermissionsAsync(Region, "ami-0123456789abcdef0", Deadline));

        Assert.Equal((CloudErrorKind.NotFound, "InvalidAMIID.NotFound"), (error.Kind, error.Code));
        Assert.Contains("ami-0123456789abcdef0", error.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreateVolumePermissions_AddGetRemove_RoundTrip()
    {
        await using var cloud = await StartAsync(DefaultSettings() with { PageSize = 1 });
        await using var images = await cloud.AccountAsync(Images);
        var key = await cloud.CreateKeyAsync(Images);
        var first = await images.DescribeOwnedImagesAsync(Region, new ImageQuery(ImageIds: [await cloud.CreateImageAsync(Images, "snapshots", key.Arn)]), Deadline);
        var second = await images.DescribeOwnedImagesAsync(Region, new ImageQuery(ImageIds: [await cloud.CreateImageAsync(Images, "snapshots-2")]), Deadline);
        var snapshotIds = new[] { first[0].BlockDevices[0].SnapshotId!, second[0].BlockDevices[0].SnapshotId! };

        var snapshots = await images.DescribeSnapshotsAsync(Region, snapshotIds, Deadline);
        await images.ModifyCreateVolumePermissionsAsync(Region, snapshotIds[0], [Prod, Dev], [], Deadline);
        await images.ModifyCreateVolumePermissionsAsync(Region, snapshotIds[0], [], [Dev], Deadline);
        var permissions = await images.GetCreateVolumePermissionsAsync(Region, snapshotIds[0], Deadline);

        Assert.Equal(snapshotIds, snapshots.Select(s => s.Id));
        Assert.Equal((true, key.Arn, Images, Region), (snapshots[0].Encrypted, snapshots[0].KmsKeyId, snapshots[0].OwnerId, snapshots[0].Region));
        Assert.False(snapshots[1].Encrypted);
        Assert.Equal(Prod, Assert.Single(permissions));
        Assert.Equal(2, cloud.Counter.CountOf("ec2:DescribeSnapshots"));
    }

    [Fact]
    public async Task DescribeSnapshotsAsync_NotSharedOrUnknown_LeftOutOfTheAnswer()
    {
        await using var cloud = await StartAsync();
        await using var images = await cloud.AccountAsync(Images);
        await using var prod = await cloud.AccountAsync(Prod);
        var image = (await images.DescribeOwnedImagesAsync(Region, new ImageQuery(ImageIds: [await cloud.CreateImageAsync(Images, "private")]), Deadline))[0];
        var snapshot = image.BlockDevices[0].SnapshotId!;

        var notShared = await prod.DescribeSnapshotsAsync(Region, [snapshot], Deadline);
        var mixed = await images.DescribeSnapshotsAsync(Region, [snapshot, "snap-0123456789abcdef0"], Deadline);

        Assert.Empty(notShared);
        Assert.Equal([snapshot], mixed.Select(s => s.Id));
    }

    [Fact]
    public async Task DescribeOwnedImagesAsync_OneUnknownIdAmongKnown_OnlyTheKnown()
    {
        await using var cloud = await StartAsync();
        await using var images = await cloud.AccountAsync(Images);
        var known = await cloud.CreateImageAsync(Images, "known");

        var found = await images.DescribeOwnedImagesAsync(Region, new ImageQuery(ImageIds: [known, "ami-0123456789abcdef0"]), Deadline);
        var unknown = await images.DescribeOwnedImagesAsync(Region, new ImageQuery(ImageIds: ["ami-0123456789abcdef0"]), Deadline);

        Assert.Equal([known], found.Select(i => i.Id));
        Assert.Empty(unknown);
    }

    [Fact]
    public async Task CopyImageAsync_WithKeyAndTags_EncryptedTaggedIdempotentAndFoundAsCopy()
    {
        await using var cloud = await StartAsync();
        await using var images = await cloud.AccountAsync(Images);
        var key = await cloud.CreateKeyAsync(Images);
        var source = await cloud.CreateImageAsync(Images, "source");
        var command = new CopyImageCommand(Region, Region, source, "source-copy", key.Arn, "token-1", ImmutableDictionary<string, string>.Empty.Add(ImageDescription.CopyTag, source));

        var copy = await images.CopyImageAsync(command, Deadline);
        var again = await images.CopyImageAsync(command, Deadline);
        var found = await images.DescribeOwnedImagesAsync(Region, new ImageQuery(CopiesOf: [source]), Deadline);

        Assert.Equal(copy, again);
        var described = Assert.Single(found);
        Assert.Equal((copy, source), (described.Id, described.CopyOf));
        Assert.All(described.BlockDevices, d => Assert.Equal((true, key.Arn), (d.Encrypted, d.KmsKeyId)));
    }

    [Fact]
    public async Task CopyImageAsync_SourceNotShared_NotFound()
    {
        await using var cloud = await StartAsync();
        await using var prod = await cloud.AccountAsync(Prod);
        var source = await cloud.CreateImageAsync(Images, "unshared");

        var error = await Assert.ThrowsAsync<CloudOperationException>(() => prod.CopyImageAsync(new CopyImageCommand(Region, Region, source, "copy", null, "t", ImmutableDictionary<string, string>.Empty), Deadline));

        Assert.Equal(CloudErrorKind.NotFound, error.Kind);
    }

    [Fact]
    public async Task RunInstanceAsync_DryRunAllowed_NullAndNothingLaunched()
    {
        await using var cloud = await StartAsync();
        await using var prod = await cloud.AccountAsync(Prod);

        var result = await prod.RunInstanceAsync(Region, PublicImageId, "t3.micro", null, dryRun: true, Deadline);

        Assert.Null(result);
        var instances = await cloud.Ec2(Prod).DescribeInstancesAsync(new Amazon.EC2.Model.DescribeInstancesRequest(), Deadline);
        Assert.Empty(instances.Reservations ?? []);
    }

    [Fact]
    public async Task RunInstanceAsync_DryRunNotShared_NotFound()
    {
        await using var cloud = await StartAsync();
        await using var prod = await cloud.AccountAsync(Prod);
        var image = await cloud.CreateImageAsync(Images, "no-launch");

        var error = await Assert.ThrowsAsync<CloudOperationException>(() => prod.RunInstanceAsync(Region, image, "t3.micro", null, dryRun: true, Deadline));

        Assert.Equal(CloudErrorKind.NotFound, error.Kind);
    }

    [Fact]
    public async Task RunInstanceAsync_LaunchDescribeTerminate_InstanceLifecycle()
    {
        await using var cloud = await StartAsync();
        await using var prod = await cloud.AccountAsync(Prod);

        var instanceId = await prod.RunInstanceAsync(Region, PublicImageId, "t3.micro", null, dryRun: false, Deadline);
        var running = await prod.DescribeInstanceAsync(Region, instanceId!, Deadline);
        await prod.TerminateInstanceAsync(Region, instanceId!, Deadline);
        var terminated = await prod.DescribeInstanceAsync(Region, instanceId!, Deadline);
        var unknown = await prod.DescribeInstanceAsync(Region, "i-0123456789abcdef0", Deadline);

        Assert.Equal(Ec2InstanceState.Running, running?.State);
        Assert.StartsWith("vol-", running?.RootVolumeId, StringComparison.Ordinal);
        Assert.Equal(Ec2InstanceState.Terminated, terminated?.State);
        Assert.Null(unknown);
    }

    [Fact]
    public async Task RunInstanceAsync_SharedImageWithoutKeyAccess_TerminatedWithKmsReason()
    {
        await using var cloud = await StartAsync();
        await using var images = await cloud.AccountAsync(Images);
        await using var prod = await cloud.AccountAsync(Prod);
        var key = await cloud.CreateKeyAsync(Images);
        var image = await cloud.CreateImageAsync(Images, "locked", key.Arn);
        await images.ModifyLaunchPermissionsAsync(Region, image, [ShareTarget.Account(Prod)], [], Deadline);

        var instanceId = await prod.RunInstanceAsync(Region, image, "t3.micro", null, dryRun: false, Deadline);
        var instance = await prod.DescribeInstanceAsync(Region, instanceId!, Deadline);

        Assert.Equal((Ec2InstanceState.Terminated, "Client.InvalidKMSKey.InvalidState"), (instance?.State, instance?.StateReasonCode));
    }

    [Fact]
    public async Task GetEbsDefaultKmsKeyIdAsync_Default_AwsEbsAlias()
    {
        await using var cloud = await StartAsync();
        await using var prod = await cloud.AccountAsync(Prod);

        var key = await prod.GetEbsDefaultKmsKeyIdAsync(Region, Deadline);

        Assert.EndsWith("alias/aws/ebs", key, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ec2Calls_TwoRegions_OneClientPerRegionAndRegionalResults()
    {
        await using var cloud = await StartAsync();
        await using var images = await cloud.AccountAsync(Images);

        var east = await images.DescribeVisibleImageAsync(Region, PublicImageId, Deadline);
        var west = await images.DescribeVisibleImageAsync(OtherRegion, "ami-0a1b2c3d4e5f60002", Deadline);
        var missingInWest = await images.DescribeVisibleImageAsync(OtherRegion, PublicImageId, Deadline);

        Assert.Equal((Region, OtherRegion), (east?.Region, west?.Region));
        Assert.Null(missingInWest);
    }
}
