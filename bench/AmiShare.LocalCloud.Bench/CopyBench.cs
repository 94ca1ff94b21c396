using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Amazon.EC2;
using Amazon.EC2.Model;
using Amazon.KeyManagementService.Model;

namespace AmiShare.LocalCloud.Bench;

/// <summary>
/// Throughput of LocalCloud's content paths for an image of <c>mib</c> MiB (docs/localcloud.md, EC2 "Content"):
/// <list type="number">
/// <item>CopyImage of the public (plaintext) image with Encrypted=true under key A: every block generated and sealed.</item>
/// <item>RunInstances from that image with the root volume under key B: every block opened under A's data key and
/// sealed again under a new data key of B — the path that re-encrypts content (the headline figure).</item>
/// <item>CopyImage of the encrypted image to key B: only the data key is re-wrapped (ReEncrypt); blocks are shared.</item>
/// </list>
/// Each is timed from the API call until DescribeImages/DescribeInstances shows it finished (LocalCloud does the
/// work inside the call, so the poll returns at once; it is there so an asynchronous implementation is timed right).
/// </summary>
internal static class CopyBench
{
    private const string Account = "111111111111";

    public static async Task<int> RunAsync(Uri endpoint, int serverProcessId, string publicImageId, int mib, CancellationToken ct)
    {
        var inv = CultureInfo.InvariantCulture;
        var (ec2, kms) = RequestMix.Clients(endpoint, "AKIAROOT" + Account, "LocalCloudRootSecretKeyForAccount" + Account, 4, TimeSpan.FromMinutes(15));
        using var ec2Client = ec2;
        using var kmsClient = kms;
        var keyA = (await kms.CreateKeyAsync(new CreateKeyRequest { Description = "bench source key" }, ct).ConfigureAwait(false)).KeyMetadata.Arn;
        var keyB = (await kms.CreateKeyAsync(new CreateKeyRequest { Description = "bench target key" }, ct).ConfigureAwait(false)).KeyMetadata.Arn;
        var source = (await ec2.DescribeImagesAsync(new DescribeImagesRequest { ImageIds = [publicImageId] }, ct).ConfigureAwait(false)).Images.Single();
        var rootDevice = source.RootDeviceName;

        Console.WriteLine();
        Console.WriteLine(string.Create(inv, $"Content throughput, {mib} MiB image {publicImageId} (1 MiB AES-256-GCM blocks, in-memory block store):"));

        // 1. plaintext -> encrypted copy (setup for 2, measured too).
        var cpu = ProcessCpu.Seconds(serverProcessId);
        var clock = Stopwatch.StartNew();
        var encryptedImageId = (await ec2.CopyImageAsync(
            new CopyImageRequest { SourceImageId = publicImageId, SourceRegion = "us-east-1", Name = "bench-encrypted", Encrypted = true, KmsKeyId = keyA }, ct).ConfigureAwait(false)).ImageId;
        var encrypted = await WaitForImageAsync(ec2, encryptedImageId, ct).ConfigureAwait(false);
        var encryptSeconds = clock.Elapsed.TotalSeconds;
        var encryptCpu = ProcessCpu.Seconds(serverProcessId) - cpu;
        if (encrypted.State != ImageState.Available)
        {
            Console.WriteLine($"CopyImage (encrypt) ended {encrypted.State}: {encrypted.StateReason?.Message}");
            return 1;
        }

        // 2. launch under another key: decrypt and re-seal every block.
        cpu = ProcessCpu.Seconds(serverProcessId);
        clock.Restart();
        var run = await ec2.RunInstancesAsync(
            new RunInstancesRequest
            {
                ImageId = encryptedImageId,
                InstanceType = InstanceType.T3Micro,
                MinCount = 1,
                MaxCount = 1,
                BlockDeviceMappings = [new BlockDeviceMapping { DeviceName = rootDevice, Ebs = new EbsBlockDevice { Encrypted = true, KmsKeyId = keyB } }],
            },
            ct).ConfigureAwait(false);
        var instanceId = run.Reservation.Instances.Single().InstanceId;
        var instance = await WaitForInstanceAsync(ec2, instanceId, ct).ConfigureAwait(false);
        var reencryptSeconds = clock.Elapsed.TotalSeconds;
        var reencryptCpu = ProcessCpu.Seconds(serverProcessId) - cpu;
        if (instance.State.Name != InstanceStateName.Running)
        {
            Console.WriteLine($"RunInstances ended {instance.State.Name}: {instance.StateReason?.Message}");
            return 1;
        }

        // Check the result is what was asked: the new volume is under key B and holds the image's plaintext.
        var volumeId = instance.BlockDeviceMappings.Single().Ebs.VolumeId;
        var volume = (await ec2.DescribeVolumesAsync(new DescribeVolumesRequest { VolumeIds = [volumeId] }, ct).ConfigureAwait(false)).Volumes.Single();
        var snapshotId = encrypted.BlockDeviceMappings.Single(m => m.Ebs is not null).Ebs.SnapshotId;
        var sameContent = await DigestAsync(endpoint, volumeId, ct).ConfigureAwait(false) == await DigestAsync(endpoint, snapshotId, ct).ConfigureAwait(false);
        var verified = volume.Encrypted == true && volume.KmsKeyId == keyB && sameContent;

        // 3. encrypted copy to key B: data key re-wrapped, blocks shared.
        clock.Restart();
        var rewrappedId = (await ec2.CopyImageAsync(
            new CopyImageRequest { SourceImageId = encryptedImageId, SourceRegion = "us-east-1", Name = "bench-rewrapped", Encrypted = true, KmsKeyId = keyB }, ct).ConfigureAwait(false)).ImageId;
        var rewrapped = await WaitForImageAsync(ec2, rewrappedId, ct).ConfigureAwait(false);
        var rewrapSeconds = clock.Elapsed.TotalSeconds;

        Console.WriteLine("| Path | What happens to the blocks | Seconds | MiB/s | Server CPU s | MiB per server CPU s |");
        Console.WriteLine("|---|---|---:|---:|---:|---:|");
        Console.WriteLine(string.Create(inv, $"| RunInstances from the key-A image, root volume under key B | every block opened and sealed again (re-encryption) | {reencryptSeconds:0.00} | {mib / reencryptSeconds:N0} | {reencryptCpu:0.00} | {mib / reencryptCpu:N0} |"));
        Console.WriteLine(string.Create(inv, $"| CopyImage plaintext public image -> Encrypted under key A | every block generated and sealed | {encryptSeconds:0.00} | {mib / encryptSeconds:N0} | {encryptCpu:0.00} | {mib / encryptCpu:N0} |"));
        Console.WriteLine(string.Create(inv, $"| CopyImage key-A image -> key B | data key re-wrapped, blocks shared ({rewrapped.State}) | {rewrapSeconds:0.00} | (n/a) | | |"));
        Console.WriteLine(string.Create(inv, $"Re-encryption: {mib / reencryptSeconds:N0} MiB/s (target >= 500); volume {volumeId} under key B with the image's content: {(verified ? "verified" : "NOT VERIFIED")}"));
        return verified ? 0 : 1;
    }

    private static async Task<Image> WaitForImageAsync(AmazonEC2Client ec2, string imageId, CancellationToken ct)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var image = (await ec2.DescribeImagesAsync(new DescribeImagesRequest { ImageIds = [imageId] }, ct).ConfigureAwait(false)).Images.Single();
            if (image.State != ImageState.Pending || deadline.Elapsed > TimeSpan.FromMinutes(10))
            {
                return image;
            }

            await Task.Delay(50, ct).ConfigureAwait(false);
        }
    }

    private static async Task<Instance> WaitForInstanceAsync(AmazonEC2Client ec2, string instanceId, CancellationToken ct)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var response = await ec2.DescribeInstancesAsync(new DescribeInstancesRequest { InstanceIds = [instanceId] }, ct).ConfigureAwait(false);
            var instance = response.Reservations.SelectMany(r => r.Instances).Single();
            if (instance.State.Name != InstanceStateName.Pending || deadline.Elapsed > TimeSpan.FromMinutes(10))
            {
                return instance;
            }

            await Task.Delay(50, ct).ConfigureAwait(false);
        }
    }

    /// <summary>The admin API's SHA-256 of an object's plaintext (docs/localcloud.md, "Admin API").</summary>
    private static async Task<string?> DigestAsync(Uri endpoint, string id, CancellationToken ct)
    {
        using var http = new HttpClient();
        var json = await http.GetStringAsync(new Uri(endpoint, "_localcloud/content/" + id), ct).ConfigureAwait(false);
        using var doc = JsonDocument.Parse(json);
        return doc.RootElement.GetProperty("sha256").GetString();
    }
}
