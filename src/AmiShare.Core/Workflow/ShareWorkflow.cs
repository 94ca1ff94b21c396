using System.Collections.Immutable;
using AmiShare.Core.Discovery;
using AmiShare.Core.Execution;
using AmiShare.Core.Model;
using AmiShare.Core.Planning;
using AmiShare.Core.Ports;

namespace AmiShare.Core.Workflow;

/// <summary>A discovered state and the plan made from it; <see cref="Fingerprint"/> names the run in the ledger.</summary>
public sealed record PlannedChange(string Command, DiscoveredState State, SharePlan Plan, string Fingerprint, ImmutableArray<string> Regions);

/// <summary>What an apply did, and the source-side checks made after it.</summary>
public sealed record AppliedChange(PlannedChange Planned, LedgerRun Run, ImmutableArray<StepOutcome> Outcomes, ImmutableArray<KeyAccessFinding> KeyChecks)
{
    public bool KeyChecksPass => KeyChecks.All(c => c.Allowed == c.Expected);
}

/// <summary>
/// The share and unshare jobs end to end, minus rendering: discover → plan → (the caller confirms) → apply with the
/// ledger → check from the source side. The CLI calls it; so do the demo, the tests and the scale bench.
/// </summary>
public sealed class ShareWorkflow(ICloudAccount source, string defaultRegion)
{
    public async Task<PlannedChange> PlanShareAsync(ShareRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var regions = request.RegionsOrEmpty.IsEmpty ? [defaultRegion] : request.RegionsOrEmpty;
        if (request.AllEnabledRegions)
        {
            request = await EnabledDestinationsAsync(request, regions, cancellationToken).ConfigureAwait(false);
        }

        var scope = new DiscoveryScope(request.Images, regions, request.ReencryptKey, WithGrants: request.Asg, WithVolumePermissions: request.AllowCopy, Targets: request.Targets, WithCopies: request.ReencryptKey is not null || request.RegionKeys is not null)
        {
            DestinationRegions = request.DestinationRegionsOrEmpty,
            RegionKeys = request.RegionKeys,
        };
        var state = await new ShareDiscovery(source).DiscoverAsync(scope, cancellationToken).ConfigureAwait(false);
        var plan = SharePlanner.Plan(request with { Regions = regions }, state);
        if (OrganizationForFold.IsNeeded(plan, state) && await OrganizationForFold.ReadAsync(source, state, request.FoldWider, cancellationToken).ConfigureAwait(false) is { } withTree)
        {
            (state, plan) = (withTree, SharePlanner.Plan(request with { Regions = regions }, withTree));
        }

        var arguments = request.Images.Concat(request.Targets.Select(t => "with=" + t.Value)).Concat(regions.Select(r => "region=" + r))
            .Concat(request.PrincipalsOrEmpty.Select(p => "principal=" + p))
            .Concat(request.FoldWider ? ["fold-wider"] : Array.Empty<string>())
            .Append($"allow-copy={request.AllowCopy}").Append($"asg={request.Asg}").Append("reencrypt=" + request.ReencryptKey)
            .Concat(request.DestinationRegionsOrEmpty.Select(r => "to-region=" + r))
            .Concat((request.RegionKeys ?? ImmutableDictionary<string, string>.Empty).Select(k => $"key={k.Key}={k.Value}"))
            .Concat(request.ReplicateKey ? ["replicate-key"] : []);
        return new PlannedChange("share", state, plan, PlanExecutor.Fingerprint("share", state.SourceAccount, arguments), regions);
    }

    /// <summary><c>--to-region all-enabled</c>: every Region DescribeRegions lists for the account, besides the images' own.</summary>
    private async Task<ShareRequest> EnabledDestinationsAsync(ShareRequest request, ImmutableArray<string> regions, CancellationToken cancellationToken)
    {
        var calls = source as IRegionalCalls ?? throw new InvalidOperationException("--to-region all-enabled needs DescribeRegions, which this connection does not offer.");
        var enabled = await calls.DescribeEnabledRegionsAsync(regions[0], cancellationToken).ConfigureAwait(false);
        var destinations = request.DestinationRegionsOrEmpty.Concat(enabled).Where(r => !regions.Contains(r)).Distinct(StringComparer.Ordinal).ToImmutableArray();
        return request with { DestinationRegions = destinations, AllEnabledRegions = false };
    }

    public async Task<PlannedChange> PlanUnshareAsync(UnshareRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var regions = request.RegionsOrEmpty.IsEmpty ? [defaultRegion] : request.RegionsOrEmpty;

        // Every owned image is read: a key keeps a target while another image under it is still shared with it.
        var scope = new DiscoveryScope([], regions, WithGrants: true, WithVolumePermissions: true, Targets: request.Targets);
        var state = await new ShareDiscovery(source).DiscoverAsync(scope, cancellationToken).ConfigureAwait(false);
        var plan = UnsharePlanner.Plan(request with { Regions = regions }, state);
        var arguments = request.Images.Concat(request.Targets.Select(t => "from=" + t.Value)).Concat(regions.Select(r => "region=" + r))
            .Concat(request.DeregisterCopies ? ["deregister-copies"] : []);
        return new PlannedChange("unshare", state, plan, PlanExecutor.Fingerprint("unshare", state.SourceAccount, arguments), regions);
    }

    /// <summary>Applies the plan's pending steps, resuming an unfinished run of the same command and arguments.</summary>
    public async Task<AppliedChange> ApplyAsync(PlannedChange planned, ApplyOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(planned);
        ArgumentNullException.ThrowIfNull(options);
        // The run's lease first: a second runner of the same command waits for it, or takes over a dead one's run.
        await using var runLease = options.Leases is { } leases
            ? await leases.AcquireAsync(LeaseNames.ForRun(planned.Fingerprint), $"{planned.Command} of {planned.Plan.Pending.Count()} step(s)", cancellationToken).ConfigureAwait(false)
            : null;
        var run = runLease is null
            ? await options.Ledger.BeginOrResumeAsync(planned.Fingerprint, planned.Command, cancellationToken).ConfigureAwait(false)
            : await options.Ledger.BeginOrResumeAsync(planned.Fingerprint, planned.Command, runLease.Lease, cancellationToken).ConfigureAwait(false);
        var pending = planned.State.Images.Where(i => i.State == ImageAvailability.Pending).Select(i => i.Id).ToImmutableHashSet(StringComparer.Ordinal);
        var context = new ApplyContext(source, options.Ledger, options.Time, options.Target, planned.State.Organization, pending, options.Checkpoint, options.Progress)
        {
            PollInterval = options.PollInterval,
            Leases = options.Leases,
            RunLease = runLease,
            TargetAccounts = options.TargetAccounts,
        };
        var executor = new PlanExecutor(context);
        var outcomes = await executor.ApplyAsync(planned.Plan, run, cancellationToken).ConfigureAwait(false);
        if (runLease is null)
        {
            await options.Ledger.FinishAsync(run.Id, succeeded: true, [], cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await runLease.ReleaseWithAsync(lease => options.Ledger.FinishReleasingAsync(run.Id, succeeded: true, [lease], lease, cancellationToken)).ConfigureAwait(false);
        }

        return new AppliedChange(planned, run, outcomes, CheckKeys(planned, executor.KeyPolicies));
    }

    /// <summary>
    /// The source-side proof after an apply: each key policy, as KMS now returns it, evaluated by the policy engine
    /// for each target's use through EC2 (admitted after a share, no longer admitted after an unshare).
    /// </summary>
    private static ImmutableArray<KeyAccessFinding> CheckKeys(PlannedChange planned, IReadOnlyDictionary<string, string> written)
    {
        var findings = ImmutableArray.CreateBuilder<KeyAccessFinding>();
        var share = planned.Command == "share";
        foreach (var step in planned.Plan.Steps.Where(s => s.Action == PlanAction.PutKeyPolicy))
        {
            var details = (KeyPolicyDetails)step.Details!;
            var audience = share ? details.Added : details.Removed;
            if (audience.IsEmpty)
            {
                continue;
            }

            var policy = written.TryGetValue(details.KeyArn, out var readBack) ? readBack : details.ExpectedCurrentPolicy;
            findings.AddRange(KeyAccessCheck.Check(policy, details.KeyArn, planned.State.SourceAccount, audience, expected: share, tree: planned.State.Organization));
        }

        return findings.ToImmutable();
    }
}

/// <param name="Target">Target-account credentials, for Auto Scaling grants.</param>
/// <param name="Checkpoint">The fault-injection hook (tests): runs before and after each step's cloud call.</param>
public sealed record ApplyOptions(
    IShareLedger Ledger,
    TimeProvider Time,
    ICloudAccount? Target = null,
    Func<StepCheckpoint, CancellationToken, ValueTask>? Checkpoint = null,
    IProgress<ExecutionProgress>? Progress = null)
{
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Leases on the run and on each key edited; null only where one runner is certain.</summary>
    public LeaseKeeper? Leases { get; init; }

    /// <summary>Credentials in each target account (SSM publishing); null without a target role template.</summary>
    public TargetAccountConnector? TargetAccounts { get; init; }
}
