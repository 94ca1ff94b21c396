using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Text;
using AmiShare.Core.KeyPolicies;
using AmiShare.Core.Model;
using AmiShare.Core.Planning;
using AmiShare.Core.Ports;
using AmiShare.Policy.Catalogue;

namespace AmiShare.Core.Execution;

/// <summary>Where a step is when the checkpoint hook runs: around the call that changes the cloud.</summary>
public enum CheckpointPhase
{
    BeforeCall,
    AfterCall,
}

/// <summary>A point between the steps' cloud calls where tests inject a crash or a concurrent edit.</summary>
public sealed record StepCheckpoint(int Index, PlanStep Step, CheckpointPhase Phase);

public enum StepOutcomeKind
{
    /// <summary>The executor changed the cloud.</summary>
    Applied,

    /// <summary>Nothing to do: discovery (or the re-read before writing) found it done.</summary>
    AlreadyDone,

    /// <summary>Somebody else must act (the target account's Auto Scaling grant without target credentials, the target IAM policy).</summary>
    ActionRequired,
}

/// <param name="Resource">The resource as finally acted on (a copy's real id replaces <c>copy-of:…</c>).</param>
/// <param name="Detail">What happened, or the command someone else must run.</param>
public sealed record StepOutcome(PlanStep Step, string Resource, StepOutcomeKind Kind, string Detail);

/// <summary>Progress of an apply, for the CLI's progress display.</summary>
public sealed record ExecutionProgress(int Index, int Count, PlanStep Step, string Message);

/// <summary>What the executor needs besides the plan.</summary>
/// <param name="Target">Credentials in a target account, for the grants only the target can create.</param>
/// <param name="Organization">As discovered; key-policy merges after a concurrent edit may need to fold accounts again.</param>
/// <param name="PendingImages">Images discovery saw as pending (a copy from a killed run): wait for them before sharing.</param>
public sealed record ApplyContext(
    ICloudAccount Source,
    IShareLedger Ledger,
    TimeProvider Time,
    ICloudAccount? Target = null,
    OrganizationFacts? Organization = null,
    ImmutableHashSet<string>? PendingImages = null,
    Func<StepCheckpoint, CancellationToken, ValueTask>? Checkpoint = null,
    IProgress<ExecutionProgress>? Progress = null)
{
    /// <summary>How often a wait for a copy polls; AWS copies take minutes, LocalCloud's are done at once.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Longest wait for one copy to become available.</summary>
    public TimeSpan CopyTimeout { get; init; } = TimeSpan.FromHours(2);

    /// <summary>How many independent steps (one action, different resources) run at once; throttling is retried by the adapter.</summary>
    public int MaxConcurrentSteps { get; init; } = 8;

    /// <summary>Takes the per-key leases before a key policy is edited; null only where one runner is certain (unit tests).</summary>
    public LeaseKeeper? Leases { get; init; }

    /// <summary>The lease on the run itself: every journal write is conditional on it.</summary>
    public HeldLease? RunLease { get; init; }

    /// <summary>Credentials in each target account, for the SSM parameters published there; null without a target role template.</summary>
    public TargetAccountConnector? TargetAccounts { get; init; }
}

/// <summary>
/// Applies a plan's pending steps in order (design "Data flow", step 3), journalling each in the ledger. Steps are
/// idempotent against live state: a rerun plans from a fresh discovery, and the ledger's run id keeps CopyImage's
/// client token stable so a copy started by a killed run is returned, not made again. Key policies are re-read
/// before writing and read back after, so an edit someone made since discovery is merged, not overwritten.
/// </summary>
public sealed class PlanExecutor(ApplyContext context)
{
    /// <summary>How often a key policy is re-merged when a read-back shows it was changed under us.</summary>
    private const int KeyPolicyAttempts = 5;

    private readonly ConcurrentDictionary<string, string> copies = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ImmutableArray<string>> copySnapshots = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> keyPolicies = new(StringComparer.Ordinal);
    private readonly LifecycleStepRunner lifecycle = new(context);

    /// <summary>Each key policy this executor wrote or found current, as KMS last returned it, by key ARN.</summary>
    public IReadOnlyDictionary<string, string> KeyPolicies => keyPolicies;

    public async Task<ImmutableArray<StepOutcome>> ApplyAsync(SharePlan plan, LedgerRun run, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(run);
        if (plan.IsBlocked)
        {
            throw new InvalidOperationException("A blocked plan cannot be applied.");
        }

        foreach (var (key, step) in run.Steps)
        {
            if (step.Completed && step.Result is { } copyId && key.Action == PlanAction.CopyImageUnderCustomerKey)
            {
                copies[PlanStep.CopyOf(key.Resource)] = copyId;
            }
        }

        // Steps of one action on different resources do not depend on each other (copies of different images,
        // policies of different keys, permissions of different images), so each such run of steps goes in parallel;
        // the runs themselves keep the plan's order (copies, keys, launch, volume, grants).
        var outcomes = new StepOutcome[plan.Steps.Length];
        var index = 0;
        while (index < plan.Steps.Length)
        {
            var end = index + 1;
            while (end < plan.Steps.Length && plan.Steps[end].Action == plan.Steps[index].Action)
            {
                end++;
            }

            // One journal write marks the whole group started: the backend batches it (DynamoDB: one journal item). A group
            // of key policies that all run at once (so no lease waits on its step) also takes their leases in it when all are free.
            var pending = plan.Steps.Skip(index).Take(end - index).Where(s => s.Status == StepStatus.Pending).ToList();
            var names = pending.Select(s => s.Details is KeyPolicyDetails k ? LeaseNames.ForKeyPolicy(k.KeyArn, k.Region) : null).ToList();
            var keyLeases = new ConcurrentDictionary<string, HeldLease>(StringComparer.Ordinal);
            if (pending.Count > 0 && context.Leases is { } keeper && names.Count <= context.MaxConcurrentSteps && names.All(n => n is not null))
            {
                keyLeases = new(await keeper.StartStepsTakingAsync(run.Id, [.. pending.Select(LedgerStepKey.Of)], Fences(), [.. names.OfType<string>()], $"run {run.Id}", cancellationToken).ConfigureAwait(false) ?? new Dictionary<string, HeldLease>(), StringComparer.Ordinal);
            }
            else if (pending.Count > 0)
            {
                await context.Ledger.StepsStartedAsync(run.Id, [.. pending.Select(LedgerStepKey.Of)], Fences(), cancellationToken).ConfigureAwait(false);
            }

            // Completions are journalled for the whole group at once, and key leases taken together are let go together in
            // that write, fenced by each (a key taken alone is journalled and let go at once). A kill before the flush loses
            // only "done" marks of idempotent steps: the next run redoes or finds them done, a copy found by its token.
            var completed = new ConcurrentQueue<LedgerStepCompletion>();
            try
            {
                try
                {
                    await Parallel.ForEachAsync(
                        Enumerable.Range(index, end - index),
                        new ParallelOptions { MaxDegreeOfParallelism = context.MaxConcurrentSteps, CancellationToken = cancellationToken },
                        async (i, token) => outcomes[i] = await RunStepAsync(plan, i, run, completed, keyLeases, token).ConfigureAwait(false)).ConfigureAwait(false);
                }
                catch (Exception) when (!completed.IsEmpty)
                {
                    // What did finish before the failure is still journalled; the failure is what the caller sees.
                    await TryJournalAsync(run, completed).ConfigureAwait(false);
                    throw;
                }

                if (!keyLeases.IsEmpty)
                {
                    await HeldLease.ReleaseAllWithAsync([.. keyLeases.Values], leases => context.Ledger.StepsCompletedReleasingAllAsync(run.Id, [.. completed], [.. Fences(), .. leases], leases, cancellationToken)).ConfigureAwait(false);
                }
                else if (!completed.IsEmpty)
                {
                    await context.Ledger.StepsCompletedAsync(run.Id, [.. completed], Fences(), cancellationToken).ConfigureAwait(false);
                }
            }
            finally
            {
                // Leases taken with the group and not let go by its write (a failure first) are let go now.
                foreach (var unreleased in keyLeases.Values)
                {
                    await unreleased.DisposeAsync().ConfigureAwait(false);
                }
            }

            index = end;
        }

        return [.. outcomes];
    }

    private async Task TryJournalAsync(LedgerRun run, ConcurrentQueue<LedgerStepCompletion> completed)
    {
        try
        {
            using var bounded = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await context.Ledger.StepsCompletedAsync(run.Id, [.. completed], Fences(), bounded.Token).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // Best effort on the failure path: losing these marks only means the next run redoes idempotent steps.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }

    /// <param name="keyLeases">Key leases taken with the group's start, by name: let go with the group's completions.</param>
    private async Task<StepOutcome> RunStepAsync(SharePlan plan, int index, LedgerRun run, ConcurrentQueue<LedgerStepCompletion> completed, ConcurrentDictionary<string, HeldLease> keyLeases, CancellationToken cancellationToken)
    {
        var step = plan.Steps[index];
        switch (step.Status)
        {
            case StepStatus.AlreadyDone:
                return new StepOutcome(step, step.Resource, StepOutcomeKind.AlreadyDone, step.Reason);
            case StepStatus.Informational:
                return new StepOutcome(step, step.Resource, StepOutcomeKind.ActionRequired, step.Reason);
        }

        context.Progress?.Report(new ExecutionProgress(index, plan.Steps.Length, step, Describe(step)));
        var stepKey = LedgerStepKey.Of(step);

        // A key policy is read, merged and written under the lease of its (account, Region, key): runners that share
        // images under one key take turns, so neither writes over the other's statements.
        var groupLease = step.Details is KeyPolicyDetails k && keyLeases.TryGetValue(LeaseNames.ForKeyPolicy(k.KeyArn, k.Region), out var taken) ? taken : null;
        await using var ownLease = groupLease is null && step.Details is KeyPolicyDetails keyPolicy && context.Leases is { } leases
            ? await leases.AcquireAsync(LeaseNames.ForKeyPolicy(keyPolicy.KeyArn, keyPolicy.Region), $"run {run.Id}", cancellationToken).ConfigureAwait(false)
            : null;
        var keyLease = groupLease ?? ownLease;
        await CheckpointAsync(index, step, CheckpointPhase.BeforeCall, cancellationToken).ConfigureAwait(false);
        context.RunLease?.EnsureHeld();
        keyLease?.EnsureHeld();
        var outcome = await ApplyStepAsync(index, step, run, cancellationToken).ConfigureAwait(false);
        await CheckpointAsync(index, step, CheckpointPhase.AfterCall, cancellationToken).ConfigureAwait(false);
        var completion = new LedgerStepCompletion(stepKey, outcome.Kind.ToString(), outcome.Step.Action == PlanAction.CopyImageUnderCustomerKey ? outcome.Resource : null);
        if (ownLease is not null)
        {
            // Journalled under the key's lease and letting it go in the same write: one round trip, not two.
            await ownLease.ReleaseWithAsync(lease => context.Ledger.StepsCompletedReleasingAsync(run.Id, [completion], Fences(ownLease), lease, cancellationToken)).ConfigureAwait(false);
        }
        else
        {
            completed.Enqueue(completion);
        }

        return outcome;
    }

    /// <summary>The leases a journal write is conditional on: the run's, and the key's while its policy is edited.</summary>
    private List<Lease> Fences(HeldLease? keyLease = null) =>
        [.. new[] { context.RunLease, keyLease }.OfType<HeldLease>().Select(l => l.Lease)];

    /// <summary>A run's fingerprint: the same command, arguments and source account resume the same run.</summary>
    public static string Fingerprint(string command, string sourceAccount, IEnumerable<string> arguments)
    {
        var text = command + "\n" + sourceAccount + "\n" + string.Join("\n", arguments.Order(StringComparer.Ordinal));
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }

    private ValueTask CheckpointAsync(int index, PlanStep step, CheckpointPhase phase, CancellationToken cancellationToken) =>
        context.Checkpoint?.Invoke(new StepCheckpoint(index, step, phase), cancellationToken) ?? ValueTask.CompletedTask;

    private async Task<StepOutcome> ApplyStepAsync(int index, PlanStep step, LedgerRun run, CancellationToken cancellationToken)
    {
        switch (step.Details)
        {
            case CopyImageDetails copy:
                return await CopyAsync(index, step, copy, run, cancellationToken).ConfigureAwait(false);
            case KeyPolicyDetails keyPolicy:
                return await PutKeyPolicyAsync(step, keyPolicy, cancellationToken).ConfigureAwait(false);
            case PermissionDetails permission when step.Action is PlanAction.AddLaunchPermission or PlanAction.RemoveLaunchPermission:
                {
                    var imageId = Resolve(step.Resource);
                    var region = await RegionOfImageAsync(index, step, imageId, cancellationToken).ConfigureAwait(false);
                    var add = step.Action == PlanAction.AddLaunchPermission ? permission.Targets : [];
                    var remove = step.Action == PlanAction.RemoveLaunchPermission ? permission.Targets : [];
                    await context.Source.ModifyLaunchPermissionsAsync(region, imageId, add, remove, cancellationToken).ConfigureAwait(false);
                    return new StepOutcome(step, imageId, StepOutcomeKind.Applied, $"{(add.IsEmpty ? "removed" : "added")} launch permission for {string.Join(", ", permission.Targets)}");
                }

            case PermissionDetails permission:
                {
                    var accounts = permission.Targets.Where(t => t.IsAccount).Select(t => t.Value).ToList();
                    var snapshots = !permission.Snapshots.IsDefaultOrEmpty
                        ? permission.Snapshots
                        : copySnapshots.TryGetValue(Resolve(step.Resource), out var known) ? known : [];
                    var region = RegionOf(step);
                    foreach (var snapshot in snapshots)
                    {
                        var add = step.Action == PlanAction.AddCreateVolumePermission ? accounts : [];
                        var remove = step.Action == PlanAction.RemoveCreateVolumePermission ? accounts : [];
                        await context.Source.ModifyCreateVolumePermissionsAsync(region, snapshot, add, remove, cancellationToken).ConfigureAwait(false);
                    }

                    return new StepOutcome(step, string.Join(", ", snapshots), StepOutcomeKind.Applied, $"createVolumePermission {(step.Action == PlanAction.AddCreateVolumePermission ? "added for" : "removed from")} {string.Join(", ", accounts)}");
                }

            case ReplicateKeyDetails replica:
                return await RegionalStepExecution.ReplicateAsync(context.Source, step, replica, cancellationToken).ConfigureAwait(false);
            case DeregisterCopyDetails copyRemoval:
                return await RegionalStepExecution.DeregisterAsync(context.Source, step, copyRemoval, cancellationToken).ConfigureAwait(false);
            case AsgGrantDetails grant when step.Action == PlanAction.CreateAsgGrant:
                return await CreateAsgGrantAsync(step, grant, cancellationToken).ConfigureAwait(false);
            case AsgGrantDetails grant:
                await context.Source.RevokeGrantAsync(grant.KeyArn, grant.GrantId!, cancellationToken).ConfigureAwait(false);
                return new StepOutcome(step, grant.KeyArn, StepOutcomeKind.Applied, $"revoked grant {grant.GrantId}");
            case LifecycleDetails details:
                return await lifecycle.ApplyAsync(step, Resolve(step.Resource), details, cancellationToken).ConfigureAwait(false);
            default:
                throw new InvalidOperationException($"Step {step.Action} on {step.Resource} has no executor.");
        }
    }

    private async Task<StepOutcome> CopyAsync(int index, PlanStep step, CopyImageDetails copy, LedgerRun run, CancellationToken cancellationToken)
    {
        // The token is the image's, the key's and the Region's, not the run's: runners that re-encrypt one image under one
        // key at the same time (with different targets, so different runs) get the one copy EC2 made for the first of
        // them, and a resumed run gets the copy its killed attempt started. A copy into another Region is called in the
        // destination with the home Region as source (docs/aws-facts.md §9).
        var tags = ImmutableDictionary<string, string>.Empty.Add(ImageDescription.CopyTag, copy.SourceImageId);
        if (copy.IsCrossRegion)
        {
            tags = tags.Add(ImageDescription.SourceRegionTag, copy.SourceRegion!);
        }

        var command = new CopyImageCommand(copy.Region, copy.SourceRegion ?? copy.Region, copy.SourceImageId, copy.CopyName, copy.KeyArn, CopyToken(copy, scope: string.Empty), tags);
        var imageId = await context.Source.CopyImageAsync(command, cancellationToken).ConfigureAwait(false);
        var image = await WaitForImageAsync(index, step, copy.Region, imageId, deregisteredIsNull: true, cancellationToken).ConfigureAwait(false);
        if (image is null)
        {
            // The token's copy was deregistered since (its owner deleted it): EC2 may keep answering the token with it,
            // so this run copies afresh under a token of its own (still stable when the run is resumed).
            imageId = await context.Source.CopyImageAsync(command with { ClientToken = CopyToken(copy, scope: run.Id) }, cancellationToken).ConfigureAwait(false);
            image = await WaitForImageAsync(index, step, copy.Region, imageId, deregisteredIsNull: false, cancellationToken).ConfigureAwait(false)
                ?? throw new InvalidOperationException($"{imageId} was reported deregistered where that is refused.");
        }

        copies[copy.Symbol] = imageId;
        copySnapshots[imageId] = [.. image.BlockDevices.Select(d => d.SnapshotId).OfType<string>()];
        return new StepOutcome(step, imageId, StepOutcomeKind.Applied, $"{copy.SourceImageId} copied to {imageId} under {copy.KeyArn}");
    }

    private static string CopyToken(CopyImageDetails copy, string scope) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(scope + "|" + copy.SourceImageId + "|" + copy.KeyArn + (copy.IsCrossRegion ? "|" + copy.Region : string.Empty))))[..32];

    /// <param name="deregisteredIsNull">Null instead of a refusal when the image was deregistered (a copy its owner deleted).</param>
    private async Task<ImageDescription?> WaitForImageAsync(int index, PlanStep step, string region, string imageId, bool deregisteredIsNull, CancellationToken cancellationToken)
    {
        var deadline = context.Time.GetUtcNow() + context.CopyTimeout;
        while (true)
        {
            var found = await context.Source.DescribeOwnedImagesAsync(region, new ImageQuery(ImageIds: [imageId]), cancellationToken).ConfigureAwait(false);
            var image = found.FirstOrDefault();
            switch (image?.State)
            {
                case Ec2ImageState.Available:
                    return image;
                case Ec2ImageState.Deregistered when deregisteredIsNull:
                    return null;
                case Ec2ImageState.Failed or Ec2ImageState.Deregistered or Ec2ImageState.Disabled:
                    throw new ShareRefusedException(
                        RefusalReason.CopyFailed,
                        $"The copy {imageId} ended {image.State.ToAwsName()}: {image.StateReason ?? "no reason given"}.",
                        $"Check that the source credentials may use both keys ({KmsActions.Decrypt} on the source key, {KmsActions.GenerateDataKeyWithoutPlaintext} and {KmsActions.CreateGrant} on the new one), deregister the failed copy, and rerun.");
            }

            if (context.Time.GetUtcNow() > deadline)
            {
                throw new ShareRefusedException(RefusalReason.CopyTimedOut, $"The copy {imageId} was still {image?.State.ToAwsName() ?? "not visible"} after {context.CopyTimeout}.", "Rerun later: the run resumes and waits for the same copy.");
            }

            context.Progress?.Report(new ExecutionProgress(index, 0, step, $"waiting for {imageId} ({image?.State.ToAwsName() ?? "not visible yet"})"));
            await Task.Delay(context.PollInterval, context.Time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Writes AmiShare's part of a key policy into whatever the policy is now: re-read, merge, write, read back. A
    /// read-back that lost AmiShare's statements (a concurrent writer won) is merged again. KMS has no conditional
    /// put, so an edit landing between one attempt's read and write is the one case the read-back cannot see.
    /// </summary>
    private async Task<StepOutcome> PutKeyPolicyAsync(PlanStep step, KeyPolicyDetails details, CancellationToken cancellationToken)
    {
        var current = await context.Source.GetKeyPolicyAsync(details.KeyArn, cancellationToken).ConfigureAwait(false);
        var merged = current == details.ExpectedCurrentPolicy ? details.NewPolicy : Merge(current, details);
        var concurrent = current != details.ExpectedCurrentPolicy;
        for (var attempt = 1; ; attempt++)
        {
            if (merged == current)
            {
                keyPolicies[details.KeyArn] = current;
                return new StepOutcome(step, details.KeyArn, StepOutcomeKind.AlreadyDone, concurrent ? "the key policy was edited since discovery and already admits the targets" : "nothing to change");
            }

            await context.Source.PutKeyPolicyAsync(details.KeyArn, merged, cancellationToken).ConfigureAwait(false);
            var readBack = await context.Source.GetKeyPolicyAsync(details.KeyArn, cancellationToken).ConfigureAwait(false);
            var again = Merge(readBack, details);
            if (again == readBack)
            {
                keyPolicies[details.KeyArn] = readBack;
                return new StepOutcome(step, details.KeyArn, StepOutcomeKind.Applied, concurrent ? "merged into a policy edited since discovery; the other edit is kept" : "key policy updated");
            }

            if (attempt >= KeyPolicyAttempts)
            {
                throw new ShareRefusedException(RefusalReason.ConcurrentKeyPolicyEdits, $"The policy of {details.KeyArn} kept changing under AmiShare ({attempt} attempts).", "Find the other writer (CloudTrail PutKeyPolicy events), let it finish, and rerun.");
            }

            (current, merged, concurrent) = (readBack, again, true);
        }
    }

    private string Merge(string policy, KeyPolicyDetails details)
    {
        var shared = details.Added.IsEmpty ? policy : KeyPolicyBuilder.Share(policy, details.Region, details.Added, context.Organization) switch
        {
            { IsRefused: true } refused => throw new ShareRefusedException(RefusalReason.KeyPolicyTooLarge, refused.Findings.First().Message, "Share with an organization or OU instead of many accounts."),
            var change => change.PolicyJson,
        };
        return details.Removed.IsEmpty ? shared : KeyPolicyBuilder.Unshare(shared, details.Region, details.Removed).PolicyJson;
    }

    private async Task<StepOutcome> CreateAsgGrantAsync(PlanStep step, AsgGrantDetails grant, CancellationToken cancellationToken)
    {
        if (context.Target is not { } target || (await target.GetCallerIdentityAsync(cancellationToken).ConfigureAwait(false)).Account != grant.TargetAccount)
        {
            return new StepOutcome(step, grant.KeyArn, StepOutcomeKind.ActionRequired, $"Run in {grant.TargetAccount}: {grant.TargetCommand}");
        }

        // A grant for the Auto Scaling role must come from the target account: the key policy admits it there.
        var id = await target.CreateGrantAsync(grant.KeyArn, grant.GranteePrincipal, grant.Operations, "AmiShareAutoScaling", cancellationToken).ConfigureAwait(false);
        return new StepOutcome(step, grant.KeyArn, StepOutcomeKind.Applied, $"grant {id} created from {grant.TargetAccount} for {grant.GranteePrincipal}");
    }

    private async Task<string> RegionOfImageAsync(int index, PlanStep step, string imageId, CancellationToken cancellationToken)
    {
        var region = RegionOf(step);
        if (context.PendingImages?.Contains(imageId) == true)
        {
            await WaitForImageAsync(index, step, region, imageId, deregisteredIsNull: false, cancellationToken).ConfigureAwait(false);
        }

        return region;
    }

    private string Resolve(string resource) =>
        PlanStep.IsSymbolic(resource)
            ? copies.TryGetValue(resource, out var id) ? id : throw new InvalidOperationException($"{resource} was not copied before a step that needs it.")
            : resource;

    private static string RegionOf(PlanStep step) => step.Details switch
    {
        KeyPolicyDetails k => k.Region,
        CopyImageDetails c => c.Region,
        PermissionDetails { Region: { } region } => region,
        _ => throw new InvalidOperationException($"Step {step.Action} on {step.Resource} does not say its region."),
    };

    private static string Describe(PlanStep step) => $"{step.Action} {step.Resource}" + (step.Target.Length > 0 ? $" → {step.Target}" : string.Empty);
}
