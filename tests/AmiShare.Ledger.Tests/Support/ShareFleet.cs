using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Amazon.EC2;
using Amazon.EC2.Model;
using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using Amazon.Runtime;
using AmiShare.Core.KeyPolicies;
using AmiShare.Core.Ports;
using AmiShare.Core.Workflow;
using AmiShare.LocalCloud;
using AmiShare.LocalCloud.Seed;

namespace AmiShare.Ledger.Tests.Support;

/// <summary>
/// A LocalCloud in this process (port 0) with a source account, target accounts, keys and encrypted images, for
/// runs of the real CLI as child processes; and the checks after them, read back through the AWS API.
/// </summary>
internal sealed class ShareFleet : IAsyncDisposable
{
    public const string Source = "111111111111";
    public const string Region = "us-east-1";
    private const string PublicImageId = "ami-0a1b2c3d4e5f60001";

    private ShareFleet(LocalCloudServer server, ImmutableArray<string> targets)
    {
        Server = server;
        Targets = targets;
    }

    public LocalCloudServer Server { get; }

    public string Endpoint => Server.Endpoint.ToString().TrimEnd('/');

    public ImmutableArray<string> Targets { get; }

    public ImmutableArray<string> ImageIds { get; private set; } = [];

    /// <summary>The key each image is encrypted under, by image id.</summary>
    public ImmutableDictionary<string, string> KeyOfImage { get; private set; } = ImmutableDictionary<string, string>.Empty;

    public static CancellationToken Deadline => new CancellationTokenSource(TimeSpan.FromSeconds(120)).Token;

    public static BasicAWSCredentials Root(string account) => new(SeedAccount.DefaultRootAccessKeyId(account), SeedAccount.DefaultRootSecretAccessKey(account));

    public static async Task<ShareFleet> StartAsync(int images, int targets, int keys)
    {
        var targetAccounts = Enumerable.Range(1, targets).Select(i => (200_000_000_000L + i).ToString(CultureInfo.InvariantCulture)).ToImmutableArray();
        var seed = new SeedDocument
        {
            Regions = [Region],
            Accounts = [new SeedAccount { Id = Source, Name = "images" }, .. targetAccounts.Select(t => new SeedAccount { Id = t, Name = "target-" + t[^3..] })],
            PublicImages = [new SeedPublicImage { ImageId = PublicImageId, Name = "base", OwnerId = DefaultSeed.AmazonImageOwnerId, OwnerAlias = "amazon", Region = Region, ContentMiB = 1 }],
        };
        var fleet = new ShareFleet(await LocalCloudServer.StartAsync(new LocalCloudOptions { Seed = seed }, Deadline), targetAccounts);
        using var kms = fleet.Kms();
        using var ec2 = fleet.Ec2();
        var keyArns = new List<string>();
        for (var k = 0; k < keys; k++)
        {
            keyArns.Add((await kms.CreateKeyAsync(new CreateKeyRequest { Description = $"image key {k}" }, Deadline)).KeyMetadata.Arn);
        }

        var ids = new List<string>();
        var keyOf = ImmutableDictionary.CreateBuilder<string, string>();
        for (var i = 0; i < images; i++)
        {
            // No keys: the images are under aws/ebs, which cannot be shared: a share must re-encrypt them (copies).
            var key = keys == 0 ? null : keyArns[i % keys];
            var copy = await ec2.CopyImageAsync(new CopyImageRequest { SourceImageId = PublicImageId, SourceRegion = Region, Name = $"golden-{i:000}", Encrypted = true, KmsKeyId = key }, Deadline);
            ids.Add(copy.ImageId);
            keyOf[copy.ImageId] = key ?? "alias/aws/ebs";
        }

        fleet.ImageIds = [.. ids];
        fleet.KeyOfImage = keyOf.ToImmutable();
        return fleet;
    }

    public AmazonEC2Client Ec2() => new(Root(Source), new AmazonEC2Config { ServiceURL = Endpoint, AuthenticationRegion = Region, MaxErrorRetry = 0 });

    public AmazonKeyManagementServiceClient Kms() => new(Root(Source), new AmazonKeyManagementServiceConfig { ServiceURL = Endpoint, AuthenticationRegion = Region, MaxErrorRetry = 0 });

    public async Task<string> CreateKeyAsync(string description)
    {
        using var kms = Kms();
        return (await kms.CreateKeyAsync(new CreateKeyRequest { Description = description }, Deadline)).KeyMetadata.Arn;
    }

    public async Task<string> KeyPolicyAsync(string keyArn)
    {
        using var kms = Kms();
        return (await kms.GetKeyPolicyAsync(new GetKeyPolicyRequest { KeyId = keyArn, PolicyName = "default" }, Deadline)).Policy;
    }

    /// <summary>
    /// A foreign editor's change, made as careful people make it: read, add a statement, read again just before
    /// writing, write, read back, and again if a concurrent writer dropped it (KMS has no conditional put).
    /// </summary>
    public async Task AddForeignStatementAsync(string keyArn, string sid, CancellationToken cancellationToken)
    {
        using var kms = Kms();
        for (var attempt = 0; attempt < 20; attempt++)
        {
            var policy = JsonNode.Parse((await kms.GetKeyPolicyAsync(new GetKeyPolicyRequest { KeyId = keyArn, PolicyName = "default" }, cancellationToken)).Policy)!.AsObject();
            var statements = policy["Statement"]!.AsArray();
            if (statements.Any(s => (string?)s!["Sid"] == sid))
            {
                return;
            }

            statements.Add(JsonNode.Parse($$"""{"Sid":"{{sid}}","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::{{Source}}:root"},"Action":"kms:DescribeKey","Resource":"*"}"""));

            // Read again just before writing, and start over if it moved: the careful editor's only guard without a conditional put.
            var before = JsonNode.Parse((await kms.GetKeyPolicyAsync(new GetKeyPolicyRequest { KeyId = keyArn, PolicyName = "default" }, cancellationToken)).Policy)!["Statement"]!.AsArray().Count;
            if (before != statements.Count - 1)
            {
                continue;
            }

            await kms.PutKeyPolicyAsync(new PutKeyPolicyRequest { KeyId = keyArn, PolicyName = "default", Policy = policy.ToJsonString() }, cancellationToken);
        }

        throw new InvalidOperationException($"the foreign statement {sid} never stuck");
    }

    /// <summary>Owned images that are AmiShare copies, by the image they copy.</summary>
    public async Task<ILookup<string, string>> CopiesAsync()
    {
        using var ec2 = Ec2();
        var owned = (await ec2.DescribeImagesAsync(new DescribeImagesRequest { Owners = ["self"] }, Deadline)).Images ?? [];
        return owned
            .Where(i => i.State != ImageState.Deregistered)
            .SelectMany(i => (i.Tags ?? []).Where(t => t.Key == ImageDescription.CopyTag).Select(t => (Of: t.Value, i.ImageId)))
            .ToLookup(p => p.Of, p => p.ImageId, StringComparer.Ordinal);
    }

    public async Task<int> OwnedImageCountAsync()
    {
        using var ec2 = Ec2();
        return ((await ec2.DescribeImagesAsync(new DescribeImagesRequest { Owners = ["self"] }, Deadline)).Images ?? []).Count;
    }

    public async Task<ImmutableHashSet<string>> LaunchPermissionsAsync(string imageId)
    {
        using var ec2 = Ec2();
        var attribute = await ec2.DescribeImageAttributeAsync(new DescribeImageAttributeRequest { ImageId = imageId, Attribute = ImageAttributeName.LaunchPermission }, Deadline);
        return [.. (attribute.ImageAttribute.LaunchPermissions ?? []).Select(p => p.UserId).OfType<string>()];
    }

    /// <summary>
    /// The key policy's problems: a statement (or Sid) twice, a principal listed twice in one statement, a foreign
    /// statement gone, a target the policy engine does not admit for EC2's use of the key.
    /// </summary>
    public async Task<List<string>> KeyPolicyProblemsAsync(string keyArn, IEnumerable<string> targets, IEnumerable<string> foreignSids)
    {
        var text = await KeyPolicyAsync(keyArn);
        var statements = JsonNode.Parse(text)!["Statement"]!.AsArray().Select(s => s!).ToList();
        var problems = new List<string>();
        problems.AddRange(statements.GroupBy(s => s.ToJsonString()).Where(g => g.Count() > 1).Select(g => "duplicated statement " + g.Key));
        problems.AddRange(statements.Select(s => (string?)s["Sid"]).OfType<string>().GroupBy(s => s).Where(g => g.Count() > 1).Select(g => "duplicated Sid " + g.Key));
        foreach (var statement in statements)
        {
            if (statement["Principal"]?["AWS"] is JsonArray principals && principals.Select(p => (string?)p).GroupBy(p => p).FirstOrDefault(g => g.Count() > 1) is { } twice)
            {
                problems.Add($"principal {twice.Key} twice in {(string?)statement["Sid"]}");
            }
        }

        problems.AddRange(foreignSids.Where(sid => !statements.Any(s => (string?)s["Sid"] == sid)).Select(sid => "foreign statement lost: " + sid));
        var audience = KeyAudience.Of(targets.Select(t => $"arn:aws:iam::{t}:root"));
        problems.AddRange(KeyAccessCheck.Check(text, keyArn, Source, audience, expected: true).Where(f => !f.Allowed).Select(f => $"{f.Who} denied {f.Action}"));
        return problems;
    }

    public ValueTask DisposeAsync() => Server.DisposeAsync();
}

/// <summary>The built CLI (amishare.dll beside the tests) as a child process, as a CI runner starts it.</summary>
internal static class AmishareProcess
{
    private static readonly string Dll = Path.Combine(AppContext.BaseDirectory, "amishare.dll");

    /// <param name="Killed">True when the test sent SIGKILL (the exit code is then the signal's).</param>
    public sealed record Result(int ExitCode, bool Killed, string Output, int StepLines);

    /// <summary>
    /// Runs amishare; with <paramref name="killAfterStepLines"/>, sends SIGKILL (kill -9) as soon as the process has
    /// printed that many step progress lines ("  [i/n] ACTION …"): a real kill between or inside its steps.
    /// </summary>
    /// <param name="onLine">Sees each line of standard output as it comes (a test acting when the process reaches a point).</param>
    public static async Task<Result> RunAsync(ShareFleet fleet, IEnumerable<string> arguments, int? killAfterStepLines = null, TimeSpan? timeout = null, Action<string>? onLine = null)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        start.ArgumentList.Add(Dll);
        // The cloud commands get this LocalCloud; the ledger commands take no endpoint or Region.
        var list = arguments.ToList();
        foreach (var argument in list.Concat(list[0] == "ledger" ? ["--no-color"] : ["--endpoint-url", fleet.Endpoint, "--region", ShareFleet.Region, "--no-color"]))
        {
            start.ArgumentList.Add(argument);
        }

        var root = ShareFleet.Root(ShareFleet.Source).GetCredentials();
        start.Environment["AWS_ACCESS_KEY_ID"] = root.AccessKey;
        start.Environment["AWS_SECRET_ACCESS_KEY"] = root.SecretKey;
        start.Environment.Remove("AWS_SESSION_TOKEN");
        start.Environment.Remove("AWS_PROFILE");
        start.Environment.Remove("AMISHARE_LEDGER");
        start.Environment.Remove("AWS_ENDPOINT_URL_DYNAMODB");
        start.Environment["AWS_CONFIG_FILE"] = "/dev/null";
        start.Environment["AWS_SHARED_CREDENTIALS_FILE"] = "/dev/null";
        start.Environment["AWS_EC2_METADATA_DISABLED"] = "true";
        start.Environment["COLUMNS"] = "400";

        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start dotnet " + Dll);
        process.StandardInput.Close();
        var output = new StringBuilder();
        var stepLines = 0;
        var killed = false;
        var gate = new Lock();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timer = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(180));
        try
        {
            while (await process.StandardOutput.ReadLineAsync(timer.Token) is { } line)
            {
                onLine?.Invoke(line);
                lock (gate)
                {
                    output.AppendLine(line);
                    if (line.StartsWith("  [", StringComparison.Ordinal))
                    {
                        stepLines++;
                    }

                    if (!killed && killAfterStepLines is { } after && stepLines >= after)
                    {
                        process.Kill(entireProcessTree: false); // SIGKILL on Linux: no handler, no flush, no finally.
                        killed = true;
                    }
                }
            }

            await process.WaitForExitAsync(timer.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("amishare did not finish in time: " + output);
        }

        output.Append(await stderr);
        return new Result(process.ExitCode, killed, output.ToString(), stepLines);
    }
}
