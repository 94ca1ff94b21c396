using System.Globalization;
using System.Text.Json.Nodes;
using AmiShare.Core.Execution;
using AmiShare.Ledger.Tests.Support;

namespace AmiShare.Ledger.Tests;

/// <summary>
/// The built CLI as real processes against a LocalCloud in this process: kill -9 mid-run and resume from a new
/// process (a new ledger client), and eight runners at once on overlapping images under the same keys. Each case
/// runs on the SQLite ledger and on DynamoDB (moto_server). CI kills at a sample of points; set
/// AMISHARE_CRASH_ALL=1 to kill at every step (bench/README.md records that run's figures).
/// </summary>
public sealed class RealProcessTests(MotoDynamoDb moto) : IClassFixture<MotoDynamoDb>, IDisposable
{
    private const int LeaseSeconds = 2;
    private readonly string directory = Directory.CreateTempSubdirectory("amishare-ledger-process-").FullName;

    public static TheoryData<string> Backends() => LedgerContractTests.Backends();

    /// <summary>
    /// CI: one 50-image × 20-target re-encrypting share killed four times, at growing depths into successive
    /// processes (the copies, the key policy, the launch permissions), each resumed by a new process.
    /// </summary>
    [Theory]
    [MemberData(nameof(Backends))]
    public async Task Share_KilledWithSigkillRepeatedly_ResumesToOneCopyPerImageAndEveryPermission(string backend)
    {
        var figures = await KillAndResumeAsync(backend, images: 50, targets: 20, kills: [3, 12, 30, 60]);

        Assert.Equal(0, figures.Losses);
    }

    /// <summary>Every kill point, each on a fresh cloud: minutes, so only with AMISHARE_CRASH_ALL=1 (figures in bench/README.md).</summary>
    [Theory]
    [MemberData(nameof(Backends))]
    public async Task Share_KilledAtEveryStep_EachResumesWithoutLoss(string backend)
    {
        if (Environment.GetEnvironmentVariable("AMISHARE_CRASH_ALL") != "1")
        {
            return;
        }

        var runs = 0;
        var losses = 0;
        var killsDone = 0;
        for (var at = 1; ; at++)
        {
            var figures = await KillAndResumeAsync(backend, images: 50, targets: 20, kills: [at]);
            runs += figures.Processes;
            killsDone += figures.Kills;
            losses += figures.Losses;
            if (figures.Kills == 0)
            {
                break; // the run finished before printing that many steps: every step has been a kill point
            }
        }

        File.AppendAllText(
            Path.Combine(Path.GetTempPath(), "amishare-crash-all.txt"),
            string.Create(CultureInfo.InvariantCulture, $"{backend}: {runs} processes, {killsDone} kills, {killsDone} resumes, {losses} losses\n"));
        Assert.Equal(0, losses);
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task Share_EightRunnersOnOverlappingImagesWithAForeignEditor_KeyPoliciesHoldTheUnion(string backend)
    {
        await using var fleet = await ShareFleet.StartAsync(images: 16, targets: 16, keys: 2);
        var ledger = await LedgerAsync(backend);
        var keys = fleet.KeyOfImage.Values.Distinct().ToList();
        await fleet.AddForeignStatementAsync(keys[0], "ForeignBefore", ShareFleet.Deadline);
        var imagesBefore = await fleet.OwnedImageCountAsync();

        // Runner i shares 8 of the 16 images (overlapping its neighbours'), under both keys, with its own two targets.
        var runners = Enumerable.Range(0, 8).Select(i => (
            Images: Enumerable.Range(0, 8).Select(j => fleet.ImageIds[((2 * i) + j) % 16]).ToList(),
            Targets: new[] { fleet.Targets[2 * i], fleet.Targets[(2 * i) + 1] })).ToList();
        using var stop = new CancellationTokenSource();
        var foreignSids = new List<string> { "ForeignBefore" };
        var foreign = Task.Run(async () =>
        {
            for (var n = 0; !stop.IsCancellationRequested; n++)
            {
                var sid = "ForeignDuring" + n.ToString(CultureInfo.InvariantCulture);
                await fleet.AddForeignStatementAsync(keys[n % 2], sid, ShareFleet.Deadline);
                lock (foreignSids)
                {
                    foreignSids.Add(sid);
                }

                await Task.Delay(50);
            }
        });
        var results = await Task.WhenAll(runners.Select(r => AmishareProcess.RunAsync(fleet, ["share", .. r.Images, "--with", string.Join(',', r.Targets), "--yes", "--ledger", ledger, "--lease-seconds", "10"])));
        await stop.CancelAsync();
        await foreign;

        Assert.All(results, r => Assert.True(r.ExitCode == 0, r.Output));
        Assert.Equal(imagesBefore, await fleet.OwnedImageCountAsync());
        foreach (var image in fleet.ImageIds)
        {
            var expected = runners.Where(r => r.Images.Contains(image)).SelectMany(r => r.Targets).ToHashSet();
            Assert.Equal(expected.Order(), (await fleet.LaunchPermissionsAsync(image)).Order());
        }

        // Each key admits the union of its runners' targets, with no statement twice, and the foreign statement that
        // was there before is kept: AmiShare merges into what it reads, never writes over it. (A foreign write that
        // lands between one of AmiShare's reads and its write can still be lost: KMS has no conditional put;
        // docs/ledger.md says so. The editor's own read-back re-adds it, which is why it keeps editing here.)
        Assert.True(foreignSids.Count > 1, "the foreign editor made no edit while the runners ran");
        foreach (var key in keys)
        {
            var targets = runners.Where(r => r.Images.Any(i => fleet.KeyOfImage[i] == key)).SelectMany(r => r.Targets);
            Assert.Empty(await fleet.KeyPolicyProblemsAsync(key, targets, key == keys[0] ? ["ForeignBefore"] : []));
        }
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task Share_KeyLeaseHeldByAnotherRunner_NoWaitExitsOneNamingItAndWaitingSucceedsAfterRelease(string backend)
    {
        await using var fleet = await ShareFleet.StartAsync(images: 2, targets: 2, keys: 1);
        var ledger = await LedgerAsync(backend);
        var key = fleet.KeyOfImage.Values.First();
        var held = OpenLedger(backend, ledger);
        using var closeHeld = (IDisposable)held;
        var lease = (await held.TryAcquireLeaseAsync(new LeaseRequest(LeaseNames.ForKey(ShareFleet.Source, ShareFleet.Region, key), "ci-runner-7:4242:abcd", "run 20261204-other", TimeSpan.FromMinutes(5)), ShareFleet.Deadline)).Lease;
        string[] share = ["share", .. fleet.ImageIds, "--with", fleet.Targets[0], "--yes", "--ledger", ledger];

        var refused = await AmishareProcess.RunAsync(fleet, [.. share, "--no-wait"]);
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("ci-runner-7:4242:abcd", refused.Output, StringComparison.Ordinal);
        Assert.Empty(await fleet.LaunchPermissionsAsync(fleet.ImageIds[0]));

        var release = Task.Run(async () =>
        {
            await Task.Delay(TimeSpan.FromSeconds(3));
            await held.ReleaseLeaseAsync(lease, ShareFleet.Deadline);
        });
        var waited = await AmishareProcess.RunAsync(fleet, share);
        await release;

        Assert.True(waited.ExitCode == 0, waited.Output);
        Assert.Contains("held by ci-runner-7:4242:abcd", waited.Output, StringComparison.Ordinal);
        Assert.Equal([fleet.Targets[0]], await fleet.LaunchPermissionsAsync(fleet.ImageIds[0]));
    }

    [Fact]
    public async Task LedgerCommands_UnknownScheme_ExitTwoWithTheAcceptedForms()
    {
        await using var fleet = await ShareFleet.StartAsync(images: 0, targets: 0, keys: 0);

        var outcome = await AmishareProcess.RunAsync(fleet, ["share", "ami-0123456789abcdef0", "--with", "222222222222", "--ledger", "s3://bucket/ledger.db", "--yes"]);

        Assert.Equal(2, outcome.ExitCode);
        Assert.Contains("Unknown ledger scheme 's3://'", outcome.Output, StringComparison.Ordinal);
        Assert.Contains("dynamodb://TABLE", outcome.Output, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(directory, recursive: true);

    private async Task<KillFigures> KillAndResumeAsync(string backend, int images, int targets, IReadOnlyList<int> kills)
    {
        await using var fleet = await ShareFleet.StartAsync(images, targets, keys: 2);
        var ledger = await LedgerAsync(backend);
        var reencrypt = await fleet.CreateKeyAsync("re-encryption key");
        await fleet.AddForeignStatementAsync(reencrypt, "ForeignBefore", ShareFleet.Deadline);
        string[] share = ["share", .. fleet.ImageIds, "--with", string.Join(',', fleet.Targets), "--reencrypt-key", reencrypt, "--yes", "--ledger", ledger, "--lease-seconds", LeaseSeconds.ToString(CultureInfo.InvariantCulture)];

        var processes = 0;
        var killed = 0;
        foreach (var at in kills)
        {
            var run = await AmishareProcess.RunAsync(fleet, share, killAfterStepLines: at);
            processes++;
            if (!run.Killed)
            {
                Assert.True(run.ExitCode == 0, run.Output);
                break;
            }

            killed++;
        }

        var final = await AmishareProcess.RunAsync(fleet, [.. share]);
        processes++;
        Assert.True(final.ExitCode == 0, final.Output);
        if (killed > 0)
        {
            // The dead runner's lease was taken over after its expiry, and its run resumed, not begun again.
            Assert.Contains("took over run/", final.Output, StringComparison.Ordinal);
        }

        var losses = 0;
        var copies = await fleet.CopiesAsync();
        foreach (var image in fleet.ImageIds)
        {
            var made = copies[image].ToList();
            Assert.True(made.Count == 1, $"{image} has {made.Count} copies");
            var permitted = await fleet.LaunchPermissionsAsync(made[0]);
            losses += fleet.Targets.Count(t => !permitted.Contains(t));
        }

        var problems = await fleet.KeyPolicyProblemsAsync(reencrypt, fleet.Targets, ["ForeignBefore"]);
        Assert.Empty(problems);
        losses += problems.Count;

        var list = await AmishareProcess.RunAsync(fleet, ["ledger", "list", "--ledger", ledger, "--output", "json"]);
        var runs = JsonNode.Parse(list.Output[..(list.Output.LastIndexOf('}') + 1)])!["runs"]!.AsArray();
        var share1 = Assert.Single(runs, r => (string?)r!["command"] == "share");
        Assert.Equal("succeeded", (string?)share1!["state"]);
        return new KillFigures(processes, killed, losses);
    }

    private async Task<string> LedgerAsync(string backend) =>
        backend == "sqlite" ? Path.Combine(directory, Guid.NewGuid().ToString("N") + ".db") : moto.LedgerUri(await moto.NewTableAsync());

    private IShareLedger OpenLedger(string backend, string ledger) =>
        backend == "sqlite"
            ? SqliteShareLedger.Open(ledger, TimeProvider.System)
            : new DynamoDbShareLedger(moto.Client(), ((DynamoDbLedgerLocation)LedgerLocation.Parse(ledger, _ => null)).Table, TimeProvider.System);

    private sealed record KillFigures(int Processes, int Kills, int Losses);
}
