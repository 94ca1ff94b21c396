using AmiShare.Core.Execution;
using AmiShare.Core.Planning;

namespace AmiShare.Ledger.Tests;

/// <summary>
/// A lease let go is no lease taken over: only another owner's expired lease is reported as a takeover (the runner
/// prints "took over … whose lease expired"), on both backends, whichever write released it.
/// </summary>
public sealed partial class LedgerContractTests
{
    private const string KeyLeaseName = "key/111111111111/us-east-1/k";

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task TryAcquireLease_AfterARelease_ReportsNoTakeoverButAfterAnExpiryReportsTheHolder(string backend)
    {
        var (first, second) = await TwoClientsAsync(backend);
        var a = (await first.TryAcquireLeaseAsync(new LeaseRequest(KeyLeaseName, "runner-a", "run 1", LeaseTime), Token)).Lease;
        await first.ReleaseLeaseAsync(a, Token);

        var afterRelease = await second.TryAcquireLeaseAsync(new LeaseRequest(KeyLeaseName, "runner-b", "run 2", LeaseTime), Token);
        time.Advance(LeaseTime + TimeSpan.FromSeconds(1)); // runner-b dies holding it
        var afterExpiry = await first.TryAcquireLeaseAsync(new LeaseRequest(KeyLeaseName, "runner-c", "run 3", LeaseTime), Token);

        Assert.True(afterRelease.Acquired);
        Assert.Null(afterRelease.TakenOverFrom);
        Assert.True(afterExpiry.Acquired);
        Assert.Equal(("runner-b", "run 2"), (afterExpiry.TakenOverFrom?.Owner, afterExpiry.TakenOverFrom?.Purpose));
        Assert.Equal([1L, 2L, 3L], [a.Fence, afterRelease.Lease.Fence, afterExpiry.Lease.Fence]);
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task ReleasingWrites_KeyAndRunLeases_NextTakesReportNoTakeover(string backend)
    {
        var (first, second) = await TwoClientsAsync(backend);
        var runLease = (await first.TryAcquireLeaseAsync(new LeaseRequest("run/fp", "runner-a", "share", LeaseTime), Token)).Lease;
        var run = await first.BeginOrResumeAsync("fp", "share", runLease, Token);
        var keyLease = (await first.TryAcquireLeaseAsync(new LeaseRequest(KeyLeaseName, "runner-a", "run 1", LeaseTime), Token)).Lease;
        var step = new LedgerStepKey(PlanAction.PutKeyPolicy, "arn:aws:kms:us-east-1:111111111111:key/k", "222222222222");
        await first.StepsStartedAsync(run.Id, [step], [runLease], Token);

        await first.StepsCompletedReleasingAsync(run.Id, [new LedgerStepCompletion(step, "Applied", null)], [runLease, keyLease], keyLease, Token);
        await first.FinishReleasingAsync(run.Id, succeeded: true, [runLease], runLease, Token);
        var nextKey = await second.TryAcquireLeaseAsync(new LeaseRequest(KeyLeaseName, "runner-b", "run 2", LeaseTime), Token);
        var nextRun = await second.TryAcquireLeaseAsync(new LeaseRequest("run/fp", "runner-b", "share", LeaseTime), Token);

        Assert.True(nextKey.Acquired && nextRun.Acquired);
        Assert.Null(nextKey.TakenOverFrom);
        Assert.Null(nextRun.TakenOverFrom);
        Assert.Equal((keyLease.Fence + 1, runLease.Fence + 1), (nextKey.Lease.Fence, nextRun.Lease.Fence));
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task FencedWrite_UnderALeaseItsHolderReleased_IsRefused(string backend)
    {
        var (first, _) = await TwoClientsAsync(backend);
        var run = await first.BeginOrResumeAsync("fp", "share", Token);
        var lease = (await first.TryAcquireLeaseAsync(new LeaseRequest("run/fp", "runner-a", "share", LeaseTime), Token)).Lease;
        await first.ReleaseLeaseAsync(lease, Token);

        var step = new LedgerStepKey(PlanAction.AddLaunchPermission, "ami-0000000000000001", "222222222222");

        await Assert.ThrowsAsync<LeaseLostException>(() => first.StepsStartedAsync(run.Id, [step], [lease], Token));
        Assert.False(await first.RenewLeaseAsync(lease, LeaseTime, Token));
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task LeaseKeeperAcquire_AfterAReleaseAndAfterAnExpiry_SaysTookOverOnlyAfterTheExpiry(string backend)
    {
        var (first, second) = await TwoClientsAsync(backend);
        var lines = new Lines();
        var keeper = new LeaseKeeper(second, new LeaseSettings("runner-b", LeaseTime, Wait: false), time, lines);
        var released = (await first.TryAcquireLeaseAsync(new LeaseRequest(KeyLeaseName, "runner-a", "run 1", LeaseTime), Token)).Lease;
        await first.ReleaseLeaseAsync(released, Token);

        await using (await keeper.AcquireAsync(KeyLeaseName, "run 2", Token))
        {
        }

        var linesAfterRelease = lines.All.ToList();
        await first.TryAcquireLeaseAsync(new LeaseRequest(KeyLeaseName, "runner-a", "run 3", LeaseTime), Token);
        time.Advance(LeaseTime + TimeSpan.FromSeconds(1)); // runner-a dies holding it
        await using (await keeper.AcquireAsync(KeyLeaseName, "run 4", Token))
        {
        }

        Assert.Empty(linesAfterRelease);
        Assert.Equal($"took over {KeyLeaseName} from runner-a, whose lease expired (run 3)", Assert.Single(lines.All));
    }

    /// <summary>Collects progress lines synchronously (<see cref="Progress{T}"/> would post them later).</summary>
    private sealed class Lines : IProgress<string>
    {
        private readonly System.Collections.Concurrent.ConcurrentQueue<string> lines = new();

        public IEnumerable<string> All => lines;

        public void Report(string value) => lines.Enqueue(value);
    }
}
