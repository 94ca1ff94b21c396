using System.Collections.Immutable;
using System.Globalization;
using Amazon.EC2;
using Amazon.EC2.Model;
using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using Amazon.Runtime;
using AmiShare.Core.KeyPolicies;
using AmiShare.Core.Workflow;
using AmiShare.LocalCloud;
using AmiShare.LocalCloud.Seed;

namespace AmiShare.Share.Bench;

/// <summary>The sizes of one bench run.</summary>
/// <param name="Images">Images in the source account.</param>
/// <param name="Targets">Target accounts every image is shared with.</param>
/// <param name="Keys">Customer managed keys; image i is encrypted under key i mod Keys.</param>
internal sealed record Scale(int Images, int Targets, int Keys);

/// <summary>What a run must not lose: the source's image count and each key's policy statements (as JSON).</summary>
internal sealed record CloudSnapshot(int ImageCount, Dictionary<string, List<string>> Statements);

/// <summary>
/// One LocalCloud (in this process, port 0) seeded with the source account and the target accounts, and the
/// source's images and keys made through the AWS API: every run of the bench gets a fresh, identical one.
/// </summary>
internal sealed partial class ShareCloud : IAsyncDisposable
{
    public const string Source = "111111111111";
    public const string Region = "us-east-1";
    private const string PublicImageId = "ami-0a1b2c3d4e5f60001";

    private ShareCloud(LocalCloudServer server, ImmutableArray<string> targets)
    {
        Server = server;
        Targets = targets;
    }

    public LocalCloudServer Server { get; }

    public string Endpoint => Server.Endpoint.ToString().TrimEnd('/');

    public ImmutableArray<string> Targets { get; }

    public ImmutableArray<string> ImageIds { get; private set; } = [];

    public ImmutableArray<string> KeyArns { get; private set; } = [];

    /// <summary>Target accounts 200000000001, 200000000002, …: real seeded accounts with root keys, so they can look.</summary>
    public static ImmutableArray<string> TargetAccounts(int count) =>
        [.. Enumerable.Range(1, count).Select(i => (200_000_000_000L + i).ToString(CultureInfo.InvariantCulture))];

    public static BasicAWSCredentials Root(string account) =>
        new(SeedAccount.DefaultRootAccessKeyId(account), SeedAccount.DefaultRootSecretAccessKey(account));

    public static async Task<ShareCloud> StartAsync(Scale scale, CancellationToken cancellationToken, IReadOnlyList<string>? destinations = null)
    {
        var targets = TargetAccounts(scale.Targets);
        var seed = new SeedDocument
        {
            Regions = [Region, .. destinations ?? []],
            Accounts = [new SeedAccount { Id = Source, Name = "images" }, .. targets.Select(t => new SeedAccount { Id = t, Name = "target-" + t[^3..] })],

            // 1 MiB of content per image: the bench measures the share, not content encryption.
            PublicImages = [new SeedPublicImage { ImageId = PublicImageId, Name = "base", OwnerId = DefaultSeed.AmazonImageOwnerId, OwnerAlias = "amazon", Region = Region, ContentMiB = 1 }],
        };
        var server = await LocalCloudServer.StartAsync(new LocalCloudOptions { Seed = seed }, cancellationToken).ConfigureAwait(false);
        var cloud = new ShareCloud(server, targets);
        try
        {
            await cloud.CreateImagesAsync(scale, cancellationToken).ConfigureAwait(false);
            await cloud.CreateDestinationKeysAsync(destinations ?? [], cancellationToken).ConfigureAwait(false);
            return cloud;
        }
        catch
        {
            await server.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public AmazonEC2Client Ec2(string account) =>
        new(Root(account), new AmazonEC2Config { ServiceURL = Endpoint, AuthenticationRegion = Region, MaxErrorRetry = 0 });

    public AmazonKeyManagementServiceClient Kms(string account) =>
        new(Root(account), new AmazonKeyManagementServiceConfig { ServiceURL = Endpoint, AuthenticationRegion = Region, MaxErrorRetry = 0 });

    /// <summary>Keys with the default policy, then CopyImage of the public image encrypted under key i mod Keys.</summary>
    private async Task CreateImagesAsync(Scale scale, CancellationToken cancellationToken)
    {
        using var kms = Kms(Source);
        using var ec2 = Ec2(Source);
        var keys = new List<string>();
        for (var k = 0; k < scale.Keys; k++)
        {
            var key = await kms.CreateKeyAsync(new CreateKeyRequest { Description = $"golden images {k + 1}" }, cancellationToken).ConfigureAwait(false);
            keys.Add(key.KeyMetadata.Arn);
        }

        var images = new List<string>();
        for (var i = 0; i < scale.Images; i++)
        {
            var copy = await ec2.CopyImageAsync(
                new CopyImageRequest
                {
                    SourceImageId = PublicImageId,
                    SourceRegion = Region,
                    Name = $"golden-{i + 1:000}",
                    Encrypted = true,
                    KmsKeyId = keys[i % keys.Count],
                },
                cancellationToken).ConfigureAwait(false);
            images.Add(copy.ImageId);
        }

        // LocalCloud finishes a copy inside the call; check that, and that each image really is under its key.
        var described = await ec2.DescribeImagesAsync(new DescribeImagesRequest { ImageIds = images }, cancellationToken).ConfigureAwait(false);
        var snapshots = await ec2.DescribeSnapshotsAsync(new DescribeSnapshotsRequest { SnapshotIds = [.. described.Images.Select(i => i.BlockDeviceMappings[0].Ebs.SnapshotId)] }, cancellationToken).ConfigureAwait(false);
        if (described.Images.Count != images.Count || described.Images.Any(i => i.State != ImageState.Available)
            || snapshots.Snapshots.Select(s => s.KmsKeyId).Distinct(StringComparer.Ordinal).Count() != keys.Count)
        {
            throw new InvalidOperationException("The set-up images are not all available under their customer managed keys.");
        }

        ImageIds = [.. images];
        KeyArns = [.. keys];
    }

    /// <summary>
    /// The sanity check after a run, so the comparison is honest: (1) the source's launch permission of every image
    /// lists every target; (2) every target, with its own credentials, sees every image (LocalCloud enforces the
    /// launch permission); (3) every key policy, as KMS returns it, admits every target root for each KMS action EC2
    /// makes on a launch, through EC2 (the policy engine LocalCloud enforces with). Returns the problems found.
    /// </summary>
    public async Task<List<string>> VerifySharedAsync(CancellationToken cancellationToken)
    {
        var problems = new List<string>();
        using (var ec2 = Ec2(Source))
        {
            foreach (var image in ImageIds)
            {
                var attribute = await ec2.DescribeImageAttributeAsync(new DescribeImageAttributeRequest { ImageId = image, Attribute = ImageAttributeName.LaunchPermission }, cancellationToken).ConfigureAwait(false);
                var listed = (attribute.ImageAttribute.LaunchPermissions ?? []).Select(p => p.UserId).OfType<string>().ToHashSet(StringComparer.Ordinal);
                var missing = Targets.Count(t => !listed.Contains(t));
                if (missing > 0)
                {
                    problems.Add($"{image}: launch permission lacks {missing} target(s)");
                }
            }
        }

        foreach (var target in Targets)
        {
            using var ec2 = Ec2(target);
            var visible = await ec2.DescribeImagesAsync(new DescribeImagesRequest { ImageIds = [.. ImageIds] }, cancellationToken).ConfigureAwait(false);
            if (visible.Images.Count != ImageIds.Length)
            {
                problems.Add($"{target} sees {visible.Images.Count} of {ImageIds.Length} images");
            }
        }

        using var kms = Kms(Source);
        var audience = KeyAudience.Of(Targets.Select(t => $"arn:aws:iam::{t}:root"));
        foreach (var key in KeyArns)
        {
            var policy = await kms.GetKeyPolicyAsync(new GetKeyPolicyRequest { KeyId = key, PolicyName = "default" }, cancellationToken).ConfigureAwait(false);
            var denied = KeyAccessCheck.Check(policy.Policy, key, Source, audience, expected: true).Where(f => !f.Allowed).ToList();
            if (denied.Count > 0)
            {
                problems.Add($"{key}: {denied.Count} target/action pair(s) denied, e.g. {denied[0].Who} {denied[0].Action}: {denied[0].Explanation}");
            }
        }

        return problems;
    }

    /// <summary>The source's image count and every key's policy statements, to compare after a run under faults.</summary>
    public async Task<CloudSnapshot> SnapshotAsync(CancellationToken cancellationToken)
    {
        using var ec2 = Ec2(Source);
        using var kms = Kms(Source);
        var images = await ec2.DescribeImagesAsync(new DescribeImagesRequest { Owners = ["self"] }, cancellationToken).ConfigureAwait(false);
        var statements = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var key in KeyArns)
        {
            var policy = await kms.GetKeyPolicyAsync(new GetKeyPolicyRequest { KeyId = key, PolicyName = "default" }, cancellationToken).ConfigureAwait(false);
            statements[key] = [.. System.Text.Json.Nodes.JsonNode.Parse(policy.Policy)!["Statement"]!.AsArray().Select(n => n!.ToJsonString())];
        }

        return new CloudSnapshot(images.Images.Count, statements);
    }

    /// <summary>Problems: a statement of <paramref name="before"/> missing now, or a different number of source images.</summary>
    public async Task<List<string>> CheckNothingLostAsync(CloudSnapshot before, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(before);
        var now = await SnapshotAsync(cancellationToken).ConfigureAwait(false);
        var problems = new List<string>();
        if (now.ImageCount != before.ImageCount)
        {
            problems.Add($"the source owns {now.ImageCount} images, {before.ImageCount} before");
        }

        foreach (var (key, statements) in before.Statements)
        {
            var lost = statements.Count(s => !now.Statements[key].Contains(s));
            if (lost > 0)
            {
                problems.Add($"{key}: {lost} original statement(s) lost");
            }
        }

        return problems;
    }

    public ValueTask DisposeAsync() => Server.DisposeAsync();
}
