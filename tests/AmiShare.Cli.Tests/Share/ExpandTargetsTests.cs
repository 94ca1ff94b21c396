using System.Text.Json.Nodes;
using Amazon.EC2;
using Amazon.EC2.Model;
using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using Amazon.SimpleSystemsManagement;
using Amazon.SimpleSystemsManagement.Model;
using AmiShare.Aws;
using AmiShare.Cli.Infrastructure;
using AmiShare.Core.Planning;
using AmiShare.Ledger;
using AmiShare.LocalCloud;
using AmiShare.LocalCloud.Seed;
using AmiShare.LocalCloud.Services.Iam;
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
    private const string Parameter = "/golden/expand/ami-id";

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

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Share_MemberLeavesWithSsmParameter_DeletesItsParameterOrReportsItLeftWhenItsRoleIsGone(bool roleGone)
    {
        server = await LocalCloudServer.StartAsync(new LocalCloudOptions { DataFilePath = DataFile, Seed = Seed() }, Deadline);
        var (image, _) = await ImageUnderCustomerKeyAsync();
        foreach (var account in new[] { Prod, Leaver, HandGranted, Joiner })
        {
            await CreateLauncherRoleAsync(account);
        }

        string[] publish = ["--target-role-arn", "arn:aws:iam::{account}:role/" + LauncherRole, "--ssm-parameter", Parameter];
        var first = Share(image, publish);
        Assert.True(first.Outcome.ExitCode == ExitCodes.Success, first.Outcome.Console);
        Assert.Equal(image, await ParameterValueAsync(Leaver));

        await RestartReorganizedAsync(Leaver, HandGranted, Joiner, roleGone ? Leaver : null);
        var second = Share(image, publish);

        Assert.True(second.Outcome.ExitCode == ExitCodes.Success, second.Outcome.Console);
        Assert.Equal(image, await ParameterValueAsync(Joiner));
        Assert.Equal(image, await ParameterValueAsync(Prod));
        // Both accounts AmiShare recorded and that left the OU lose their parameter; the hand-granted one is not recorded here.
        var withdrawals = Steps(second.Json).Where(s => (string?)s["action"] == "DeleteImageParameter").ToDictionary(s => (string)s["target"]!);
        Assert.Equal([Leaver, HandGranted], withdrawals.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(("Applied", image), ((string?)withdrawals[HandGranted]["status"], (string?)withdrawals[HandGranted]["resource"]));
        Assert.Null(await ParameterValueAsync(HandGranted));
        var withdrawal = withdrawals[Leaver];
        if (roleGone)
        {
            // The departed account cannot be reached: the parameter is reported as left, with the command to delete it there.
            Assert.Equal("ActionRequired", (string?)withdrawal["status"]);
            Assert.Contains($"{Parameter} in {Leaver} ({ShareScenario.Region}) is left", (string?)withdrawal["reason"], StringComparison.Ordinal);
            Assert.Contains($"aws ssm delete-parameter --name {Parameter} --region {ShareScenario.Region}", (string?)withdrawal["reason"], StringComparison.Ordinal);
            Assert.Equal(image, await ParameterValueAsync(Leaver));
        }
        else
        {
            Assert.Equal(("Applied", image), ((string?)withdrawal["status"], (string?)withdrawal["resource"]));
            Assert.Null(await ParameterValueAsync(Leaver));
        }
    }

    [Fact]
    public async Task Share_MemberLeavesBetweenTwoImageVersionsWithoutAllowCopy_NewVersionReachesMembersAndTheLeaversParameterIsDeleted()
    {
        server = await LocalCloudServer.StartAsync(new LocalCloudOptions { DataFilePath = DataFile, Seed = Seed() }, Deadline);
        var (v1, _) = await ImageUnderCustomerKeyAsync("golden-v1");
        foreach (var account in new[] { Prod, Leaver, HandGranted, Joiner })
        {
            await CreateLauncherRoleAsync(account);
        }

        // No --allow-copy: no createVolumePermission record exists, only the record of whom the parameter went to.
        string[] publish = ["--target-role-arn", "arn:aws:iam::{account}:role/" + LauncherRole, "--ssm-parameter", Parameter];
        var first = Run(v1, allowCopy: false, publish);
        Assert.True(first.Outcome.ExitCode == ExitCodes.Success, first.Outcome.Console);
        Assert.Equal(v1, await ParameterValueAsync(Leaver));

        await RestartReorganizedAsync(Leaver, HandGranted, Joiner);
        var (v2, _) = await ImageUnderCustomerKeyAsync("golden-v2");
        var second = Run(v2, allowCopy: false, publish);
        var rerun = Run(v2, allowCopy: false, publish);

        Assert.True(second.Outcome.ExitCode == ExitCodes.Success, second.Outcome.Console);
        Assert.Equal((v2, v2), (await ParameterValueAsync(Prod), await ParameterValueAsync(Joiner)));
        // Both left the OU holding v1, which AmiShare published under this name: their parameters go.
        var withdrawals = Steps(second.Json).Where(s => (string?)s["action"] == "DeleteImageParameter").ToDictionary(s => (string)s["target"]!);
        Assert.Equal([Leaver, HandGranted], withdrawals.Keys.Order(StringComparer.Ordinal));
        Assert.All(withdrawals.Values, w => Assert.Equal(("Applied", v1), ((string?)w["status"], (string?)w["resource"])));
        Assert.Equal((null, null), (await ParameterValueAsync(Leaver), await ParameterValueAsync(HandGranted)));
        using (var ledger = SqliteShareLedger.Open(LedgerFile, TimeProvider.System))
        {
            var records = (await ledger.ReadExpansionsAsync(Images, [PublishedParameterRecord.Key(ShareScenario.Region, Parameter)], Deadline)).ToDictionary(r => r.Target, r => string.Join(',', r.Accounts));
            Assert.Equal($"{Prod},{Joiner}", records[ProdOuArn]);
            Assert.Equal(string.Join(',', new[] { v1, v2 }.Order(StringComparer.Ordinal)), records[PublishedParameterRecord.ImagesTarget]);
            Assert.Empty(await ledger.ReadExpansionsAsync(Images, [v1, v2], Deadline));
        }

        Assert.True(rerun.Outcome.ExitCode == ExitCodes.Success, rerun.Outcome.Console);
        Assert.Equal("nothing-to-do", (string?)rerun.Json["mode"]);
    }

    public async ValueTask DisposeAsync()
    {
        if (server is not null)
        {
            await server.DisposeAsync();
        }

        Directory.Delete(directory, recursive: true);
    }

    private (CliRunner.Outcome Outcome, JsonObject Json) Share(string image, params string[] more) => Run(image, allowCopy: true, more);

    private (CliRunner.Outcome Outcome, JsonObject Json) Run(string image, bool allowCopy, string[] more)
    {
        var services = new CliServices(Connector: () => new AwsCloudConnector(new AwsAdapterSettings(), Root(Images)), PollInterval: TimeSpan.FromMilliseconds(20));
        var outcome = CliRunner.RunWith(
            services,
            [
                "share", image, "--with", ProdOuArn, .. (allowCopy ? new[] { "--allow-copy" } : []), "--expand-targets", "--yes", "--output", "json",
                "--endpoint-url", server!.Endpoint.ToString().TrimEnd('/'), "--region", ShareScenario.Region, "--ledger", LedgerFile, .. more,
            ]);
        Assert.True(outcome.Out.Length > 0, $"no JSON (exit {outcome.ExitCode}): {outcome.Console}");
        return (outcome, JsonNode.Parse(outcome.Out)!.AsObject());
    }

    /// <summary>Stops the cloud, moves the accounts (the stored seed is the organization's record), and starts it again on the same data file.</summary>
    /// <param name="roleGone">An account whose launcher role is deleted meanwhile (it left, and its role with it).</param>
    private async Task RestartReorganizedAsync(string leaver, string alsoLeaving, string joiner, string? roleGone = null)
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
                if (roleGone is not null)
                {
                    tx.Delete(IamEntityKinds.Role, IamEntityKinds.RoleKey(roleGone, LauncherRole));
                }
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

    private async Task<(string ImageId, string SnapshotId)> ImageUnderCustomerKeyAsync(string name = "golden-expand")
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

        var image = (await ec2.CreateImageAsync(new CreateImageRequest { InstanceId = instance, Name = name }, Deadline)).ImageId;
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

    /// <summary>The launcher role in <paramref name="account"/>, assumable by the images account, with what publishing and withdrawing need.</summary>
    private async Task CreateLauncherRoleAsync(string account)
    {
        using var iam = await IamAdministration.CreateAsync(server!.Endpoint, ShareScenario.Region, Root(account), TimeProvider.System, Deadline);
        await iam.CreateRoleAsync(LauncherRole, $$"""{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::{{Images}}:root"},"Action":"sts:AssumeRole"}]}""", Deadline);
        await iam.PutRolePolicyAsync(LauncherRole, "parameters", """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ssm:PutParameter","ssm:GetParameterHistory","ssm:DeleteParameter"],"Resource":"*"}]}""", Deadline);
    }

    /// <summary>The parameter's value in <paramref name="account"/>, or null when there is none.</summary>
    private async Task<string?> ParameterValueAsync(string account)
    {
        using var ssm = new AmazonSimpleSystemsManagementClient(Root(account), new AmazonSimpleSystemsManagementConfig { ServiceURL = server!.Endpoint.ToString(), AuthenticationRegion = ShareScenario.Region, MaxErrorRetry = 0 });
        try
        {
            return (await ssm.GetParameterAsync(new GetParameterRequest { Name = Parameter }, Deadline)).Parameter.Value;
        }
        catch (ParameterNotFoundException)
        {
            return null;
        }
    }

    private AmazonEC2Client Ec2() =>
        new(Root(Images), new AmazonEC2Config { ServiceURL = server!.Endpoint.ToString(), AuthenticationRegion = ShareScenario.Region, MaxErrorRetry = 0 });
}
