using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Amazon.EC2;
using Amazon.EC2.Model;
using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using Amazon.Runtime;
using AmiShare.Aws;
using AmiShare.Cli;
using AmiShare.Cli.Infrastructure;
using AmiShare.Core.Audit;
using AmiShare.LocalCloud;
using Spectre.Console;

// `amishare audit` of one account with IMAGES images under KEYS keys, shared with TARGETS accounts (issue 5's
// figure: 1,000 / 200 / 300), on an in-process LocalCloud. Reports the audit's wall time and its API calls against
// the minimal count the APIs allow for the same data.
// Usage: dotnet run -c Release --project bench/AmiShare.Audit.Bench [-- --images N --keys N --targets N --shares-per-image N --concurrency N]
var inv = CultureInfo.InvariantCulture;
var images = Option("--images", 1000);
var keyCount = Option("--keys", 200);
var targets = Option("--targets", 300);
var sharesPerImage = Option("--shares-per-image", 3);
var concurrency = Option("--concurrency", 8);
using var cancel = new CancellationTokenSource(TimeSpan.FromMinutes(30));
var ct = cancel.Token;

const string Owner = "111111111111";
const string Region = "us-east-1";
const string BaseImage = "ami-0a1b2c3d4e5f60001";
var accounts = Enumerable.Range(0, targets).Select(i => (500000000000L + i).ToString(inv)).ToList();

// The default seed plus TARGETS accounts (key policies may only name principals that exist), with a small base image.
var root = FindRepositoryRoot();
var seed = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(root, "examples", "localcloud", "seed.json"), ct))!;
foreach (var id in accounts)
{
    seed["accounts"]!.AsArray().Add(new JsonObject { ["id"] = id, ["name"] = "target-" + id });
}

foreach (var image in seed["publicImages"]!.AsArray())
{
    image!["contentMiB"] = 1;
}

var seedFile = Path.Combine(Path.GetTempPath(), $"amishare-audit-bench-{Environment.ProcessId}.json");
await File.WriteAllTextAsync(seedFile, seed.ToJsonString(), ct);
Console.WriteLine($"{DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, .NET {Environment.Version}, {Environment.ProcessorCount} cores; {images} images, {keyCount} keys, {targets} target accounts, {sharesPerImage} shares per image, concurrency {concurrency}");

await using var cloud = await LocalCloudServer.StartAsync(new LocalCloudOptions { SeedFilePath = seedFile }, ct);
var credentials = new BasicAWSCredentials(cloud.Account(Owner).RootAccessKeyId, cloud.Account(Owner).RootSecretAccessKey);
var endpoint = cloud.Endpoint.ToString().TrimEnd('/');
using var ec2 = new AmazonEC2Client(credentials, new AmazonEC2Config { ServiceURL = endpoint, AuthenticationRegion = Region });
using var kms = new AmazonKeyManagementServiceClient(credentials, new AmazonKeyManagementServiceConfig { ServiceURL = endpoint, AuthenticationRegion = Region });
var parallel = new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = ct };

// Build -------------------------------------------------------------------------------------------------------
var setup = Stopwatch.StartNew();
var keys = new string[keyCount];
await Parallel.ForAsync(0, keyCount, parallel, async (i, c) =>
    keys[i] = (await kms.CreateKeyAsync(new CreateKeyRequest { Description = $"bench key {i}" }, c)).KeyMetadata.Arn);

// One encrypted source image (launch, image the instance); every other image is a CopyImage of it under a key.
var run = await ec2.RunInstancesAsync(new RunInstancesRequest
{
    ImageId = BaseImage, MinCount = 1, MaxCount = 1, InstanceType = InstanceType.T3Micro,
    BlockDeviceMappings = [new BlockDeviceMapping { DeviceName = "/dev/xvda", Ebs = new EbsBlockDevice { Encrypted = true, KmsKeyId = keys[0] } }],
}, ct);
var instance = run.Reservation.Instances[0].InstanceId;
while ((await ec2.DescribeInstancesAsync(new DescribeInstancesRequest { InstanceIds = [instance] }, ct)).Reservations[0].Instances[0].State.Name != InstanceStateName.Running)
{
    await Task.Delay(20, ct);
}

var imageIds = new string[images];
imageIds[0] = (await ec2.CreateImageAsync(new CreateImageRequest { InstanceId = instance, Name = "bench-0" }, ct)).ImageId;
await ec2.TerminateInstancesAsync(new TerminateInstancesRequest { InstanceIds = [instance] }, ct);
await WaitAvailableAsync([imageIds[0]]);
await Parallel.ForAsync(1, images, parallel, async (i, c) =>
    imageIds[i] = (await ec2.CopyImageAsync(new CopyImageRequest { SourceImageId = imageIds[0], SourceRegion = Region, Name = $"bench-{i}", Encrypted = true, KmsKeyId = keys[i % keyCount] }, c)).ImageId);
await WaitAvailableAsync(imageIds);

// Image i is shared with SHARES consecutive accounts; each key's policy names exactly the accounts of its images.
var sharedWith = Enumerable.Range(0, images).Select(i => Enumerable.Range(0, sharesPerImage).Select(s => accounts[(i * sharesPerImage + s) % targets]).ToList()).ToList();
await Parallel.ForAsync(0, images, parallel, async (i, c) =>
    await ec2.ModifyImageAttributeAsync(new ModifyImageAttributeRequest
    {
        ImageId = imageIds[i],
        LaunchPermission = new LaunchPermissionModifications { Add = [.. sharedWith[i].Select(a => new LaunchPermission { UserId = a })] },
    }, c));
await Parallel.ForAsync(0, keyCount, parallel, async (k, c) =>
{
    var principals = Enumerable.Range(0, images).Where(i => i % keyCount == k).SelectMany(i => sharedWith[i]).Distinct().Select(a => (JsonNode)$"arn:aws:iam::{a}:root").ToArray();
    var policy = new JsonObject
    {
        ["Version"] = "2012-10-17",
        ["Statement"] = new JsonArray(
            new JsonObject { ["Sid"] = "Enable IAM User Permissions", ["Effect"] = "Allow", ["Principal"] = new JsonObject { ["AWS"] = $"arn:aws:iam::{Owner}:root" }, ["Action"] = "kms:*", ["Resource"] = "*" },
            new JsonObject
            {
                ["Sid"] = "AmiShareUseUsEast1", ["Effect"] = "Allow", ["Principal"] = new JsonObject { ["AWS"] = new JsonArray(principals) },
                ["Action"] = new JsonArray("kms:DescribeKey", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKeyWithoutPlaintext", "kms:CreateGrant"), ["Resource"] = "*",
                ["Condition"] = new JsonObject { ["StringEquals"] = new JsonObject { ["kms:ViaService"] = $"ec2.{Region}.amazonaws.com" } },
            }),
    };
    if (principals.Length > 0)
    {
        await kms.PutKeyPolicyAsync(new PutKeyPolicyRequest { KeyId = keys[k], PolicyName = "default", Policy = policy.ToJsonString() }, c);
    }
});
setup.Stop();
Console.WriteLine($"built in {setup.Elapsed.TotalSeconds.ToString("0.0", inv)} s");

// Audit --------------------------------------------------------------------------------------------------------
var adapter = new AwsAdapterSettings();
var services = new CliServices(Connector: () => new AwsCloudConnector(adapter, credentials));
var output = new StringWriter();
var console = AnsiConsole.Create(new AnsiConsoleSettings { Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors, Out = new AnsiConsoleOutput(TextWriter.Null) });
var clock = Stopwatch.StartNew();
var exit = CliApp.Run(["audit", "--endpoint-url", endpoint, "--region", Region, "--since", "30d", "--output", "json", "--concurrency", concurrency.ToString(inv)], console, new CliIO(TextReader.Null, output), services);
clock.Stop();
var report = JsonNode.Parse(output.ToString())!;
var summary = report["summary"]!;
var calls = adapter.Counter.Snapshot();
var total = adapter.Counter.Total;

// The minimal count for the same data ----------------------------------------------------------------------------
// One paginated listing per kind at each API's largest page, one attribute read per image and snapshot (EC2 has no
// batch form), DescribeKey and GetKeyPolicy per key, ListGrants pages per key, each CloudTrail lookup's pages at
// 50 events, and the caller and organization reads once.
var account = report["accounts"]![0]!;
var imageCount = account["images"]!.AsArray().Count;
var snapshotCount = account["snapshots"]!.AsArray().Count;
var keysRead = account["keys"]!.AsArray().Count;
var grantPages = account["keys"]!.AsArray().Sum(k => Math.Max(1, ((int)k!["grants"]! + 99) / 100));
var aliasCount = (await kms.ListAliasesAsync(new ListAliasesRequest { Limit = 100 }, ct)).Aliases.Count;
var trailPages = await MinimalTrailPagesAsync();
var minimal = new SortedDictionary<string, long>(StringComparer.Ordinal)
{
    ["sts:GetCallerIdentity"] = 1,
    ["ec2:DescribeImages"] = Pages(imageCount, 1000),
    ["ec2:DescribeImageAttribute"] = imageCount,
    ["ec2:DescribeSnapshots"] = Pages(snapshotCount, 1000),
    ["ec2:DescribeSnapshotAttribute"] = snapshotCount,
    ["kms:ListKeys"] = Pages(keysRead, 1000),
    ["kms:ListAliases"] = Pages(aliasCount, 100),
    ["kms:DescribeKey"] = keysRead,
    ["kms:GetKeyPolicy"] = keysRead,
    ["kms:ListGrants"] = grantPages,
    ["cloudtrail:LookupEvents"] = trailPages,
    ["organizations:DescribeOrganization"] = 1,
};
var minimalTotal = minimal.Values.Sum();

Console.WriteLine($"audit exit {exit}: {imageCount} images, {snapshotCount} snapshots, {keysRead} keys, {(int)summary["findings"]!} findings");
Console.WriteLine($"wall time: {clock.Elapsed.TotalSeconds.ToString("0.00", inv)} s");
Console.WriteLine($"API calls: {total} (minimal {minimalTotal}, ratio {((double)total / minimalTotal).ToString("0.000", inv)}), throttled {adapter.Counter.TotalThrottled}");
foreach (var operation in calls.Keys.Union(minimal.Keys).Order(StringComparer.Ordinal))
{
    Console.WriteLine($"  {operation,-38} {calls.GetValueOrDefault(operation),6} (minimal {minimal.GetValueOrDefault(operation)})");
}

File.Delete(seedFile);
return clock.Elapsed < TimeSpan.FromSeconds(30) && total <= 1.2 * minimalTotal ? 0 : 1;

static long Pages(long items, int pageSize) => Math.Max(1, (items + pageSize - 1) / pageSize);

// What each of audit's CloudTrail lookups returns, read once more at LookupEvents' largest page, uncounted.
async Task<long> MinimalTrailPagesAsync()
{
    var factory = new AwsCloudAccountFactory(new AwsAdapterSettings());
    using var reader = await factory.CreateSourceAsync(new AwsConnectionOptions { Credentials = credentials, Region = Region, EndpointUrl = cloud.Endpoint }, ct);
    long pages = 0;
    foreach (var lookup in AuditInventoryReader.TrailLookups)
    {
        var records = 0L;
        await foreach (var unused in reader.LookupEventsAsync(Region, DateTimeOffset.UtcNow.AddDays(-30), lookup, ct))
        {
            records++;
        }

        pages += Pages(records, 50);
    }

    return pages;
}

async Task WaitAvailableAsync(IReadOnlyList<string> ids)
{
    foreach (var chunk in ids.Chunk(200))
    {
        while ((await ec2.DescribeImagesAsync(new DescribeImagesRequest { ImageIds = [.. chunk] }, ct)).Images.Any(i => i.State != ImageState.Available))
        {
            await Task.Delay(50, ct);
        }
    }
}

int Option(string name, int fallback)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length && int.TryParse(args[index + 1], NumberStyles.None, inv, out var value) ? value : fallback;
}

static string FindRepositoryRoot()
{
    for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
    {
        if (File.Exists(Path.Combine(directory.FullName, "AmiShare.slnx")))
        {
            return directory.FullName;
        }
    }

    throw new InvalidOperationException("The repository root (with AmiShare.slnx) is not above " + AppContext.BaseDirectory);
}
