using System.Text.Json;
using System.Text.Json.Nodes;
using Amazon.EC2;
using Amazon.EC2.Model;
using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using Amazon.Runtime;
using AmiShare.Aws;
using AmiShare.Cli.Infrastructure;
using AmiShare.Core.Execution;
using AmiShare.LocalCloud;

namespace AmiShare.Cli.Tests.Share;

/// <summary>
/// A LocalCloud (default seed) on an ephemeral port, a private ledger, and the steps the tests build scenarios
/// from: images under aws/ebs or a customer key, keys, roles in target accounts. Commands run through the real
/// CLI with the real AWS SDK adapter, with the named account's root keys standing in for a profile.
/// </summary>
internal sealed class ShareScenario : IAsyncDisposable
{
    public const string Images = "111111111111";
    public const string Prod = "222222222222";
    public const string Dev = "333333333333";
    public const string Partner = "444444444444";
    public const string Region = "us-east-1";
    public const string OrganizationArn = "arn:aws:organizations::100000000000:organization/o-amishare01";
    public const string ProdOuArn = "arn:aws:organizations::100000000000:ou/o-amishare01/ou-ams1-prodacct";
    public const string LauncherRole = "ImageLauncher";

    private readonly List<IDisposable> owned = [];
    private readonly string ledgerDirectory = Path.Combine(Path.GetTempPath(), "amishare-tests-" + Guid.NewGuid().ToString("N"));

    private ShareScenario(LocalCloudServer server)
    {
        Server = server;
        Directory.CreateDirectory(ledgerDirectory);
    }

    public static CancellationToken Deadline => new CancellationTokenSource(TimeSpan.FromSeconds(120)).Token;

    public LocalCloudServer Server { get; }

    public string Endpoint => Server.Endpoint.ToString().TrimEnd('/');

    public string LedgerPath => Path.Combine(ledgerDirectory, "ledger.db");

    /// <summary>Fault injection for the next commands (kill-and-resume, concurrent edits).</summary>
    public Func<StepCheckpoint, CancellationToken, ValueTask>? Checkpoint { get; set; }

    public static async Task<ShareScenario> StartAsync() => new(await LocalCloudServer.StartAsync(new LocalCloudOptions(), Deadline));

    /// <summary>A cloud whose seed serves these Regions (share --to-region).</summary>
    public static async Task<ShareScenario> StartAsync(IReadOnlyList<string> regions) =>
        new(await LocalCloudServer.StartAsync(new LocalCloudOptions { Seed = AmiShare.LocalCloud.Seed.DefaultSeed.Create() with { Regions = [.. regions] } }, Deadline));

    /// <summary>A cloud started from <paramref name="seed"/> (a larger organization, delegated administrators).</summary>
    public static async Task<ShareScenario> StartAsync(AmiShare.LocalCloud.Seed.SeedDocument seed) =>
        new(await LocalCloudServer.StartAsync(new LocalCloudOptions { Seed = seed }, Deadline));

    public static string LauncherArn(string account) => $"arn:aws:iam::{account}:role/{LauncherRole}";

    public static BasicAWSCredentials Root(string account) => new("AKIAROOT" + account, "LocalCloudRootSecretKeyForAccount" + account);

    /// <summary>Runs amishare as the account's root user against this cloud.</summary>
    public CliRunner.Outcome Run(string account, params string[] args)
    {
        var services = new CliServices(
            Connector: () => new AwsCloudConnector(new AwsAdapterSettings(), Root(account)),
            Checkpoint: Checkpoint,
            PollInterval: TimeSpan.FromMilliseconds(20));
        return CliRunner.RunWith(services, [.. args, "--endpoint-url", Endpoint, "--region", Region, "--ledger", LedgerPath]);
    }

    /// <summary>
    /// Runs a read-only command (doctor, audit: no ledger) as the account's root, with another account's root as
    /// the target credentials when <paramref name="targetAccount"/> is given.
    /// </summary>
    public CliRunner.Outcome RunReads(string account, string? targetAccount, params string[] args)
    {
        var services = new CliServices(
            Connector: () => new AwsCloudConnector(new AwsAdapterSettings(), Root(account), targetAccount is null ? null : Root(targetAccount)),
            PollInterval: TimeSpan.FromMilliseconds(20));
        return CliRunner.RunWith(services, [.. args, "--endpoint-url", Endpoint, "--region", Region]);
    }

    /// <summary><see cref="RunReads"/> with --output json, parsing standard output.</summary>
    public (CliRunner.Outcome Outcome, JsonObject Json) RunReadsJson(string account, string? targetAccount, params string[] args)
    {
        var outcome = RunReads(account, targetAccount, [.. args, "--output", "json"]);
        Assert.True(outcome.Out.Length > 0, $"no JSON on standard output (exit {outcome.ExitCode}): {outcome.Console}");
        return (outcome, JsonNode.Parse(outcome.Out)!.AsObject());
    }

    /// <summary>Shares an image by launch permission alone, as a hand edit would: no key policy, no grant.</summary>
    public async Task AddLaunchPermissionAsync(string owner, string imageId, string account) =>
        await Ec2(owner).ModifyImageAttributeAsync(new ModifyImageAttributeRequest
        {
            ImageId = imageId,
            LaunchPermission = new LaunchPermissionModifications { Add = [new LaunchPermission { UserId = account }] },
        }, Deadline);

    /// <summary>Makes a snapshot public (createVolumePermission Group=all).</summary>
    public async Task MakeSnapshotPublicAsync(string owner, string snapshotId) =>
        await Ec2(owner).ModifySnapshotAttributeAsync(new ModifySnapshotAttributeRequest
        {
            SnapshotId = snapshotId,
            Attribute = SnapshotAttributeName.CreateVolumePermission,
            CreateVolumePermission = new CreateVolumePermissionModifications { Add = [new CreateVolumePermission { Group = PermissionGroup.All }] },
        }, Deadline);

    /// <summary>A grant on <paramref name="keyArn"/> for <paramref name="grantee"/>; returns the grant id.</summary>
    public async Task<string> CreateGrantAsync(string owner, string keyArn, string grantee, params string[] operations) =>
        (await Kms(owner).CreateGrantAsync(new CreateGrantRequest { KeyId = keyArn, GranteePrincipal = grantee, Operations = [.. operations.Select(GrantOperation.FindValue)] }, Deadline)).GrantId;

    /// <summary>Runs with --output json and parses standard output.</summary>
    public (CliRunner.Outcome Outcome, JsonObject Json) RunJson(string account, params string[] args)
    {
        var outcome = Run(account, [.. args, "--output", "json"]);
        Assert.True(outcome.Out.Length > 0, $"no JSON on standard output (exit {outcome.ExitCode}): {outcome.Console}");
        return (outcome, JsonNode.Parse(outcome.Out)!.AsObject());
    }

    public AmazonEC2Client Ec2(string account, string region = Region) =>
        Own(new AmazonEC2Client(Root(account), new AmazonEC2Config { ServiceURL = Endpoint, AuthenticationRegion = region, MaxErrorRetry = 0 }));

    public AmazonKeyManagementServiceClient Kms(string account, string region = Region) =>
        Own(new AmazonKeyManagementServiceClient(Root(account), new AmazonKeyManagementServiceConfig { ServiceURL = Endpoint, AuthenticationRegion = region, MaxErrorRetry = 0 }));

    /// <summary>A customer managed key with the default key policy (the account root may do everything), and an alias.</summary>
    public async Task<string> CreateKeyAsync(string owner, string? alias = null)
    {
        var kms = Kms(owner);
        var key = await kms.CreateKeyAsync(new CreateKeyRequest { Description = "test key" }, Deadline);
        if (alias is not null)
        {
            await kms.CreateAliasAsync(new CreateAliasRequest { AliasName = alias, TargetKeyId = key.KeyMetadata.KeyId }, Deadline);
        }

        return key.KeyMetadata.Arn;
    }

    /// <summary>Launches the public image with its root volume under <paramref name="kmsKeyId"/> (null: aws/ebs) and images the instance.</summary>
    public Task<(string ImageId, string SnapshotId)> CreateImageAsync(string account, string name, string? kmsKeyId) =>
        ImageFromInstanceAsync(account, name, [new BlockDeviceMapping { DeviceName = "/dev/xvda", Ebs = new EbsBlockDevice { Encrypted = true, KmsKeyId = kmsKeyId } }]);

    /// <summary>An image whose root snapshot is not encrypted (launched without a mapping, encryption by default off).</summary>
    public Task<(string ImageId, string SnapshotId)> CreateUnencryptedImageAsync(string account, string name) =>
        ImageFromInstanceAsync(account, name, null);

    private async Task<(string ImageId, string SnapshotId)> ImageFromInstanceAsync(string account, string name, List<BlockDeviceMapping>? mappings)
    {
        var ec2 = Ec2(account);
        var run = await ec2.RunInstancesAsync(new RunInstancesRequest { ImageId = "ami-0a1b2c3d4e5f60001", MinCount = 1, MaxCount = 1, InstanceType = InstanceType.T3Micro, BlockDeviceMappings = mappings }, Deadline);
        var instanceId = run.Reservation.Instances[0].InstanceId;
        for (var i = 0; i < 100 && (await ec2.DescribeInstancesAsync(new DescribeInstancesRequest { InstanceIds = [instanceId] }, Deadline)).Reservations[0].Instances[0].State.Name != InstanceStateName.Running; i++)
        {
            await Task.Delay(20);
        }

        var image = await ec2.CreateImageAsync(new CreateImageRequest { InstanceId = instanceId, Name = name }, Deadline);
        await ec2.TerminateInstancesAsync(new TerminateInstancesRequest { InstanceIds = [instanceId] }, Deadline);
        var described = await ec2.DescribeImagesAsync(new DescribeImagesRequest { ImageIds = [image.ImageId] }, Deadline);
        return (image.ImageId, described.Images[0].BlockDeviceMappings[0].Ebs.SnapshotId);
    }

    /// <summary>A role in <paramref name="account"/> that <paramref name="trusted"/> may assume, with inline policies.</summary>
    public async Task CreateRoleAsync(string account, string trusted, params (string Name, string Document)[] policies)
    {
        using var iam = await IamAdministration.CreateAsync(Server.Endpoint, Region, Root(account), TimeProvider.System, Deadline);
        var trust = $$"""{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::{{trusted}}:root"},"Action":"sts:AssumeRole"}]}""";
        await iam.CreateRoleAsync(LauncherRole, trust, Deadline);

        // What verify itself reads (the image, default key, simulator); not part of the launch policy under test.
        await iam.PutRolePolicyAsync(LauncherRole, "verify-reads", Core.Iam.TargetIamPolicyBuilder.VerifyReadsPolicy(LauncherArn(account), [Region]), Deadline);
        foreach (var (name, document) in policies)
        {
            await iam.PutRolePolicyAsync(LauncherRole, name, document, Deadline);
        }
    }

    public async Task<string> KeyPolicyAsync(string owner, string keyArn) =>
        (await Kms(owner).GetKeyPolicyAsync(new GetKeyPolicyRequest { KeyId = keyArn, PolicyName = "default" }, Deadline)).Policy;

    public async Task PutKeyPolicyAsync(string owner, string keyArn, string policy) =>
        await Kms(owner).PutKeyPolicyAsync(new PutKeyPolicyRequest { KeyId = keyArn, PolicyName = "default", Policy = policy }, Deadline);

    public async Task<List<string>> LaunchPermissionsAsync(string owner, string imageId)
    {
        var attribute = await Ec2(owner).DescribeImageAttributeAsync(new DescribeImageAttributeRequest { ImageId = imageId, Attribute = ImageAttributeName.LaunchPermission }, Deadline);
        return [.. (attribute.ImageAttribute.LaunchPermissions ?? []).Select(p => p.UserId ?? p.OrganizationArn ?? p.OrganizationalUnitArn ?? p.Group?.Value ?? string.Empty)];
    }

    public async Task<List<Amazon.EC2.Model.Image>> ImagesAsync(string owner) =>
        (await Ec2(owner).DescribeImagesAsync(new DescribeImagesRequest { Owners = ["self"] }, Deadline)).Images ?? [];

    /// <summary>LocalCloud's admin digest of the decrypted content of a snapshot or volume.</summary>
    public async Task<string> DigestAsync(string id)
    {
        using var http = new HttpClient();
        var body = await http.GetStringAsync(new Uri(Server.Endpoint, "_localcloud/content/" + id), Deadline);
        using var document = JsonDocument.Parse(body);
        return document.RootElement.GetProperty("sha256").GetString()!;
    }

    /// <summary>The policy AmiShare emits for the target, read from a share's JSON.</summary>
    public static string EmittedIamPolicy(JsonObject shareJson) =>
        shareJson["steps"]!.AsArray().Single(s => (string?)s!["action"] == "EmitTargetIamPolicy")!["details"]!["policy"]!.ToJsonString();

    public static List<JsonObject> Steps(JsonObject json) => [.. json["steps"]!.AsArray().Select(s => s!.AsObject())];

    private T Own<T>(T disposable)
        where T : IDisposable
    {
        owned.Add(disposable);
        return disposable;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var d in owned)
        {
            d.Dispose();
        }

        await Server.DisposeAsync();
        try
        {
            Directory.Delete(ledgerDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A ledger still open by a crashed run is left for the OS to clean.
        }
    }
}
