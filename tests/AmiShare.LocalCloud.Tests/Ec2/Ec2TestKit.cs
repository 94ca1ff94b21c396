using System.Net.Http.Json;
using System.Text.Json;
using Amazon.EC2;
using Amazon.EC2.Model;
using Amazon.Runtime;
using AmiShare.LocalCloud.Seed;
using AmiShare.LocalCloud.Tests.Kms;
using AmiShare.LocalCloud.Tests.Support;

namespace AmiShare.LocalCloud.Tests.Ec2;

/// <summary>Real EC2 SDK clients and the few steps most EC2 tests share: an owner image, a shared encrypted image.</summary>
internal static class Ec2TestKit
{
    public const string Images = DefaultSeed.ImagesAccountId;
    public const string Prod = DefaultSeed.ProdAccountId;
    public const string Dev = DefaultSeed.DevAccountId;
    public const string Management = DefaultSeed.ManagementAccountId;
    public const string Partner = DefaultSeed.PartnerAccountId;
    public const string Region = TestCloud.Region;
    public const string PublicImageId = "ami-0a1b2c3d4e5f60001";
    public const string PublicImageIdEu = "ami-0a1b2c3d4e5f60002";
    public const string OrganizationArn = "arn:aws:organizations::100000000000:organization/o-amishare01";
    public const string WorkloadsUnitArn = "arn:aws:organizations::100000000000:ou/o-amishare01/ou-ams1-wrkloads";
    public const string ProdUnitArn = "arn:aws:organizations::100000000000:ou/o-amishare01/ou-ams1-prodacct";

    private static readonly HttpClient Http = new();

    public static AmazonEC2Client Client(LocalCloudServer server, string accountId, string region = Region)
    {
        var account = server.Account(accountId);
        return Client(server, new BasicAWSCredentials(account.RootAccessKeyId, account.RootSecretAccessKey), region);
    }

    public static AmazonEC2Client Client(LocalCloudServer server, AWSCredentials credentials, string region = Region) =>
        new(credentials, new AmazonEC2Config { ServiceURL = server.Endpoint.ToString(), AuthenticationRegion = region, MaxErrorRetry = 0 });

    public static SignedQueryClient Query(LocalCloudServer server, string accountId) => TestCloud.Query(server, "ec2", "2016-11-15", accountId);

    public static async Task<Instance> LaunchAsync(AmazonEC2Client ec2, string imageId, params BlockDeviceMapping[] mappings)
    {
        var run = await ec2.RunInstancesAsync(new RunInstancesRequest
        {
            ImageId = imageId,
            MinCount = 1,
            MaxCount = 1,
            InstanceType = InstanceType.T3Micro,
            BlockDeviceMappings = mappings.Length == 0 ? null : [.. mappings],
        }, TestCloud.Timeout);
        return await DescribeAsync(ec2, run.Reservation.Instances[0].InstanceId);
    }

    public static async Task<Instance> DescribeAsync(AmazonEC2Client ec2, string instanceId)
    {
        var described = await ec2.DescribeInstancesAsync(new DescribeInstancesRequest { InstanceIds = [instanceId] }, TestCloud.Timeout);
        return Assert.Single(Assert.Single(described.Reservations).Instances);
    }

    public static BlockDeviceMapping Encrypt(string? kmsKeyId, string device = "/dev/xvda") =>
        new() { DeviceName = device, Ebs = new EbsBlockDevice { Encrypted = true, KmsKeyId = kmsKeyId } };

    /// <summary>Launches the public image in the owner's account (optionally encrypted) and images the instance.</summary>
    public static async Task<string> OwnerImageAsync(AmazonEC2Client owner, string name, string? kmsKeyId = null, bool encrypted = false)
    {
        var instance = encrypted || kmsKeyId is not null
            ? await LaunchAsync(owner, PublicImageId, Encrypt(kmsKeyId))
            : await LaunchAsync(owner, PublicImageId);
        Assert.Equal("running", instance.State.Name.Value);
        var image = await owner.CreateImageAsync(new CreateImageRequest { InstanceId = instance.InstanceId, Name = name }, TestCloud.Timeout);
        return image.ImageId;
    }

    public static async Task<Image> ImageAsync(AmazonEC2Client ec2, string imageId)
    {
        var images = await ec2.DescribeImagesAsync(new DescribeImagesRequest { ImageIds = [imageId] }, TestCloud.Timeout);
        return Assert.Single(images.Images);
    }

    public static async Task ShareAsync(AmazonEC2Client owner, string imageId, LaunchPermission permission) =>
        await owner.ModifyImageAttributeAsync(new ModifyImageAttributeRequest
        {
            ImageId = imageId,
            LaunchPermission = new LaunchPermissionModifications { Add = [permission] },
        }, TestCloud.Timeout);

    /// <summary>
    /// An owner image (encrypted under the key when given) that prod may launch and copy: a launch permission on
    /// the image and createVolumePermission on its snapshot.
    /// </summary>
    public static async Task<(string ImageId, string SnapshotId)> ImageSharedWithProdAsync(AmazonEC2Client owner, string name, string? kmsKeyArn)
    {
        var image = await OwnerImageAsync(owner, name, kmsKeyArn);
        await ShareAsync(owner, image, new LaunchPermission { UserId = Prod });
        var snapshot = (await ImageAsync(owner, image)).BlockDeviceMappings[0].Ebs.SnapshotId;
        await owner.ModifySnapshotAttributeAsync(new ModifySnapshotAttributeRequest
        {
            SnapshotId = snapshot,
            Attribute = SnapshotAttributeName.CreateVolumePermission,
            OperationType = OperationType.Add,
            UserIds = [Prod],
        }, TestCloud.Timeout);
        return (image, snapshot);
    }

    /// <summary>SHA-256 of the decrypted content, from the admin API.</summary>
    public static async Task<string> DigestAsync(LocalCloudServer server, string snapshotOrVolumeId)
    {
        using var response = await Http.GetAsync(new Uri(server.Endpoint, "_localcloud/content/" + snapshotOrVolumeId), TestCloud.Timeout);
        Assert.True(response.IsSuccessStatusCode, $"{response.StatusCode} for {snapshotOrVolumeId}");
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(TestCloud.Timeout);
        return body.GetProperty("sha256").GetString()!;
    }

    /// <summary>A customer managed key in the images account whose policy lets the given accounts use it as EBS needs.</summary>
    public static async Task<string> SharedKeyArnAsync(LocalCloudServer server, params string[] users)
    {
        using var kms = KmsTestKit.Client(server, Images);
        var statements = users.Select((u, i) => KmsTestKit.AllowAccount(u, "kms:DescribeKey,kms:CreateGrant,kms:Decrypt,kms:ReEncrypt*,kms:GenerateDataKeyWithoutPlaintext", "AllowUse" + i)).ToArray();
        var key = await KmsTestKit.CreateKeyAsync(kms, KmsTestKit.KeyPolicy(Images, statements));
        return key.Arn;
    }

    public static async Task<AmazonEC2Exception> FailsAsync(Func<Task> call) => await Assert.ThrowsAsync<AmazonEC2Exception>(call);
}
