using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using AmiShare.LocalCloud.Seed;
using AmiShare.LocalCloud.Tests.Support;

namespace AmiShare.LocalCloud.Tests.EndToEnd;

/// <summary>
/// The manual runbook for sharing a KMS-encrypted AMI, step by step with the real AWS CLI against an in-process
/// LocalCloud: make a customer-managed-key golden image, open the key policy and the launch permission to the
/// target, launch and copy there, see the failure modes, and audit it all in the source account's CloudTrail.
/// </summary>
public sealed class ManualShareWithAwsCliTests
{
    private const string Source = DefaultSeed.ImagesAccountId;
    private const string Target = DefaultSeed.ProdAccountId;
    private const string Region = TestCloud.Region;
    private const string PublicImageId = "ami-0a1b2c3d4e5f60001";
    private static readonly HttpClient Http = new();

    [AwsCliFact]
    public async Task ManualShare_EncryptedAmiWithAwsCli_LaunchesCopiesAndAudits()
    {
        await using var server = await TestCloud.StartAsync();
        var source = Cli.Root(server, Source);
        var target = Cli.Root(server, Target);

        // ---- source account: a golden image under a customer managed key ----
        var keyArn = (await source.OkAsync("source kms create-key", "kms", "create-key", "--description", "golden-image-key"))
            .Text("KeyMetadata.Arn")!;
        Assert.StartsWith($"arn:aws:kms:{Region}:{Source}:key/", keyArn, StringComparison.Ordinal);

        var amazon = await source.OkAsync("source ec2 describe-images --owners amazon", "ec2", "describe-images", "--owners", "amazon");
        Assert.Equal(PublicImageId, amazon.Text("Images.0.ImageId"));

        var golden = (await source.OkAsync(
            "source ec2 copy-image --encrypted --kms-key-id",
            "ec2", "copy-image", "--source-image-id", PublicImageId, "--source-region", Region, "--name", "golden", "--encrypted", "--kms-key-id", keyArn))
            .Text("ImageId")!;
        var goldenImage = await source.OkAsync("source ec2 describe-images golden", "ec2", "describe-images", "--image-ids", golden);
        Assert.Equal("available", goldenImage.Text("Images.0.State"));
        Assert.Equal("true", goldenImage.Text("Images.0.BlockDeviceMappings.0.Ebs.Encrypted"), ignoreCase: true);
        var goldenSnapshot = goldenImage.Text("Images.0.BlockDeviceMappings.0.Ebs.SnapshotId")!;

        var managed = (await source.OkAsync(
            "source ec2 copy-image --encrypted (aws/ebs)",
            "ec2", "copy-image", "--source-image-id", PublicImageId, "--source-region", Region, "--name", "managed-key", "--encrypted"))
            .Text("ImageId")!;
        var refusedShare = await source.FailsAsync(
            "source ec2 modify-image-attribute on an aws/ebs image",
            "InvalidParameter",
            "ec2", "modify-image-attribute", "--image-id", managed, "--launch-permission", $"Add=[{{UserId={Target}}}]");
        Assert.Contains("AWS Managed CMK", refusedShare, StringComparison.Ordinal);

        await source.OkAsync("source kms put-key-policy", "kms", "put-key-policy", "--key-id", keyArn, "--policy-name", "default", "--policy", SharedKeyPolicy());
        await source.OkAsync(
            "source ec2 modify-image-attribute --launch-permission Add",
            "ec2", "modify-image-attribute", "--image-id", golden, "--launch-permission", $"Add=[{{UserId={Target}}}]");
        var permission = await source.OkAsync("source ec2 describe-image-attribute", "ec2", "describe-image-attribute", "--image-id", golden, "--attribute", "launchPermission");
        Assert.Equal(Target, permission.Text("LaunchPermissions.0.UserId"));

        // ---- target account root: sees, dry-runs and launches the shared image ----
        var executable = await target.OkAsync("target ec2 describe-images --executable-users self", "ec2", "describe-images", "--executable-users", "self");
        Assert.Equal(golden, executable.Text("Images.0.ImageId"));

        await target.FailsAsync(
            "target ec2 run-instances --dry-run",
            "DryRunOperation",
            "ec2", "run-instances", "--image-id", golden, "--instance-type", "t3.micro", "--count", "1", "--dry-run");

        var run = await target.OkAsync("target ec2 run-instances", "ec2", "run-instances", "--image-id", golden, "--instance-type", "t3.micro", "--count", "1");
        var instanceId = run.Text("Instances.0.InstanceId")!;
        Assert.Equal("pending", run.Text("Instances.0.State.Name"));
        var described = await target.OkAsync("target ec2 describe-instances", "ec2", "describe-instances", "--instance-ids", instanceId);
        Assert.Equal("running", described.Text("Reservations.0.Instances.0.State.Name"));
        var volumeId = described.Text("Reservations.0.Instances.0.BlockDeviceMappings.0.Ebs.VolumeId")!;

        var defaultKey = await target.OkAsync("target ec2 get-ebs-default-kms-key-id", "ec2", "get-ebs-default-kms-key-id");
        var defaultKeyArn = (await target.OkAsync("target kms describe-key (default EBS key)", "kms", "describe-key", "--key-id", defaultKey.Text("KmsKeyId")!))
            .Text("KeyMetadata.Arn");
        var volume = await target.OkAsync("target ec2 describe-volumes", "ec2", "describe-volumes", "--volume-ids", volumeId);
        Assert.Equal("true", volume.Text("Volumes.0.Encrypted"), ignoreCase: true);
        Assert.Equal(defaultKeyArn, volume.Text("Volumes.0.KmsKeyId"));
        Assert.Equal(await DigestAsync(server, goldenSnapshot), await DigestAsync(server, volumeId));

        // ---- negative: an IAM user in the target with EC2 but no KMS permission ----
        await target.OkAsync("target iam create-user", "iam", "create-user", "--user-name", "ec2-only");
        var accessKey = await target.OkAsync("target iam create-access-key", "iam", "create-access-key", "--user-name", "ec2-only");
        await target.OkAsync(
            "target iam put-user-policy (ec2:* only)",
            "iam", "put-user-policy", "--user-name", "ec2-only", "--policy-name", "ec2-only",
            "--policy-document", """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:*","Resource":"*"}]}""");
        var user = new Cli(server, accessKey.Text("AccessKey.AccessKeyId")!, accessKey.Text("AccessKey.SecretAccessKey")!);
        var userRun = await user.OkAsync("target user ec2 run-instances", "ec2", "run-instances", "--image-id", golden, "--instance-type", "t3.micro", "--count", "1");
        var userInstance = await user.OkAsync(
            "target user ec2 describe-instances",
            "ec2", "describe-instances", "--instance-ids", userRun.Text("Instances.0.InstanceId")!);
        Assert.Equal("terminated", userInstance.Text("Reservations.0.Instances.0.State.Name"));
        Assert.Equal("Client.InvalidKMSKey.InvalidState", userInstance.Text("Reservations.0.Instances.0.StateReason.Code"));

        // ---- negative then positive: copying needs createVolumePermission on the snapshot ----
        var refusedCopy = await target.FailsAsync(
            "target ec2 copy-image without createVolumePermission",
            "InvalidRequest",
            "ec2", "copy-image", "--source-image-id", golden, "--source-region", Region, "--name", "prod-copy");
        Assert.Contains("permission to access the storage", refusedCopy, StringComparison.Ordinal);
        await source.OkAsync(
            "source ec2 modify-snapshot-attribute --create-volume-permission Add",
            "ec2", "modify-snapshot-attribute", "--snapshot-id", goldenSnapshot, "--attribute", "createVolumePermission",
            "--create-volume-permission", $"Add=[{{UserId={Target}}}]");
        var copy = (await target.OkAsync(
            "target ec2 copy-image with createVolumePermission",
            "ec2", "copy-image", "--source-image-id", golden, "--source-region", Region, "--name", "prod-copy"))
            .Text("ImageId")!;
        var copied = await target.OkAsync("target ec2 describe-images (copy)", "ec2", "describe-images", "--image-ids", copy);
        Assert.Equal("available", copied.Text("Images.0.State"));
        Assert.Equal(Target, copied.Text("Images.0.OwnerId"));
        Assert.Equal(await DigestAsync(server, goldenSnapshot), await DigestAsync(server, copied.Text("Images.0.BlockDeviceMappings.0.Ebs.SnapshotId")!));

        // ---- source account audit: the target's KMS use via EC2 and the share itself ----
        var grants = await source.OkAsync(
            "source cloudtrail lookup-events CreateGrant",
            "cloudtrail", "lookup-events", "--lookup-attributes", "AttributeKey=EventName,AttributeValue=CreateGrant");
        var crossAccountGrant = Records(grants).FirstOrDefault(r => r.Text("userIdentity.accountId") == Target);
        Assert.True(crossAccountGrant is not null, "step 'source cloudtrail lookup-events CreateGrant': no CreateGrant by the target account");
        Assert.Equal(Source, crossAccountGrant.Text("recipientAccountId"));
        Assert.Equal("ec2.amazonaws.com", crossAccountGrant.Text("userIdentity.invokedBy"));
        Assert.False(string.IsNullOrEmpty(crossAccountGrant.Text("sharedEventID")), "a cross-account event carries a sharedEventID");

        var shares = await source.OkAsync(
            "source cloudtrail lookup-events ModifyImageAttribute",
            "cloudtrail", "lookup-events", "--lookup-attributes", "AttributeKey=EventName,AttributeValue=ModifyImageAttribute");
        var share = Records(shares).Single(r => r.Text("errorCode") is null);
        Assert.Equal(golden, share.Text("requestParameters.imageId"));
        Assert.Equal(Target, share.Text("requestParameters.launchPermission.add.items.0.userId"));

        var copyNotice = await source.OkAsync(
            "source cloudtrail lookup-events SharedSnapshotCopyInitiated",
            "cloudtrail", "lookup-events", "--lookup-attributes", "AttributeKey=EventName,AttributeValue=SharedSnapshotCopyInitiated");
        Assert.Equal(goldenSnapshot, Assert.Single(Records(copyNotice)).Text("serviceEventDetails.snapshotId"));
    }

    private static string SharedKeyPolicy() => $$$"""
        {
          "Version": "2012-10-17",
          "Statement": [
            {"Sid": "Enable IAM User Permissions", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::{{{Source}}}:root"}, "Action": "kms:*", "Resource": "*"},
            {"Sid": "TargetUseViaEc2", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::{{{Target}}}:root"},
             "Action": ["kms:Decrypt", "kms:DescribeKey", "kms:ReEncrypt*", "kms:GenerateDataKeyWithoutPlaintext"], "Resource": "*",
             "Condition": {"StringEquals": {"kms:ViaService": "ec2.{{{Region}}}.amazonaws.com"} } },
            {"Sid": "TargetGrantsForEbs", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::{{{Target}}}:root"},
             "Action": "kms:CreateGrant", "Resource": "*",
             "Condition": {"Bool": {"kms:GrantIsForAWSResource": "true"}, "StringEquals": {"kms:ViaService": "ec2.{{{Region}}}.amazonaws.com"} } }
          ]
        }
        """;

    private static IEnumerable<JsonNode> Records(JsonNode lookup) =>
        lookup["Events"]!.AsArray().Select(e => JsonNode.Parse(e!["CloudTrailEvent"]!.GetValue<string>())!);

    private static async Task<string> DigestAsync(LocalCloudServer server, string id)
    {
        using var response = await Http.GetAsync(new Uri(server.Endpoint, "_localcloud/content/" + id), TestCloud.Timeout);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(TestCloud.Timeout);
        Assert.True(response.IsSuccessStatusCode, $"admin digest of {id}: {response.StatusCode} {body}");
        return body.GetProperty("sha256").GetString()!;
    }

    /// <summary>The real AWS CLI with one principal's keys, isolated from the machine's profiles, stdin closed.</summary>
    private sealed class Cli(LocalCloudServer server, string accessKeyId, string secretAccessKey)
    {
        public static Cli Root(LocalCloudServer server, string accountId)
        {
            var account = server.Account(accountId);
            return new Cli(server, account.RootAccessKeyId, account.RootSecretAccessKey);
        }

        /// <summary>Runs a step that must succeed; its JSON output (an empty object when it prints nothing).</summary>
        public async Task<JsonNode> OkAsync(string step, params string[] arguments)
        {
            var (exitCode, stdout, stderr) = await RunAsync(arguments);
            Assert.True(exitCode == 0, $"step '{step}': aws exited {exitCode}: {stderr}");
            return string.IsNullOrWhiteSpace(stdout) ? new JsonObject() : JsonNode.Parse(stdout)!;
        }

        /// <summary>Runs a step that must fail with the AWS error code; its error text.</summary>
        public async Task<string> FailsAsync(string step, string errorCode, params string[] arguments)
        {
            var (exitCode, stdout, stderr) = await RunAsync(arguments);
            Assert.True(exitCode != 0, $"step '{step}': expected {errorCode} but aws succeeded: {stdout}");
            Assert.True(stderr.Contains($"({errorCode})", StringComparison.Ordinal), $"step '{step}': expected {errorCode}, got: {stderr}");
            return stderr;
        }

        private async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string[] arguments)
        {
            var start = new ProcessStartInfo(AwsCliTests.FindAwsCli()!)
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var argument in (string[])["--endpoint-url", server.Endpoint.ToString().TrimEnd('/'), "--region", Region, "--output", "json", .. arguments])
            {
                start.ArgumentList.Add(argument);
            }

            start.Environment["AWS_ACCESS_KEY_ID"] = accessKeyId;
            start.Environment["AWS_SECRET_ACCESS_KEY"] = secretAccessKey;
            start.Environment.Remove("AWS_SESSION_TOKEN");
            start.Environment.Remove("AWS_PROFILE");
            start.Environment.Remove("AWS_DEFAULT_PROFILE");
            start.Environment["AWS_CONFIG_FILE"] = "/dev/null";
            start.Environment["AWS_SHARED_CREDENTIALS_FILE"] = "/dev/null";
            start.Environment["AWS_EC2_METADATA_DISABLED"] = "true";
            start.Environment["AWS_PAGER"] = string.Empty;

            using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start the AWS CLI.");
            process.StandardInput.Close();
            var stdout = process.StandardOutput.ReadToEndAsync(TestCloud.Timeout);
            var stderr = process.StandardError.ReadToEndAsync(TestCloud.Timeout);
            await process.WaitForExitAsync(TestCloud.Timeout);
            return (process.ExitCode, await stdout, await stderr);
        }
    }
}

/// <summary>Dotted paths into CLI JSON output; numeric segments index arrays.</summary>
internal static class CliJson
{
    public static string? Text(this JsonNode? node, string path)
    {
        foreach (var part in path.Split('.'))
        {
            node = node is JsonArray array
                ? int.TryParse(part, System.Globalization.CultureInfo.InvariantCulture, out var index) && index < array.Count ? array[index] : null
                : node?[part];
        }

        return node?.ToString();
    }
}
