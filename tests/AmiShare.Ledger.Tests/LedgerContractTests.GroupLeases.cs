using AmiShare.Core.Execution;
using AmiShare.Core.Planning;

namespace AmiShare.Ledger.Tests;

/// <summary>
/// A group of key-policy steps started and its keys' leases taken in one write: all or none, only free or released
/// leases, fenced by the run's lease, and every fence still rising.
/// </summary>
public sealed partial class LedgerContractTests
{
    private static readonly LedgerStepKey KeyStepA = new(PlanAction.PutKeyPolicy, "arn:aws:kms:us-east-1:111111111111:key/a", "222222222222");
    private static readonly LedgerStepKey KeyStepB = new(PlanAction.PutKeyPolicy, "arn:aws:kms:us-east-1:111111111111:key/b", "222222222222");

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task StepsStartedTakingLeases_AllFreeOrReleased_TakesEveryOneInTheStartWrite(string backend)
    {
        var (first, second) = await TwoClientsAsync(backend);
        var runLease = (await first.TryAcquireLeaseAsync(new LeaseRequest("run/fp", "runner-a", "share", LeaseTime), Token)).Lease;
        var run = await first.BeginOrResumeAsync("fp", "share", runLease, Token);
        var earlier = (await second.TryAcquireLeaseAsync(new LeaseRequest("key/a", "runner-x", "run 0", LeaseTime), Token)).Lease;
        await second.ReleaseLeaseAsync(earlier, Token);
        time.Advance(TimeSpan.FromSeconds(1));

        var taken = await first.StepsStartedTakingLeasesAsync(run.Id, [KeyStepA, KeyStepB], [runLease], [Request("key/a"), Request("key/b")], Token);

        Assert.NotNull(taken);
        Assert.Equal(["key/a", "key/b"], taken.Select(l => l.Name));
        Assert.All(taken, l => Assert.Equal(("runner-a", "run 1"), (l.Owner, l.Purpose)));
        Assert.True(taken[0].Fence > earlier.Fence);
        var refused = await second.TryAcquireLeaseAsync(new LeaseRequest("key/b", "runner-x", "run 0", LeaseTime), Token);
        Assert.False(refused.Acquired);
        Assert.Equal("runner-a", refused.Lease.Owner);
        Assert.Equal([KeyStepA, KeyStepB], (await second.GetRunAsync(run.Id, Token))!.Steps.Select(s => s.Key).OrderBy(k => k.Resource, StringComparer.Ordinal));

        // The leases so taken renew, fence and release as any other, and the next take raises the fence again.
        Assert.True(await first.RenewLeaseAsync(taken[1], LeaseTime, Token));
        await first.StepsCompletedReleasingAsync(run.Id, [new LedgerStepCompletion(KeyStepB, "Applied", null)], [runLease, taken[1]], taken[1], Token);
        var next = await second.TryAcquireLeaseAsync(new LeaseRequest("key/b", "runner-x", "run 0", LeaseTime), Token);
        Assert.True(next.Acquired);
        Assert.Null(next.TakenOverFrom);
        Assert.True(next.Lease.Fence > taken[1].Fence);
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task StepsStartedTakingLeases_OneHeldThenExpiredUnderAnotherOwner_TakesNoneButJournalsTheSteps(string backend)
    {
        var (first, second) = await TwoClientsAsync(backend);
        var runLease = (await first.TryAcquireLeaseAsync(new LeaseRequest("run/fp", "runner-a", "share", LeaseTime), Token)).Lease;
        var run = await first.BeginOrResumeAsync("fp", "share", runLease, Token);
        var held = (await second.TryAcquireLeaseAsync(new LeaseRequest("key/a", "runner-x", "run 0", LeaseTime), Token)).Lease;

        var whileHeld = await first.StepsStartedTakingLeasesAsync(run.Id, [KeyStepA], [runLease], [Request("key/b"), Request("key/a")], Token);
        time.Advance(LeaseTime + TimeSpan.FromSeconds(1)); // runner-x dies holding key/a: its takeover is for the one-by-one take to report
        Assert.True(await first.RenewLeaseAsync(runLease, LeaseTime, Token));
        var afterExpiry = await first.StepsStartedTakingLeasesAsync(run.Id, [KeyStepB], [runLease], [Request("key/b"), Request("key/a")], Token);
        var freeStill = await second.TryAcquireLeaseAsync(new LeaseRequest("key/b", "runner-y", "run 9", LeaseTime), Token);
        var takeover = await first.TryAcquireLeaseAsync(Request("key/a"), Token);

        Assert.Null(whileHeld);
        Assert.Null(afterExpiry);
        Assert.True(freeStill.Acquired, "key/b was taken though key/a was not free");
        Assert.Equal([KeyStepA, KeyStepB], (await second.GetRunAsync(run.Id, Token))!.Steps.Select(s => s.Key).OrderBy(k => k.Resource, StringComparer.Ordinal));
        Assert.Equal("runner-x", takeover.TakenOverFrom?.Owner);
        Assert.Equal(held.Fence + 1, takeover.Lease.Fence);
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task StepsStartedTakingLeases_RunLeaseTakenOver_IsRefusedAndTakesNothing(string backend)
    {
        var (stale, fresh) = await TwoClientsAsync(backend);
        var old = (await stale.TryAcquireLeaseAsync(new LeaseRequest("run/fp", "runner-a", "share", LeaseTime), Token)).Lease;
        var run = await stale.BeginOrResumeAsync("fp", "share", old, Token);
        time.Advance(LeaseTime * 2);
        await fresh.TryAcquireLeaseAsync(new LeaseRequest("run/fp", "runner-b", "share", LeaseTime), Token);

        await Assert.ThrowsAsync<LeaseLostException>(() => stale.StepsStartedTakingLeasesAsync(run.Id, [KeyStepA], [old], [Request("key/a")], Token));

        Assert.True((await fresh.TryAcquireLeaseAsync(new LeaseRequest("key/a", "runner-b", "run 2", LeaseTime), Token)).Acquired);
        Assert.Empty((await fresh.GetRunAsync(run.Id, Token))!.Steps);
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task StepsCompletedReleasingAll_GroupTakenLeases_JournalsAndLetsEveryOneGoUnlessOneWasLost(string backend)
    {
        var (first, second) = await TwoClientsAsync(backend);
        var runLease = (await first.TryAcquireLeaseAsync(new LeaseRequest("run/fp", "runner-a", "share", LeaseTime), Token)).Lease;
        var run = await first.BeginOrResumeAsync("fp", "share", runLease, Token);
        var taken = (await first.StepsStartedTakingLeasesAsync(run.Id, [KeyStepA, KeyStepB], [runLease], [Request("key/a"), Request("key/b")], Token))!;
        IReadOnlyList<LedgerStepCompletion> done = [new(KeyStepA, "Applied", null), new(KeyStepB, "AlreadyDone", null)];

        await first.StepsCompletedReleasingAllAsync(run.Id, done, [runLease, .. taken], taken, Token);
        var next = await Task.WhenAll(taken.Select(l => second.TryAcquireLeaseAsync(new LeaseRequest(l.Name, "runner-b", "run 2", LeaseTime), Token)));
        var stale = first.StepsCompletedReleasingAllAsync(run.Id, done, [runLease, .. taken], taken, Token);

        Assert.All(next, n => Assert.True(n.Acquired && n.TakenOverFrom is null));
        Assert.All((await second.GetRunAsync(run.Id, Token))!.Steps, s => Assert.True(s.Completed));
        await Assert.ThrowsAsync<LeaseLostException>(() => stale);
    }

    private static LeaseRequest Request(string name) => new(name, "runner-a", "run 1", LeaseTime);
}
