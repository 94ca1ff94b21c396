using AmiShare.Core.Execution;
using AmiShare.Core.Planning;
using AmiShare.Ledger.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace AmiShare.Ledger.Tests;

/// <summary>
/// The one contract both ledgers keep, run against each: SQLite (a file, each client its own connection, as two
/// processes would have) and DynamoDB on moto_server (each client its own SDK client, as two runners would have).
/// Time is a FakeTimeProvider shared by the clients, so expiry is exact.
/// </summary>
public sealed partial class LedgerContractTests(MotoDynamoDb moto) : IClassFixture<MotoDynamoDb>, IDisposable
{
    private static readonly TimeSpan LeaseTime = TimeSpan.FromSeconds(30);
    private readonly FakeTimeProvider time = new(new DateTimeOffset(2026, 12, 4, 10, 0, 0, TimeSpan.Zero));
    private readonly List<IDisposable> opened = [];
    private readonly string directory = Directory.CreateTempSubdirectory("amishare-ledger-contract-").FullName;

    public static TheoryData<string> Backends()
    {
        var data = new TheoryData<string> { "sqlite" };
        if (MotoDynamoDb.IsInstalled)
        {
            data.Add("dynamodb");
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task BeginOrResume_UnfinishedRun_ResumesItFromAnotherClient(string backend)
    {
        var (first, second) = await TwoClientsAsync(backend);

        var begun = await first.BeginOrResumeAsync("fp-1", "share", Token);
        var resumed = await second.BeginOrResumeAsync("fp-1", "share", Token);
        var other = await second.BeginOrResumeAsync("fp-2", "share", Token);

        Assert.False(begun.Resumed);
        Assert.True(resumed.Resumed);
        Assert.Equal(begun.Id, resumed.Id);
        Assert.NotEqual(begun.Id, other.Id);
        Assert.Equal(begun.Id, (await second.FindUnfinishedAsync("fp-1", Token))?.Id);
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task StepsStartedAndCompleted_Resumed_JournalHasEachStepOnceWithResults(string backend)
    {
        var (first, second) = await TwoClientsAsync(backend);
        var run = await first.BeginOrResumeAsync("fp", "share", Token);
        var copy = new LedgerStepKey(PlanAction.CopyImageUnderCustomerKey, "ami-0000000000000001", "arn:aws:kms:us-east-1:111111111111:key/k");
        // A hundred targets: longer than a DynamoDB sort key may be (1,024 bytes).
        var launch = new LedgerStepKey(PlanAction.AddLaunchPermission, "copy-of:ami-0000000000000001", string.Join(',', Enumerable.Range(1, 100).Select(i => (200_000_000_000L + i).ToString(System.Globalization.CultureInfo.InvariantCulture))));

        // More steps than one DynamoDB transaction holds: the backend must split the batch.
        var many = Enumerable.Range(0, 150).Select(i => new LedgerStepKey(PlanAction.AddLaunchPermission, $"ami-{i:D17}", "222222222222")).ToList();
        await first.StepsStartedAsync(run.Id, [copy, launch, .. many], [], Token);
        await first.StepsCompletedAsync(run.Id, [new LedgerStepCompletion(copy, "Applied", "ami-0000000000000099")], [], Token);
        await first.StepsStartedAsync(run.Id, [copy], [], Token);
        await first.StepsCompletedAsync(run.Id, [.. many.Select(k => new LedgerStepCompletion(k, "AlreadyDone", null))], [], Token);

        var resumed = await second.BeginOrResumeAsync("fp", "share", Token);

        Assert.Equal(152, resumed.Steps.Count);
        Assert.Equal(151, resumed.CompletedCount);
        Assert.All(many, k => Assert.Equal("AlreadyDone", resumed.Steps[k].Outcome));
        Assert.Equal(new LedgerStep(copy, true, "Applied", "ami-0000000000000099"), resumed.Steps[copy]);
        Assert.Equal(new LedgerStep(launch, false, null, null), resumed.Steps[launch]);
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task Finish_Run_NextBeginStartsANewRunAndListShowsBoth(string backend)
    {
        var (first, second) = await TwoClientsAsync(backend);
        var run = await first.BeginOrResumeAsync("fp", "share", Token);
        var step = new LedgerStepKey(PlanAction.PutKeyPolicy, "arn:aws:kms:us-east-1:111111111111:key/k", "222222222222");
        await first.StepsStartedAsync(run.Id, [step], [], Token);
        await first.StepsCompletedAsync(run.Id, [new LedgerStepCompletion(step, "Applied", null)], [], Token);
        await first.FinishAsync(run.Id, succeeded: true, [], Token);
        time.Advance(TimeSpan.FromSeconds(1));

        var next = await second.BeginOrResumeAsync("fp", "unshare", Token);
        var runs = await second.ListRunsAsync(10, Token);
        var shown = await second.GetRunAsync(run.Id, Token);

        Assert.False(next.Resumed);
        Assert.Null(await second.FindUnfinishedAsync("other", Token));
        Assert.Equal([next.Id, run.Id], runs.Select(r => r.Id));
        Assert.Equal(("share", true, 1, 1), (runs[1].Command, runs[1].Succeeded, runs[1].Steps, runs[1].Completed));
        Assert.Null(runs[0].Finished);
        Assert.NotNull(shown);
        Assert.Equal([step], shown.Steps.Select(s => s.Key));
        Assert.Null(await second.GetRunAsync("no-such-run", Token));
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task StepKey_ResourceHoldingTheSeparator_RoundTripsThroughTheLedger(string backend)
    {
        var (first, second) = await TwoClientsAsync(backend);
        var run = await first.BeginOrResumeAsync("fp", "share", Token);
        var odd = new LedgerStepKey(PlanAction.AddLaunchPermission, "name|with|bars%7C", "a|b");

        await first.StepsStartedAsync(run.Id, [odd], [], Token);
        var resumed = await second.BeginOrResumeAsync("fp", "share", Token);

        Assert.Equal(odd, Assert.Single(resumed.Steps).Key);
        Assert.Equal(odd, LedgerStepKey.Parse(odd.Encode()));
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task TryAcquireLease_HeldByAnotherOwner_ReportsTheHolderUntilItExpires(string backend)
    {
        var (first, second) = await TwoClientsAsync(backend);
        var taken = await first.TryAcquireLeaseAsync(new LeaseRequest("key/111111111111/us-east-1/k", "runner-a", "run 1", LeaseTime), Token);

        var refused = await second.TryAcquireLeaseAsync(new LeaseRequest("key/111111111111/us-east-1/k", "runner-b", "run 2", LeaseTime), Token);
        time.Advance(LeaseTime + TimeSpan.FromSeconds(1));
        var takenOver = await second.TryAcquireLeaseAsync(new LeaseRequest("key/111111111111/us-east-1/k", "runner-b", "run 2", LeaseTime), Token);

        Assert.True(taken.Acquired);
        Assert.Equal(1, taken.Lease.Fence);
        Assert.False(refused.Acquired);
        Assert.Equal(("runner-a", "run 1", 1L), (refused.Lease.Owner, refused.Lease.Purpose, refused.Lease.Fence));
        Assert.True(takenOver.Acquired);
        Assert.Equal(2, takenOver.Lease.Fence);
        Assert.Equal("runner-a", takenOver.TakenOverFrom?.Owner);
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task FencedWrites_AfterTheLeaseWasTakenOver_AreRefusedAndTheNewHolderWrites(string backend)
    {
        var (stale, fresh) = await TwoClientsAsync(backend);
        var run = await stale.BeginOrResumeAsync("fp", "share", Token);
        var old = (await stale.TryAcquireLeaseAsync(new LeaseRequest("run/fp", "runner-a", "share", LeaseTime), Token)).Lease;
        var step = new LedgerStepKey(PlanAction.PutKeyPolicy, "arn:aws:kms:us-east-1:111111111111:key/k", "222222222222");
        await stale.StepsStartedAsync(run.Id, [step], [old], Token);

        // runner-a stalls past its expiry; runner-b takes the run over.
        time.Advance(LeaseTime * 2);
        var current = (await fresh.TryAcquireLeaseAsync(new LeaseRequest("run/fp", "runner-b", "share", LeaseTime), Token)).Lease;

        await Assert.ThrowsAsync<LeaseLostException>(() => stale.StepsStartedAsync(run.Id, [step with { Target = "x" }], [old], Token));
        await Assert.ThrowsAsync<LeaseLostException>(() => stale.StepsCompletedAsync(run.Id, [new LedgerStepCompletion(step, "Applied", null)], [old], Token));
        await Assert.ThrowsAsync<LeaseLostException>(() => stale.FinishAsync(run.Id, succeeded: true, [old], Token));
        Assert.False(await stale.RenewLeaseAsync(old, LeaseTime, Token));
        await stale.ReleaseLeaseAsync(old, Token);

        var resumed = await fresh.BeginOrResumeAsync("fp", "share", Token);
        Assert.Equal(run.Id, resumed.Id);
        Assert.Equal([step], resumed.Steps.Keys);
        Assert.False(resumed.Steps[step].Completed);
        await fresh.StepsCompletedAsync(run.Id, [new LedgerStepCompletion(step, "Applied", null)], [current], Token);
        Assert.True(await fresh.RenewLeaseAsync(current, LeaseTime, Token));
        await fresh.FinishAsync(run.Id, succeeded: true, [current], Token);
        Assert.Null(await fresh.FindUnfinishedAsync("fp", Token));
    }

    /// <summary>
    /// The run as a runner drives it: begun under the run lease, killed (the lease left to expire), taken over and
    /// resumed by another client, finished releasing the lease in the same write; the next take begins a new run.
    /// </summary>
    [Theory]
    [MemberData(nameof(Backends))]
    public async Task BeginOrResumeUnderTheRunLease_TakenOverAfterAKill_ResumesTheSameRunAndFinishReleases(string backend)
    {
        var (dead, next) = await TwoClientsAsync(backend);
        var step = new LedgerStepKey(PlanAction.PutKeyPolicy, "arn:aws:kms:us-east-1:111111111111:key/k", "222222222222");
        var first = (await dead.TryAcquireLeaseAsync(new LeaseRequest("run/fp", "runner-a", "share", LeaseTime), Token)).Lease;
        var run = await dead.BeginOrResumeAsync("fp", "share", first, Token);
        await dead.StepsStartedAsync(run.Id, [step], [first], Token);

        time.Advance(LeaseTime * 2);
        var second = (await next.TryAcquireLeaseAsync(new LeaseRequest("run/fp", "runner-b", "share", LeaseTime), Token)).Lease;
        var resumed = await next.BeginOrResumeAsync("fp", "share", second, Token);
        await next.FinishReleasingAsync(resumed.Id, succeeded: true, [second], second, Token);
        var third = await dead.TryAcquireLeaseAsync(new LeaseRequest("run/fp", "runner-c", "share", LeaseTime), Token);
        var fresh = await dead.BeginOrResumeAsync("fp", "share", third.Lease, Token);

        Assert.True(resumed.Resumed);
        Assert.Equal(run.Id, resumed.Id);
        Assert.Equal([step], resumed.Steps.Keys);
        Assert.True(third.Acquired, "the finish did not release the run lease");
        Assert.False(fresh.Resumed);
        Assert.NotEqual(run.Id, fresh.Id);
        Assert.True((await next.GetRunAsync(run.Id, Token))!.Run.Succeeded);
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task StepsCompletedReleasing_KeyLeaseHeld_JournalsTheStepAndLetsTheLeaseGo(string backend)
    {
        var (first, second) = await TwoClientsAsync(backend);
        var runLease = (await first.TryAcquireLeaseAsync(new LeaseRequest("run/fp", "runner-a", "share", LeaseTime), Token)).Lease;
        var run = await first.BeginOrResumeAsync("fp", "share", runLease, Token);
        var keyLease = (await first.TryAcquireLeaseAsync(new LeaseRequest("key/a/r/k", "runner-a", "run 1", LeaseTime), Token)).Lease;
        var step = new LedgerStepKey(PlanAction.PutKeyPolicy, "arn:aws:kms:us-east-1:111111111111:key/k", "222222222222");
        await first.StepsStartedAsync(run.Id, [step], [runLease], Token);

        await first.StepsCompletedReleasingAsync(run.Id, [new LedgerStepCompletion(step, "Applied", null)], [runLease, keyLease], keyLease, Token);
        var taken = await second.TryAcquireLeaseAsync(new LeaseRequest("key/a/r/k", "runner-b", "run 2", LeaseTime), Token);
        var stale = second.StepsCompletedReleasingAsync(run.Id, [new LedgerStepCompletion(step, "Applied", null)], [runLease, keyLease], keyLease, Token);

        Assert.True(taken.Acquired, "the key lease was not released");
        Assert.Equal(keyLease.Fence + 1, taken.Lease.Fence);
        Assert.True((await second.GetRunAsync(run.Id, Token))!.Steps.Single().Completed);
        await Assert.ThrowsAsync<LeaseLostException>(() => stale);
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task ReleaseLease_Held_NextOwnerTakesItAtOnceWithAHigherFence(string backend)
    {
        var (first, second) = await TwoClientsAsync(backend);
        var held = (await first.TryAcquireLeaseAsync(new LeaseRequest("key/a/r/k", "runner-a", "run 1", LeaseTime), Token)).Lease;
        Assert.True(await first.RenewLeaseAsync(held, LeaseTime, Token));

        await first.ReleaseLeaseAsync(held, Token);
        var next = await second.TryAcquireLeaseAsync(new LeaseRequest("key/a/r/k", "runner-b", "run 2", LeaseTime), Token);

        Assert.True(next.Acquired);
        Assert.Equal(held.Fence + 1, next.Lease.Fence);
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task TryAcquireLease_EightClientsAtOnce_ExactlyOneHoldsIt(string backend)
    {
        var store = await StoreAsync(backend);
        var clients = Enumerable.Range(0, 8).Select(_ => Open(backend, store)).ToList();

        var attempts = await Task.WhenAll(clients.Select((c, i) => Task.Run(() => c.TryAcquireLeaseAsync(new LeaseRequest("key/a/r/k", $"runner-{i}", $"run {i}", LeaseTime), Token))));

        var winner = Assert.Single(attempts, a => a.Acquired);
        Assert.All(attempts.Where(a => !a.Acquired), a => Assert.Equal(winner.Lease.Owner, a.Lease.Owner));
    }

    [MotoFact]
    public async Task DynamoDb_MissingTable_FailsWithTheInitCommandAsTheFix()
    {
        using var ledger = new DynamoDbShareLedger(moto.Client(), "no-such-ledger-table", time);

        var error = await Assert.ThrowsAsync<LedgerUnavailableException>(() => ledger.BeginOrResumeAsync("fp", "share", Token));

        Assert.Contains("no-such-ledger-table", error.Message, StringComparison.Ordinal);
        Assert.Equal("Create it once: amishare ledger init --ledger dynamodb://no-such-ledger-table", error.Fix);
    }

    [MotoFact]
    public async Task DynamoDbInit_RunTwice_CreatesOnceAndEnablesTtl()
    {
        using var client = moto.Client();
        var table = "amishare-init-" + Guid.NewGuid().ToString("N")[..8];

        var created = await DynamoDbLedgerTable.EnsureAsync(client, table, time, Token);
        var again = await DynamoDbLedgerTable.EnsureAsync(client, table, time, Token);
        var ttl = await client.DescribeTimeToLiveAsync(new Amazon.DynamoDBv2.Model.DescribeTimeToLiveRequest { TableName = table }, Token);
        var described = await client.DescribeTableAsync(table, Token);

        Assert.True(created);
        Assert.False(again);
        Assert.Equal("ttl", ttl.TimeToLiveDescription.AttributeName);
        Assert.Equal(Amazon.DynamoDBv2.TimeToLiveStatus.ENABLED, ttl.TimeToLiveDescription.TimeToLiveStatus);
        Assert.Equal(Amazon.DynamoDBv2.BillingMode.PAY_PER_REQUEST, described.Table.BillingModeSummary?.BillingMode);
    }

    public void Dispose()
    {
        foreach (var ledger in opened)
        {
            ledger.Dispose();
        }

        Directory.Delete(directory, recursive: true);
    }

    private static CancellationToken Token => new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token;

    private async Task<(IShareLedger First, IShareLedger Second)> TwoClientsAsync(string backend)
    {
        var store = await StoreAsync(backend);
        return (Open(backend, store), Open(backend, store));
    }

    private async Task<string> StoreAsync(string backend) =>
        backend == "sqlite" ? Path.Combine(directory, Guid.NewGuid().ToString("N") + ".db") : await moto.NewTableAsync();

    private IShareLedger Open(string backend, string store)
    {
        IShareLedger ledger = backend == "sqlite" ? SqliteShareLedger.Open(store, time) : new DynamoDbShareLedger(moto.Client(), store, time);
        opened.Add((IDisposable)ledger);
        return ledger;
    }
}
