using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Amazon.EC2;
using Amazon.EC2.Model;
using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using Amazon.Runtime;
using Amazon.SecurityToken;
using Amazon.SecurityToken.Model;
using AmiShare.Aws;
using AmiShare.Cli.Infrastructure;

namespace AmiShare.Cli.Tests.Share;

/// <summary>
/// The share flow against moto_server, an independent implementation of the AWS API: the same CLI, adapter and SDK
/// requests as against LocalCloud. The last test pins moto's gaps that docs/moto.md describes, so the page stays
/// true when moto changes.
/// </summary>
public sealed class MotoTests(MotoServer moto) : IClassFixture<MotoServer>
{
    private const string Target = "222222222222";

    [MotoFact]
    public async Task Share_UnencryptedMotoImage_RefusesWithTheReencryptFix()
    {
        // moto gives every AMI an unencrypted snapshot, whatever the request said: AmiShare must refuse to share it.
        var image = await moto.RegisterImageAsync("golden-refused");

        var (outcome, json) = moto.RunJson("share", image, "--with", Target, "--yes");

        Assert.Equal(ExitCodes.CheckFailed, outcome.ExitCode);
        Assert.Equal("refused", (string?)json["mode"]);
        Assert.Contains(json["findings"]!.AsArray(), f => (string?)f!["code"] == "UnencryptedImage" && (string?)f["resource"] == image);
        Assert.Empty(await moto.LaunchPermissionsAsync(image));
    }

    [MotoFact]
    public async Task Share_WithReencryptKeyOnMoto_CopiesSharesTheCopyAndWritesTheKeyPolicy()
    {
        var key = await moto.CreateKeyAsync();
        var image = await moto.RegisterImageAsync("golden-shared");

        var (outcome, json) = moto.RunJson("share", image, "--with", Target, "--reencrypt-key", key, "--yes");

        Assert.Equal(ExitCodes.Success, outcome.ExitCode);
        Assert.Equal("applied", (string?)json["mode"]);
        var steps = ShareScenario.Steps(json);
        var copy = (string)steps.Single(s => (string?)s["action"] == "CopyImageUnderCustomerKey")["resource"]!;
        Assert.NotEqual(image, copy);
        Assert.Equal([Target], await moto.LaunchPermissionsAsync(copy));
        Assert.Empty(await moto.LaunchPermissionsAsync(image));

        // moto stores the policy as given: AmiShare's statements are added and moto's own default statement is kept.
        var policy = JsonNode.Parse(await moto.KeyPolicyAsync(key))!["Statement"]!.AsArray();
        var sids = policy.Select(s => (string?)s!["Sid"]).ToList();
        Assert.Contains("AmiShareUseUsEast1", sids);
        Assert.Contains("AmiShareGrantUsEast1", sids);
        Assert.Contains("Enable IAM User Permissions", sids);
        Assert.Contains($"arn:aws:iam::{Target}:root", policy.ToJsonString(), StringComparison.Ordinal);
        Assert.All(json["keyChecks"]!.AsArray(), c => Assert.True((bool)c!["passed"]!));
    }

    [MotoFact]
    public async Task Moto_DocumentedGaps_StillHold()
    {
        var key = await moto.CreateKeyAsync();
        var image = await moto.RegisterImageAsync("golden-gaps");
        var (first, json) = moto.RunJson("share", image, "--with", Target, "--reencrypt-key", key, "--yes");
        Assert.Equal(ExitCodes.Success, first.ExitCode);
        var copy = (string)ShareScenario.Steps(json).Single(s => (string?)s["action"] == "CopyImageUnderCustomerKey")["resource"]!;

        // CopyImage ignores Encrypted/KmsKeyId and TagSpecifications: the copy is unencrypted and untagged.
        var described = (await moto.Ec2.DescribeImagesAsync(new DescribeImagesRequest { ImageIds = [copy] }, MotoServer.Deadline)).Images.Single();
        Assert.Empty(described.Tags ?? []);
        var snapshot = (await moto.Ec2.DescribeSnapshotsAsync(new DescribeSnapshotsRequest { SnapshotIds = [described.BlockDeviceMappings[0].Ebs.SnapshotId] }, MotoServer.Deadline)).Snapshots.Single();
        Assert.False(snapshot.Encrypted ?? false);

        // So a rerun cannot find AmiShare's copy by its tag and copies again: not idempotent on moto.
        var (second, again) = moto.RunJson("share", image, "--with", Target, "--reencrypt-key", key, "--yes");
        Assert.Equal(ExitCodes.Success, second.ExitCode);
        var step = ShareScenario.Steps(again).Single(s => (string?)s["action"] == "CopyImageUnderCustomerKey");
        Assert.Equal("Applied", (string?)step["status"]);
        Assert.NotEqual(copy, (string?)step["resource"]);

        // Accounts are silos: the target (an assumed role in 222222222222) sees neither the shared copy nor the key.
        using var target = await moto.AssumeTargetAsync(Target);
        var invisible = await Assert.ThrowsAsync<AmazonEC2Exception>(() => target.Ec2.DescribeImagesAsync(new DescribeImagesRequest { ImageIds = [copy] }, MotoServer.Deadline));
        Assert.Equal("InvalidAMIID.NotFound", invisible.ErrorCode);
        await Assert.ThrowsAsync<Amazon.KeyManagementService.Model.NotFoundException>(() => target.Kms.DescribeKeyAsync(new DescribeKeyRequest { KeyId = key }, MotoServer.Deadline));

        // GetEbsDefaultKmsKeyId is not implemented (HTTP 500), so verify stops there.
        var verify = moto.Run("verify", copy, "--target-role-arn", $"arn:aws:iam::{Target}:role/Launcher");
        Assert.NotEqual(ExitCodes.Success, verify.ExitCode);
        Assert.Contains("GetEbsDefaultKmsKeyId", verify.Console, StringComparison.Ordinal);
    }
}

/// <summary>A test that needs moto_server on PATH; skipped, with the reason and the fix, when it is not there.</summary>
public sealed class MotoFactAttribute : FactAttribute
{
    public MotoFactAttribute()
    {
        if (!MotoServer.IsInstalled)
        {
            Skip = "moto_server is not on PATH; install it with: pip install 'moto[server]'";
        }
    }
}

/// <summary>
/// moto_server on 127.0.0.1 and a free port, for one test class; stopped (its process, by id) when the class is done.
/// moto accepts any credentials and puts requests in account 123456789012; AssumeRole into another account's role
/// returns credentials for that account (moto's documented multi-account mode).
/// </summary>
public sealed class MotoServer : IAsyncLifetime, IDisposable
{
    public const string Region = "us-east-1";
    public const string SourceAccount = "123456789012";

    private static readonly BasicAWSCredentials SourceCredentials = new("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
    private readonly string ledgerDirectory = Path.Combine(Path.GetTempPath(), "amishare-moto-" + Guid.NewGuid().ToString("N"));
    private Process? process;
    private AmazonEC2Client? ec2;
    private AmazonKeyManagementServiceClient? kms;

    public static bool IsInstalled { get; } = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
        .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
        .Any(d => File.Exists(Path.Combine(d, "moto_server")));

    public static CancellationToken Deadline => new CancellationTokenSource(TimeSpan.FromSeconds(120)).Token;

    public string Endpoint { get; private set; } = string.Empty;

    public AmazonEC2Client Ec2 => ec2 ?? throw new InvalidOperationException("moto is not running");

    public AmazonKeyManagementServiceClient Kms => kms ?? throw new InvalidOperationException("moto is not running");

    public async Task InitializeAsync()
    {
        if (!IsInstalled)
        {
            return;
        }

        // Free port: bind port 0, read it, release it; moto_server cannot be told to pick one and report it.
        int port;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
            listener.Stop();
        }

        var start = new ProcessStartInfo("moto_server") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { "-H", "127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(arg);
        }

        // moto's AMI catalogue is not needed (the tests register their images) and slows every DescribeImages.
        start.Environment["MOTO_EC2_LOAD_DEFAULT_AMIS"] = "false";
        process = Process.Start(start) ?? throw new InvalidOperationException("could not start moto_server");

        // moto logs every request: drain both pipes so a full one never stalls it.
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        Endpoint = $"http://127.0.0.1:{port}";
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var waited = Stopwatch.StartNew();
        while (true)
        {
            Assert.False(process.HasExited, $"moto_server exited with code {(process.HasExited ? process.ExitCode : 0)} before answering");
            try
            {
                using var response = await http.GetAsync(new Uri(Endpoint + "/moto-api/"), Deadline);
                break;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && waited.Elapsed < TimeSpan.FromSeconds(60))
            {
                await Task.Delay(200);
            }
        }

        Directory.CreateDirectory(ledgerDirectory);
        ec2 = new AmazonEC2Client(SourceCredentials, new AmazonEC2Config { ServiceURL = Endpoint, AuthenticationRegion = Region, MaxErrorRetry = 0 });
        kms = new AmazonKeyManagementServiceClient(SourceCredentials, new AmazonKeyManagementServiceConfig { ServiceURL = Endpoint, AuthenticationRegion = Region, MaxErrorRetry = 0 });
    }

    /// <summary>amishare against moto with explicit credentials (what AWS_ACCESS_KEY_ID would give, without touching the test process's environment).</summary>
    internal CliRunner.Outcome Run(params string[] args)
    {
        var services = new CliServices(Connector: () => new AwsCloudConnector(new AwsAdapterSettings(), SourceCredentials), PollInterval: TimeSpan.FromMilliseconds(20));
        return CliRunner.RunWith(services, [.. args, "--endpoint-url", Endpoint, "--region", Region, "--ledger", Path.Combine(ledgerDirectory, "ledger.db")]);
    }

    internal (CliRunner.Outcome Outcome, JsonObject Json) RunJson(params string[] args)
    {
        var outcome = Run([.. args, "--output", "json"]);
        Assert.True(outcome.Out.Length > 0, $"no JSON on standard output (exit {outcome.ExitCode}): {outcome.Console}");
        return (outcome, JsonNode.Parse(outcome.Out)!.AsObject());
    }

    public async Task<string> CreateKeyAsync() =>
        (await Kms.CreateKeyAsync(new CreateKeyRequest { Description = "moto test key" }, Deadline)).KeyMetadata.Arn;

    /// <summary>RegisterImage: moto ignores the block-device mappings and gives the image its own unencrypted snapshot.</summary>
    public async Task<string> RegisterImageAsync(string name) =>
        (await Ec2.RegisterImageAsync(new RegisterImageRequest { Name = name, RootDeviceName = "/dev/xvda" }, Deadline)).ImageId;

    public async Task<List<string>> LaunchPermissionsAsync(string imageId)
    {
        var attribute = await Ec2.DescribeImageAttributeAsync(new DescribeImageAttributeRequest { ImageId = imageId, Attribute = ImageAttributeName.LaunchPermission }, Deadline);
        return [.. (attribute.ImageAttribute.LaunchPermissions ?? []).Select(p => p.UserId ?? p.Group?.Value ?? string.Empty)];
    }

    public async Task<string> KeyPolicyAsync(string keyArn) =>
        (await Kms.GetKeyPolicyAsync(new GetKeyPolicyRequest { KeyId = keyArn, PolicyName = "default" }, Deadline)).Policy;

    /// <summary>Clients in <paramref name="account"/>: moto hands out that account's credentials for any role ARN in it.</summary>
    public async Task<TargetClients> AssumeTargetAsync(string account)
    {
        using var sts = new AmazonSecurityTokenServiceClient(SourceCredentials, new AmazonSecurityTokenServiceConfig { ServiceURL = Endpoint, AuthenticationRegion = Region, MaxErrorRetry = 0 });
        var assumed = await sts.AssumeRoleAsync(new AssumeRoleRequest { RoleArn = $"arn:aws:iam::{account}:role/Launcher", RoleSessionName = "moto-test" }, Deadline);
        var credentials = new SessionAWSCredentials(assumed.Credentials.AccessKeyId, assumed.Credentials.SecretAccessKey, assumed.Credentials.SessionToken);
        return new TargetClients(
            new AmazonEC2Client(credentials, new AmazonEC2Config { ServiceURL = Endpoint, AuthenticationRegion = Region, MaxErrorRetry = 0 }),
            new AmazonKeyManagementServiceClient(credentials, new AmazonKeyManagementServiceConfig { ServiceURL = Endpoint, AuthenticationRegion = Region, MaxErrorRetry = 0 }));
    }

    public sealed record TargetClients(AmazonEC2Client Ec2, AmazonKeyManagementServiceClient Kms) : IDisposable
    {
        public void Dispose()
        {
            Ec2.Dispose();
            Kms.Dispose();
        }
    }

    public async Task DisposeAsync()
    {
        if (process is { HasExited: false })
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        Dispose();
    }

    public void Dispose()
    {
        ec2?.Dispose();
        kms?.Dispose();
        process?.Dispose();
        (ec2, kms, process) = (null, null, null);
        if (Directory.Exists(ledgerDirectory))
        {
            Directory.Delete(ledgerDirectory, recursive: true);
        }
    }
}
