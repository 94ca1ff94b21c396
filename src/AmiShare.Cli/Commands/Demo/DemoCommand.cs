using System.ComponentModel;
using System.Diagnostics;
using System.Text.Json;
using Amazon.EC2;
using Amazon.EC2.Model;
using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using Amazon.Runtime;
using AmiShare.Aws;
using AmiShare.Cli.Infrastructure;
using AmiShare.Core.Iam;
using AmiShare.Core.Ports;
using AmiShare.LocalCloud;
using AmiShare.LocalCloud.Seed;
using AmiShare.Policy.Catalogue;
using AmiShare.Policy.Model;
using Spectre.Console;
using Spectre.Console.Cli;

namespace AmiShare.Cli.Commands.Demo;

public sealed class DemoSettings : CommonSettings
{
    [CommandOption("--keep-running")]
    [Description("Keep LocalCloud running after the story (until Ctrl+C) to explore it with the AWS CLI.")]
    public bool KeepRunning { get; init; }
}

/// <summary>
/// <c>amishare demo</c>: the classic story on an embedded LocalCloud with the default seed, told with the real
/// commands. The images team (111111111111) builds a golden image under aws/ebs; share refuses and says why;
/// share with --reencrypt-key works; verify passes from the prod account's (222222222222) role; a launch there
/// runs with the same content; adopt re-encrypts under prod's own key; unshare; verify now fails and says why.
/// Exits 0 only when every chapter ends the way the story says.
/// </summary>
public sealed partial class DemoCommand(IAnsiConsole console, CliIO io, CliServices services) : AsyncCommand<DemoSettings>
{
    private const string Region = "us-east-1";
    private const string Source = DefaultSeed.ImagesAccountId;
    private const string Target = DefaultSeed.ProdAccountId;
    private const string GoldenName = "golden-al2-2026.11";
    private const string LauncherRole = "ImageLauncher";

    private static readonly string LauncherRoleArn = $"arn:aws:iam::{Target}:role/{LauncherRole}";

    public override async Task<int> ExecuteAsync(CommandContext context, DemoSettings settings, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        // The default seed, serving the multi-Region chapter's Regions too.
        var seed = DefaultSeed.Create() with { Regions = [Region, .. Destinations] };
        await using var cloud = await LocalCloudServer.StartAsync(new LocalCloudOptions { TimeProvider = services.Clock, Seed = seed }, cancellationToken).ConfigureAwait(false);
        var endpoint = cloud.Endpoint.ToString().TrimEnd('/');
        var ledger = Path.Combine(Path.GetTempPath(), $"amishare-demo-{Guid.NewGuid():N}.db");
        // With --output json the story is told to nobody and only its outcome is printed, as JSON.
        var json = settings.Output == Infrastructure.OutputFormat.Json;
        var storyConsole = json ? AnsiConsole.Create(new AnsiConsoleSettings { Ansi = AnsiSupport.No, Out = new AnsiConsoleOutput(TextWriter.Null) }) : console;
        var story = new Story(storyConsole, json ? io with { Out = TextWriter.Null } : io, services, cloud, endpoint, ledger, settings.NoColor);
        try
        {
            var ok = await story.TellAsync(cancellationToken).ConfigureAwait(false);
            if (json)
            {
                io.Out.WriteLine(JsonSerializer.Serialize(new
                {
                    ok,
                    seconds = Math.Round(clock.Elapsed.TotalSeconds, 1),
                    chapters = story.Chapters.Select((c, i) => new { number = i + 1, title = c.Title, ok = c.Ok }),
                }));
                io.Out.Flush();
                return ok ? ExitCodes.Success : ExitCodes.CheckFailed;
            }

            console.WriteLine();
            if (ok)
            {
                console.MarkupLineInterpolated($"[green]The story ended as it should[/] in {clock.Elapsed.TotalSeconds:0.0} s.");
            }
            else
            {
                console.MarkupLineInterpolated($"[red]The story did not end as it should[/] ({clock.Elapsed.TotalSeconds:0.0} s): a chapter above says which.");
            }
            if (settings.KeepRunning)
            {
                console.MarkupLineInterpolated($"LocalCloud stays up at [bold]{endpoint}[/]; press Ctrl+C to stop.");
                try
                {
                    await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    // Ctrl+C ends the exploration.
                }
            }

            return ok ? ExitCodes.Success : ExitCodes.CheckFailed;
        }
        finally
        {
            foreach (var file in new[] { ledger, ledger + "-wal", ledger + "-shm" })
            {
                File.Delete(file);
            }
        }
    }

    private sealed partial class Story(IAnsiConsole console, CliIO io, CliServices services, LocalCloudServer cloud, string endpoint, string ledger, bool noColor)
    {
        private readonly HttpClient admin = new() { BaseAddress = new Uri(endpoint + "/") };
        private readonly List<(string Title, bool Ok)> chapters = [];

        public IReadOnlyList<(string Title, bool Ok)> Chapters => chapters;

        public async Task<bool> TellAsync(CancellationToken cancellationToken)
        {
            console.MarkupLineInterpolated($"[bold]AmiShare demo[/] — LocalCloud at {endpoint} (default seed: images {Source}, prod {Target}, organization {DefaultSeed.OrganizationId}).");
            var source = Credentials(Source);
            var target = Credentials(Target);

            Chapter("The images team builds a golden image. EBS encryption by default is on, so it is encrypted with the AWS managed key aws/ebs.");
            var golden = await BuildGoldenImageAsync(source, cancellationToken).ConfigureAwait(false);
            var keyArn = await CreateKeyAsync(source, "alias/golden-images", "Golden images", cancellationToken).ConfigureAwait(false);
            console.MarkupLineInterpolated($"  golden image {golden.ImageId} ({GoldenName}), snapshot {golden.SnapshotId}; customer managed key alias/golden-images = {keyArn}");
            var sourceDigest = await DigestAsync(golden.SnapshotId, cancellationToken).ConfigureAwait(false);

            Chapter("Sharing it as it is must fail: an aws/ebs image cannot be shared, and AmiShare says what to do.");
            var ok = Expect(Run(source, null, "share", GoldenName, "--with", Target, "--yes"), ExitCodes.CheckFailed);

            Chapter("Share a copy re-encrypted under the customer managed key (and let prod copy it: --allow-copy). AmiShare plans each step with its reason and applies it.");
            ok &= Expect(Run(source, null, "share", GoldenName, "--with", Target, "--reencrypt-key", "alias/golden-images", "--allow-copy", "--yes"), ExitCodes.Success);

            Chapter($"The prod team attaches the IAM policy AmiShare printed to its launching role {LauncherRole} (trusted by {Source}, the cross-account-role practice).");
            await CreateLauncherRoleAsync(target, keyArn, cancellationToken).ConfigureAwait(false);
            var prodKeyArn = await CreateKeyAsync(target, "alias/prod-ebs", "Prod EBS", cancellationToken).ConfigureAwait(false);
            await AllowOwnKeyAsync(target, prodKeyArn, cancellationToken).ConfigureAwait(false);
            console.MarkupLineInterpolated($"  role {LauncherRoleArn}; prod's own key alias/prod-ebs = {prodKeyArn}");

            Chapter("Verify from prod's own credentials (the assumed role): every check must pass.");
            ok &= Expect(Run(source, null, "verify", GoldenName, "--target-role-arn", LauncherRoleArn), ExitCodes.Success);

            Chapter("Launch in prod: the instance runs, and its volume holds exactly the golden image's content.");
            using var connector = new AwsCloudConnector(new AwsAdapterSettings { TimeProvider = services.Clock }, source);
            var prod = (await connector.ConnectTargetAsync(new LaunchSettings(endpoint), cancellationToken).ConfigureAwait(false))!;
            var images = await connector.ConnectSourceAsync(new LaunchSettings(endpoint), cancellationToken).ConfigureAwait(false);
            var copyId = (await images.Account.DescribeOwnedImagesAsync(Region, new ImageQuery(CopiesOf: [golden.ImageId]), cancellationToken).ConfigureAwait(false))[0].Id;
            ok &= Mark(await LaunchAndCompareAsync(prod, copyId, sourceDigest, cancellationToken).ConfigureAwait(false));

            Chapter("Prod adopts the image: a copy under its own key, independent of the images account's key.");
            var (adoptCode, adoptOut) = RunCaptured(source, "adopt", copyId, "--key", "alias/prod-ebs", "--target-role-arn", LauncherRoleArn, "--output", "json");
            ok &= Expect(adoptCode, ExitCodes.Success);
            if (adoptCode == ExitCodes.Success)
            {
                using var adopted = JsonDocument.Parse(adoptOut);
                var adoptedId = adopted.RootElement.GetProperty("imageId").GetString();
                var adoptedSnapshot = adopted.RootElement.GetProperty("snapshotIds")[0].GetString()!;
                var adoptedDigest = await DigestAsync(adoptedSnapshot, cancellationToken).ConfigureAwait(false);
                console.MarkupLineInterpolated($"  adopted as {adoptedId} under {adopted.RootElement.GetProperty("keyArn").GetString()}; snapshot {adoptedSnapshot} SHA-256 {Short(adoptedDigest)}");
                console.MarkupLine(Verdict(adoptedDigest == sourceDigest));
                ok &= Mark(adoptedDigest == sourceDigest);
            }

            Chapter("Unshare: launch permission and AmiShare's key-policy statements for prod go; everything else stays.");
            ok &= Expect(Run(source, null, "unshare", GoldenName, "--from", Target, "--yes"), ExitCodes.Success);

            Chapter("Verify again: it must fail now, and say why.");
            ok &= Expect(Run(source, null, "verify", GoldenName, "--target-role-arn", LauncherRoleArn), ExitCodes.CheckFailed);
            ok &= await TellRegionsAsync(source, target, golden.ImageId, sourceDigest, cancellationToken).ConfigureAwait(false);
            return ok;
        }

        private void Chapter(string text)
        {
            chapters.Add((text, true));
            console.WriteLine();
            console.MarkupLineInterpolated($"[bold yellow]{chapters.Count}.[/] [bold]{text}[/]");
        }

        /// <summary>Records an outcome against the current chapter.</summary>
        private bool Mark(bool result)
        {
            chapters[^1] = (chapters[^1].Title, chapters[^1].Ok && result);
            return result;
        }

        private bool Expect(int code, int expected) => Mark(ExpectCode(code, expected));

        private bool ExpectCode(int code, int expected)
        {
            if (code == expected)
            {
                console.MarkupLineInterpolated($"  [grey](exit {code}, as expected)[/]");
                return true;
            }

            console.MarkupLineInterpolated($"  [red]exit {code}, expected {expected}[/]");
            return false;
        }

        /// <summary>Runs a real amishare command in-process, printing it first as the user would type it.</summary>
        private int Run(AWSCredentials credentials, TextWriter? output, params string[] args)
        {
            console.MarkupLineInterpolated($"[blue]$ amishare {string.Join(' ', args)}[/]");
            // A command that names its Regions (the multi-Region chapter) gets no default one.
            string[] region = args.Contains("--region") ? [] : ["--region", Region];
            string[] common = ["--endpoint-url", endpoint, .. region, "--ledger", ledger, .. noColor ? ["--no-color"] : Array.Empty<string>()];
            var commandServices = services with { Connector = () => new AwsCloudConnector(new AwsAdapterSettings { TimeProvider = services.Clock }, credentials), PollInterval = TimeSpan.FromMilliseconds(50) };
            return CliApp.Run([.. args, .. common], console, output is null ? io : io with { Out = output }, commandServices);
        }

        private (int Code, string Output) RunCaptured(AWSCredentials credentials, params string[] args)
        {
            var output = new StringWriter();
            var code = Run(credentials, output, args);
            return (code, output.ToString());
        }

        private AWSCredentials Credentials(string accountId)
        {
            var account = cloud.Account(accountId);
            return new BasicAWSCredentials(account.RootAccessKeyId, account.RootSecretAccessKey);
        }

        private AmazonEC2Client Ec2(AWSCredentials credentials) => new(credentials, new AmazonEC2Config { ServiceURL = endpoint, AuthenticationRegion = Region });

        private AmazonKeyManagementServiceClient Kms(AWSCredentials credentials) => new(credentials, new AmazonKeyManagementServiceConfig { ServiceURL = endpoint, AuthenticationRegion = Region });

        private async Task<(string ImageId, string SnapshotId)> BuildGoldenImageAsync(AWSCredentials credentials, CancellationToken cancellationToken)
        {
            using var ec2 = Ec2(credentials);
            await ec2.EnableEbsEncryptionByDefaultAsync(new EnableEbsEncryptionByDefaultRequest(), cancellationToken).ConfigureAwait(false);
            var run = await ec2.RunInstancesAsync(new RunInstancesRequest { ImageId = "ami-0a1b2c3d4e5f60001", InstanceType = InstanceType.T3Micro, MinCount = 1, MaxCount = 1 }, cancellationToken).ConfigureAwait(false);
            var builder = run.Reservation.Instances[0].InstanceId;
            await WaitRunningAsync(ec2, builder, cancellationToken).ConfigureAwait(false);
            var image = await ec2.CreateImageAsync(new CreateImageRequest { InstanceId = builder, Name = GoldenName, Description = "Golden Amazon Linux 2, hardened" }, cancellationToken).ConfigureAwait(false);
            await ec2.TerminateInstancesAsync(new TerminateInstancesRequest { InstanceIds = [builder] }, cancellationToken).ConfigureAwait(false);
            var described = await ec2.DescribeImagesAsync(new DescribeImagesRequest { ImageIds = [image.ImageId] }, cancellationToken).ConfigureAwait(false);
            return (image.ImageId, described.Images[0].BlockDeviceMappings[0].Ebs.SnapshotId);
        }

        private async Task WaitRunningAsync(AmazonEC2Client ec2, string instanceId, CancellationToken cancellationToken)
        {
            for (var attempt = 0; attempt < 200; attempt++)
            {
                var described = await ec2.DescribeInstancesAsync(new DescribeInstancesRequest { InstanceIds = [instanceId] }, cancellationToken).ConfigureAwait(false);
                var state = described.Reservations[0].Instances[0].State.Name.Value;
                if (state == "running")
                {
                    return;
                }

                if (state is "terminated" or "shutting-down")
                {
                    throw new InvalidOperationException($"The demo's build instance {instanceId} ended {state}.");
                }

                await Task.Delay(TimeSpan.FromMilliseconds(50), services.Clock, cancellationToken).ConfigureAwait(false);
            }

            throw new TimeoutException($"The demo's build instance {instanceId} did not start.");
        }

        private async Task<string> CreateKeyAsync(AWSCredentials credentials, string alias, string description, CancellationToken cancellationToken)
        {
            using var kms = Kms(credentials);
            var key = await kms.CreateKeyAsync(new CreateKeyRequest { Description = description }, cancellationToken).ConfigureAwait(false);
            await kms.CreateAliasAsync(new CreateAliasRequest { AliasName = alias, TargetKeyId = key.KeyMetadata.KeyId }, cancellationToken).ConfigureAwait(false);
            return key.KeyMetadata.Arn;
        }

        private async Task CreateLauncherRoleAsync(AWSCredentials credentials, string sourceKeyArn, CancellationToken cancellationToken)
        {
            using var iam = await IamAdministration.CreateAsync(new Uri(endpoint), Region, credentials, services.Clock, cancellationToken).ConfigureAwait(false);
            var trust = $$"""{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::{{Source}}:root"},"Action":"sts:AssumeRole"}]}""";
            await iam.CreateRoleAsync(LauncherRole, trust, cancellationToken).ConfigureAwait(false);
            var policy = TargetIamPolicyBuilder.Build([sourceKeyArn], [Region], Source);
            await iam.PutRolePolicyAsync(LauncherRole, TargetIamPolicyBuilder.PolicyName, policy.PolicyJson, cancellationToken).ConfigureAwait(false);
            await iam.PutRolePolicyAsync(LauncherRole, "AmiShareVerifyReads", TargetIamPolicyBuilder.VerifyReadsPolicy(LauncherRoleArn, [Region]), cancellationToken).ConfigureAwait(false);
        }

        private async Task AllowOwnKeyAsync(AWSCredentials credentials, string keyArn, CancellationToken cancellationToken)
        {
            using var iam = await IamAdministration.CreateAsync(new Uri(endpoint), Region, credentials, services.Clock, cancellationToken).ConfigureAwait(false);
            var document = PolicyWriter.Write(new AuthoredPolicy(
            [
                new AuthoredStatement(Effect.Allow, PolicyValues.List([KmsActions.DescribeKey, KmsActions.Decrypt, KmsActions.ReEncryptAny, KmsActions.GenerateDataKeyWithoutPlaintext, KmsActions.CreateGrant]), PolicyValues.One(keyArn)) { Sid = "UseProdEbsKey" },
                new AuthoredStatement(Effect.Allow, PolicyValues.List([Ec2Actions.DescribeImages, Ec2Actions.CopyImage, Ec2Actions.CopySnapshot, Ec2Actions.CreateTags, Ec2Actions.DescribeSnapshots]), PolicyValues.One("*")) { Sid = "ReadImages" },
            ]));
            await iam.PutRolePolicyAsync(LauncherRole, "UseProdEbsKey", document, cancellationToken).ConfigureAwait(false);
        }

        private async Task<bool> LaunchAndCompareAsync(ICloudAccount prod, string imageId, string sourceDigest, CancellationToken cancellationToken, string region = Region)
        {
            console.MarkupLineInterpolated($"[blue]  RunInstances {imageId} in {region} as {LauncherRoleArn}[/]");
            string instanceId;
            try
            {
                instanceId = (await prod.RunInstanceAsync(region, imageId, "t3.micro", null, dryRun: false, cancellationToken).ConfigureAwait(false))!;
            }
            catch (CloudOperationException e)
            {
                console.MarkupLineInterpolated($"  [red]{e.Message}[/]");
                return false;
            }

            try
            {
                for (var attempt = 0; attempt < 200; attempt++)
                {
                    var instance = await prod.DescribeInstanceAsync(region, instanceId, cancellationToken).ConfigureAwait(false);
                    if (instance?.State == Ec2InstanceState.Running && instance.RootVolumeId is { } volume)
                    {
                        var digest = await DigestAsync(volume, cancellationToken).ConfigureAwait(false);
                        var equal = digest == sourceDigest;
                        console.MarkupLineInterpolated($"  {instanceId} is running; volume {volume} SHA-256 {Short(digest)}, golden image {Short(sourceDigest)}");
                        console.MarkupLine(Verdict(equal));
                        return equal;
                    }

                    if (instance?.State is Ec2InstanceState.Terminated or Ec2InstanceState.ShuttingDown)
                    {
                        console.MarkupLineInterpolated($"  [red]{instanceId} went {instance.State.ToAwsName()}: {instance.StateReasonCode}: {instance.StateReasonMessage}[/]");
                        return false;
                    }

                    await Task.Delay(TimeSpan.FromMilliseconds(50), services.Clock, cancellationToken).ConfigureAwait(false);
                }

                console.MarkupLineInterpolated($"  [red]{instanceId} did not reach running[/]");
                return false;
            }
            finally
            {
                await prod.TerminateInstanceAsync(region, instanceId, CancellationToken.None).ConfigureAwait(false);
            }
        }

        /// <summary>LocalCloud's admin API hashes the decrypted content of a snapshot or volume.</summary>
        private async Task<string> DigestAsync(string id, CancellationToken cancellationToken)
        {
            using var response = await admin.GetAsync(new Uri($"_localcloud/content/{id}", UriKind.Relative), cancellationToken).ConfigureAwait(false);
            response.EnsureSuccessStatusCode();
            using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false));
            return body.RootElement.GetProperty("sha256").GetString()!;
        }

        private static string Verdict(bool equal) => equal
            ? "  [green]the content is equal[/], byte for byte, after two re-encryptions"
            : "  [red]the content differs[/]";

        private static string Short(string digest) => digest.Length > 16 ? digest[..16] + "…" : digest;
    }

    /// <summary>Connection options for the demo's direct launch: the endpoint and prod's role.</summary>
    private sealed class LaunchSettings : CloudSettings
    {
        public LaunchSettings(string endpoint)
        {
            EndpointUrl = endpoint;
            Regions = [DemoCommand.Region];
            TargetRoleArn = LauncherRoleArn;
        }
    }
}
