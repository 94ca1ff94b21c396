using System.Text.Json.Nodes;
using Amazon.EC2;
using Amazon.EC2.Model;
using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using AmiShare.Aws;
using AmiShare.Cli.Infrastructure;
using AmiShare.Ledger;
using AmiShare.LocalCloud;
using AmiShare.LocalCloud.Seed;
using AmiShare.LocalCloud.State;
using static AmiShare.Cli.Tests.Share.ShareScenario;

namespace AmiShare.Cli.Tests.Share;

/// <summary>
/// <c>share --expand-targets</c> across runs (issue 12 part 4), end to end: LocalCloud over HTTP on a data file, the
/// images account a delegated administrator, the real CLI and SDK adapter, a SQLite ledger. Between runs the
/// organization changes: LocalCloud has no MoveAccount, so the cloud is stopped, its stored organization rewritten
/// and the cloud restarted on the same data file (images, snapshots and permissions kept).
/// </summary>
public sealed class ExpandTargetsTests : IAsyncDisposable
{
    private const string Joiner = "555555555555";
    private const string Leaver = "666666666666";
    private const string HandGranted = "777777777777";
    private const string ProdUnit = "ou-ams1-prodacct";
    private const string OutsideUnit = "ou-ams1-outside1";

    private readonly string directory = Directory.CreateTempSubdirectory("amishare-expand-").FullName;
    private LocalCloudServer? server;

    private string DataFile => Path.Combine(directory, "cloud.db");

    private string LedgerFile => Path.Combine(directory, "ledger.db");

    [Fact]
    public async Task Share_MembersJoinAndLeaveTheOu_RerunGrantsTheJoinerRevokesTheLeaverKeepsHandGrantsAndRecordsTheNewResolution()
    {
        server = await LocalCloudServer.StartAsync(new LocalCloudOptions { DataFilePath = DataFile, Seed = Seed() }, Deadline);
        var (image, snapshot) = await ImageUnderCustomerKeyAsync();

        // Granted by hand before AmiShare ever ran: a member whose permission AmiShare did not grant.
        await ModifyVolumePermissionAsync(snapshot, add: HandGranted);

        var first = Share(image);
        Assert.Equal(ExitCodes.Success, first.Outcome.ExitCode);
        Assert.Equal([Prod, Leaver, HandGranted], await VolumePermissionsAsync(snapshot));

        // Prod's OU loses the leaver and the hand-granted account, gains the joiner.
        await RestartReorganizedAsync(Leaver, HandGranted, Joiner);
        var second = Share(image);
        var third = Share(image);

        Assert.Equal(ExitCodes.Success, second.Outcome.ExitCode);
        Assert.Equal("applied", (string?)second.Json["mode"]);
        Assert.Equal([Prod, Joiner, HandGranted], await VolumePermissionsAsync(snapshot));
        var removal = Assert.Single(Steps(second.Json), s => (string?)s["action"] == "RemoveCreateVolumePermission");
        Assert.Equal("expanded:" + Leaver, (string?)removal["target"]);
        Assert.Contains(ProdOuArn, await LaunchPermissionsAsync(image));

        using (var ledger = SqliteShareLedger.Open(LedgerFile, TimeProvider.System))
        {
            var record = Assert.Single(await ledger.ReadExpansionsAsync(Images, [image], Deadline));
            Assert.Equal((ProdOuArn, $"{Prod},{Joiner}"), (record.Target, string.Join(',', record.Accounts.Order(StringComparer.Ordinal))));
        }

        Assert.Equal(ExitCodes.Success, third.Outcome.ExitCode);
        Assert.Equal("nothing-to-do", (string?)third.Json["mode"]);
        Assert.Equal([Prod, Joiner, HandGranted], await VolumePermissionsAsync(snapshot));
    }

    public async ValueTask DisposeAsync()
    {
        if (server is not null)
        {
            await server.DisposeAsync();
        }

        Directory.Delete(directory, recursive: true);
    }

    private (CliRunner.Outcome Outcome, JsonObject Json) Share(string image)
    {
        var services = new CliServices(Connector: () => new AwsCloudConnector(new AwsAdapterSettings(), Root(Images)), PollInterval: TimeSpan.FromMilliseconds(20));
        var outcome = CliRunner.RunWith(
            services,
            "share", image, "--with", ProdOuArn, "--allow-copy", "--expand-targets", "--yes", "--output", "json",
            "--endpoint-url", server!.Endpoint.ToString().TrimEnd('/'), "--region", ShareScenario.Region, "--ledger", LedgerFile);
        Assert.True(outcome.Out.Length > 0, $"no JSON (exit {outcome.ExitCode}): {outcome.Console}");
        return (outcome, JsonNode.Parse(outcome.Out)!.AsObject());
    }

    /// <summary>Stops the cloud, moves the accounts (the stored seed is the organization's record), and starts it again on the same data file.</summary>
    private async Task RestartReorganizedAsync(string leaver, string alsoLeaving, string joiner)
    {
        await server!.DisposeAsync();
        server = null;
        var seedKind = new EntityKind<SeedDocument>("localcloud.seed");
        using (var state = LocalCloudState.Open(DataFile))
        {
            state.Write(tx =>
            {
                var seed = tx.Find(seedKind, EntityKey.Global("seed"))!;
                tx.Put(seedKind, EntityKey.Global("seed"), seed with
                {
                    Accounts = [.. seed.Accounts.Select(a => a.Id == leaver || a.Id == alsoLeaving ? a with { ParentId = OutsideUnit } : a.Id == joiner ? a with { ParentId = ProdUnit } : a)],
                });
            });
        }

        server = await LocalCloudServer.StartAsync(new LocalCloudOptions { DataFilePath = DataFile }, Deadline);
        Assert.Equal(ProdUnit, server.Organization.FindAccount(joiner)?.ParentId);
    }

    /// <summary>The images account a delegated administrator; Prod's OU holds prod, the leaver and the hand-granted account; the joiner waits in another OU.</summary>
    private static SeedDocument Seed()
    {
        var seed = DefaultSeed.Create();
        return seed with
        {
            Organization = seed.Organization! with
            {
                Units = [.. seed.Organization.Units, new SeedOrganizationalUnit { Id = OutsideUnit, Name = "outside", ParentId = DefaultSeed.RootId }],
                DelegatedAdministrators = [Images],
            },
            Accounts =
            [
                .. seed.Accounts,
                new SeedAccount { Id = Leaver, Name = "leaver", ParentId = ProdUnit },
                new SeedAccount { Id = HandGranted, Name = "hand-granted", ParentId = ProdUnit },
                new SeedAccount { Id = Joiner, Name = "joiner", ParentId = OutsideUnit },
            ],
        };
    }

    private async Task<(string ImageId, string SnapshotId)> ImageUnderCustomerKeyAsync()
    {
        using var kms = new AmazonKeyManagementServiceClient(Root(Images), new AmazonKeyManagementServiceConfig { ServiceURL = server!.Endpoint.ToString(), AuthenticationRegion = ShareScenario.Region, MaxErrorRetry = 0 });
        var key = (await kms.CreateKeyAsync(new CreateKeyRequest { Description = "golden" }, Deadline)).KeyMetadata.Arn;
        using var ec2 = Ec2();
        var run = await ec2.RunInstancesAsync(
            new RunInstancesRequest
            {
                ImageId = "ami-0a1b2c3d4e5f60001",
                MinCount = 1,
                MaxCount = 1,
                InstanceType = InstanceType.T3Micro,
                BlockDeviceMappings = [new BlockDeviceMapping { DeviceName = "/dev/xvda", Ebs = new EbsBlockDevice { Encrypted = true, KmsKeyId = key } }],
            },
            Deadline);
        var instance = run.Reservation.Instances[0].InstanceId;
        for (var i = 0; i < 100 && (await ec2.DescribeInstancesAsync(new DescribeInstancesRequest { InstanceIds = [instance] }, Deadline)).Reservations[0].Instances[0].State.Name != InstanceStateName.Running; i++)
        {
            await Task.Delay(20);
        }

        var image = (await ec2.CreateImageAsync(new CreateImageRequest { InstanceId = instance, Name = "golden-expand" }, Deadline)).ImageId;
        var described = await ec2.DescribeImagesAsync(new DescribeImagesRequest { ImageIds = [image] }, Deadline);
        return (image, described.Images[0].BlockDeviceMappings[0].Ebs.SnapshotId);
    }

    private async Task ModifyVolumePermissionAsync(string snapshot, string add)
    {
        using var ec2 = Ec2();
        await ec2.ModifySnapshotAttributeAsync(
            new ModifySnapshotAttributeRequest
            {
                SnapshotId = snapshot,
                Attribute = SnapshotAttributeName.CreateVolumePermission,
                CreateVolumePermission = new CreateVolumePermissionModifications { Add = [new CreateVolumePermission { UserId = add }] },
            },
            Deadline);
    }

    private async Task<List<string>> VolumePermissionsAsync(string snapshot)
    {
        using var ec2 = Ec2();
        var attribute = await ec2.DescribeSnapshotAttributeAsync(new DescribeSnapshotAttributeRequest { SnapshotId = snapshot, Attribute = SnapshotAttributeName.CreateVolumePermission }, Deadline);
        return [.. (attribute.CreateVolumePermissions ?? []).Select(p => p.UserId).Order(StringComparer.Ordinal)];
    }

    private async Task<List<string>> LaunchPermissionsAsync(string image)
    {
        using var ec2 = Ec2();
        var attribute = await ec2.DescribeImageAttributeAsync(new DescribeImageAttributeRequest { ImageId = image, Attribute = ImageAttributeName.LaunchPermission }, Deadline);
        return [.. (attribute.ImageAttribute.LaunchPermissions ?? []).Select(p => p.UserId ?? p.OrganizationalUnitArn ?? p.OrganizationArn ?? string.Empty)];
    }

    private AmazonEC2Client Ec2() =>
        new(Root(Images), new AmazonEC2Config { ServiceURL = server!.Endpoint.ToString(), AuthenticationRegion = ShareScenario.Region, MaxErrorRetry = 0 });
}
