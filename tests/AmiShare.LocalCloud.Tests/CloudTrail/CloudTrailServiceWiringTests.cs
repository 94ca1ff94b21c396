using Amazon.EC2;
using Amazon.EC2.Model;
using Amazon.SecurityToken.Model;
using AmiShare.LocalCloud.Tests.Ec2;
using AmiShare.LocalCloud.Tests.Support;
using static AmiShare.LocalCloud.Tests.Ec2.Ec2TestKit;

namespace AmiShare.LocalCloud.Tests.CloudTrail;

/// <summary>EC2 and STS feed CloudTrail as AWS does when one account uses another account's snapshot or role.</summary>
public sealed class CloudTrailServiceWiringTests
{
    [Fact]
    public async Task AssumeRole_CrossAccount_LoggedInBothAccountsWithSharedEventId()
    {
        await using var server = await TestCloud.StartAsync();
        await StsTests.CreateRoleAsync(server, Images, "Sharer", StsTests.TrustAccount(Prod));
        using var prodSts = TestCloud.Sts(server, Prod);

        await prodSts.AssumeRoleAsync(new AssumeRoleRequest { RoleArn = $"arn:aws:iam::{Images}:role/Sharer", RoleSessionName = "share-1" }, TestCloud.Timeout);

        var inRoleAccount = Assert.Single((await SignedJsonClient.CloudTrail(server, Images).LookupAsync("EventName", "AssumeRole")).Events());
        var inCallerAccount = Assert.Single((await SignedJsonClient.CloudTrail(server, Prod).LookupAsync("EventName", "AssumeRole")).Events());
        var owner = inRoleAccount.Record();
        var caller = inCallerAccount.Record();
        Assert.Equal(Prod, owner.Text("userIdentity.accountId"));
        Assert.Equal(Images, owner.Text("recipientAccountId"));
        Assert.Equal(Prod, caller.Text("recipientAccountId"));
        Assert.NotNull(owner.Text("sharedEventID"));
        Assert.Equal(owner.Text("sharedEventID"), caller.Text("sharedEventID"));
        Assert.Equal("AWS::IAM::Role", owner["resources"]![0].Text("type"));
        Assert.Equal($"arn:aws:iam::{Images}:role/Sharer", owner["resources"]![0].Text("ARN"));
        Assert.Equal(Images, owner["resources"]![0].Text("accountId"));
    }

    [Fact]
    public async Task AssumeRole_SameAccount_LoggedOnceWithRoleResource()
    {
        await using var server = await TestCloud.StartAsync();
        await StsTests.CreateRoleAsync(server, Images, "Local", StsTests.TrustAccount(Images));
        using var sts = TestCloud.Sts(server, Images);

        await sts.AssumeRoleAsync(new AssumeRoleRequest { RoleArn = $"arn:aws:iam::{Images}:role/Local", RoleSessionName = "local-1" }, TestCloud.Timeout);

        var record = Assert.Single((await SignedJsonClient.CloudTrail(server, Images).LookupAsync("EventName", "AssumeRole")).Events()).Record();
        Assert.Null(record["sharedEventID"]);
        Assert.Equal("AWS::IAM::Role", record["resources"]![0].Text("type"));
    }

    [Fact]
    public async Task CopyImageAndCopySnapshot_OtherAccountsSnapshot_OwnerLogsSharedSnapshotCopyInitiated()
    {
        await using var server = await TestCloud.StartAsync();
        using var owner = Client(server, Images);
        using var prod = Client(server, Prod);
        var (image, snapshot) = await ImageSharedWithProdAsync(owner, "shared", await SharedKeyArnAsync(server, Prod));

        await prod.CopyImageAsync(new CopyImageRequest { SourceImageId = image, SourceRegion = TestCloud.Region, Name = "copy", Encrypted = true }, TestCloud.Timeout);
        await prod.CopySnapshotAsync(new CopySnapshotRequest { SourceSnapshotId = snapshot, SourceRegion = TestCloud.Region, Encrypted = true }, TestCloud.Timeout);
        await owner.CopySnapshotAsync(new CopySnapshotRequest { SourceSnapshotId = snapshot, SourceRegion = TestCloud.Region }, TestCloud.Timeout);

        var events = (await SignedJsonClient.CloudTrail(server, Images).LookupAsync("EventName", "SharedSnapshotCopyInitiated")).Events();
        Assert.Equal(2, events.Length);
        Assert.All(events.Select(e => e.Record()), record =>
        {
            Assert.Equal("AwsServiceEvent", record.Text("eventType"));
            Assert.Equal(Prod, record.Text("userIdentity.accountId"));
            Assert.Equal(snapshot, record.Text("serviceEventDetails.snapshotId"));
        });
        Assert.Empty((await SignedJsonClient.CloudTrail(server, Prod).LookupAsync("EventName", "SharedSnapshotCopyInitiated")).Events());
    }

    [Fact]
    public async Task CreateVolumeAndLaunch_OtherAccountsSnapshot_OwnerLogsSharedSnapshotVolumeCreated()
    {
        await using var server = await TestCloud.StartAsync();
        using var owner = Client(server, Images);
        using var prod = Client(server, Prod);
        var (plainImage, plainSnapshot) = await ImageSharedWithProdAsync(owner, "shared-plain", kmsKeyArn: null);
        var (encryptedImage, encryptedSnapshot) = await ImageSharedWithProdAsync(owner, "shared-encrypted", await SharedKeyArnAsync(server, Prod));

        await prod.CreateVolumeAsync(new CreateVolumeRequest { SnapshotId = plainSnapshot, AvailabilityZone = TestCloud.Region + "a" }, TestCloud.Timeout);
        var launched = await LaunchAsync(prod, encryptedImage);
        await LaunchAsync(owner, plainImage);

        Assert.Equal("running", launched.State.Name.Value);
        var events = (await SignedJsonClient.CloudTrail(server, Images).LookupAsync("EventName", "SharedSnapshotVolumeCreated")).Events();
        Assert.Equal([encryptedSnapshot, plainSnapshot], events.Select(e => e.Record().Text("serviceEventDetails.snapshotId")));
        Assert.All(events.Select(e => e.Record()), record => Assert.Equal(Prod, record.Text("userIdentity.accountId")));
    }
}
