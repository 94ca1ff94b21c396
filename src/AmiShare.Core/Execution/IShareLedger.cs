using AmiShare.Core.Planning;

namespace AmiShare.Core.Execution;

/// <summary>
/// The journal of applied steps (design "Data flow", step 3), and the leases that keep runners apart. A run that
/// stops early — killed, Ctrl+C, an error — stays unfinished; the next run with the same fingerprint resumes it,
/// reusing its id so client tokens (and so CopyImage) return what the first attempt already made instead of doing
/// the work twice. Every write that belongs to a run names the leases it holds (<see cref="Lease"/>): the write
/// lands only while each is still held by that owner at that fencing version, so a runner whose lease was taken
/// over (it paused past its expiry) cannot overwrite the journal of the one that took it.
/// </summary>
public interface IShareLedger
{
    /// <summary>The newest unfinished run with this fingerprint, without beginning one.</summary>
    Task<LedgerRun?> FindUnfinishedAsync(string fingerprint, CancellationToken cancellationToken);

    /// <summary>Resumes the newest unfinished run with this fingerprint, or begins a new one.</summary>
    Task<LedgerRun> BeginOrResumeAsync(string fingerprint, string command, CancellationToken cancellationToken);

    /// <summary>Marks steps started; one call for a batch of independent steps (the backend may write them at once).</summary>
    /// <exception cref="LeaseLostException">A fence is no longer held.</exception>
    Task StepsStartedAsync(string runId, IReadOnlyList<LedgerStepKey> steps, IReadOnlyList<Lease> fences, CancellationToken cancellationToken);

    /// <summary>Marks steps done; one call for a batch (the backend may write them at once).</summary>
    /// <exception cref="LeaseLostException">A fence is no longer held.</exception>
    Task StepsCompletedAsync(string runId, IReadOnlyList<LedgerStepCompletion> steps, IReadOnlyList<Lease> fences, CancellationToken cancellationToken);

    /// <exception cref="LeaseLostException">A fence is no longer held.</exception>
    Task FinishAsync(string runId, bool succeeded, IReadOnlyList<Lease> fences, CancellationToken cancellationToken);

    /// <summary>
    /// Takes the lease when it is free, expired (judged by its expiry attribute, never by its absence) or already
    /// this owner's; otherwise reports who holds it. Each take raises the lease's fencing version.
    /// </summary>
    Task<LeaseAttempt> TryAcquireLeaseAsync(LeaseRequest request, CancellationToken cancellationToken);

    /// <summary>Pushes the expiry on; false when the lease was taken over (this owner must stop writing).</summary>
    Task<bool> RenewLeaseAsync(Lease lease, TimeSpan duration, CancellationToken cancellationToken);

    /// <summary>Lets the lease go (expires it now, keeping its fencing version); a lease no longer held is left alone.</summary>
    Task ReleaseLeaseAsync(Lease lease, CancellationToken cancellationToken);

    /// <summary>
    /// Resumes or begins the run under its run lease (taken with <see cref="LeaseNames.ForRun"/>). A backend may keep
    /// the open run on the lease, so that the take already said whether there is one to resume (one read fewer), and
    /// fences the begin. Runs of one fingerprint are begun either always under the run lease or never.
    /// </summary>
    /// <exception cref="LeaseLostException">The run lease is no longer held.</exception>
    Task<LedgerRun> BeginOrResumeAsync(string fingerprint, string command, Lease runLease, CancellationToken cancellationToken) =>
        BeginOrResumeAsync(fingerprint, command, cancellationToken);

    /// <summary>
    /// <see cref="StepsCompletedAsync"/> and then <see cref="ReleaseLeaseAsync"/> of <paramref name="release"/> (one of the
    /// fences): a backend may make them one write. The caller has stopped renewing <paramref name="release"/>.
    /// </summary>
    /// <exception cref="LeaseLostException">A fence is no longer held.</exception>
    async Task StepsCompletedReleasingAsync(string runId, IReadOnlyList<LedgerStepCompletion> steps, IReadOnlyList<Lease> fences, Lease release, CancellationToken cancellationToken)
    {
        await StepsCompletedAsync(runId, steps, fences, cancellationToken).ConfigureAwait(false);
        await ReleaseLeaseAsync(release, cancellationToken).ConfigureAwait(false);
    }

    /// <summary><see cref="FinishAsync"/> and then <see cref="ReleaseLeaseAsync"/> of <paramref name="release"/> (one of the fences), as one write where the backend allows.</summary>
    /// <exception cref="LeaseLostException">A fence is no longer held.</exception>
    async Task FinishReleasingAsync(string runId, bool succeeded, IReadOnlyList<Lease> fences, Lease release, CancellationToken cancellationToken)
    {
        await FinishAsync(runId, succeeded, fences, cancellationToken).ConfigureAwait(false);
        await ReleaseLeaseAsync(release, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// <see cref="StepsCompletedAsync"/> and then <see cref="ReleaseLeaseAsync"/> of each of <paramref name="releases"/> (all
    /// of them fences), as one write where the backend allows. The caller has stopped renewing them.
    /// </summary>
    /// <exception cref="LeaseLostException">A fence is no longer held.</exception>
    async Task StepsCompletedReleasingAllAsync(string runId, IReadOnlyList<LedgerStepCompletion> steps, IReadOnlyList<Lease> fences, IReadOnlyList<Lease> releases, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(releases);
        await StepsCompletedAsync(runId, steps, fences, cancellationToken).ConfigureAwait(false);
        foreach (var release in releases)
        {
            await ReleaseLeaseAsync(release, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// <see cref="StepsStartedAsync"/>, and in the same write takes every lease of <paramref name="leases"/> when each is
    /// free or released (all or none): one round trip where taking each would cost one more. Returns the leases taken, or
    /// null when one is held or expired under another owner (or the backend does not fold them): the steps are journalled
    /// started all the same, and the caller takes each lease with <see cref="TryAcquireLeaseAsync"/>, which waits for a
    /// holder and reports a takeover. A fence taken so rises as at every take, though not necessarily by one.
    /// </summary>
    /// <exception cref="LeaseLostException">A fence is no longer held.</exception>
    async Task<IReadOnlyList<Lease>?> StepsStartedTakingLeasesAsync(string runId, IReadOnlyList<LedgerStepKey> steps, IReadOnlyList<Lease> fences, IReadOnlyList<LeaseRequest> leases, CancellationToken cancellationToken)
    {
        await StepsStartedAsync(runId, steps, fences, cancellationToken).ConfigureAwait(false);
        return null;
    }

    /// <summary>The newest runs first, for <c>amishare ledger list</c>.</summary>
    Task<IReadOnlyList<LedgerRunSummary>> ListRunsAsync(int limit, CancellationToken cancellationToken);

    /// <summary>One run and its steps, for <c>amishare ledger show</c>; null when there is no such run.</summary>
    Task<LedgerRunDetail?> GetRunAsync(string runId, CancellationToken cancellationToken);

    /// <summary>
    /// What earlier runs recorded of <c>--expand-targets</c> for these images of the source account: per image and
    /// organization/OU target, the member accounts AmiShare granted createVolumePermission through the expansion.
    /// Every target's record of each image, in no particular order; none for an image never expanded.
    /// </summary>
    Task<IReadOnlyList<RecordedExpansion>> ReadExpansionsAsync(string sourceAccount, IReadOnlyList<string> imageIds, CancellationToken cancellationToken);

    /// <summary>
    /// Replaces the record of each (image, target) given; other targets' records of the image are kept. Not fenced:
    /// the caller writes it outside the run (before the apply a widening that forgets nobody, after a successful
    /// apply the new resolution), and a lost write only means a later run removes less.
    /// </summary>
    Task RecordExpansionsAsync(string sourceAccount, IReadOnlyList<RecordedExpansion> expansions, CancellationToken cancellationToken);
}

/// <param name="Resumed">True when an earlier, unfinished run with the same fingerprint is being continued.</param>
/// <param name="Steps">What the run journalled so far, by step key.</param>
public sealed record LedgerRun(string Id, bool Resumed, IReadOnlyDictionary<LedgerStepKey, LedgerStep> Steps)
{
    public int CompletedCount => Steps.Values.Count(s => s.Completed);
}

/// <param name="Result">What the step produced that a later run may need (the id of a copy).</param>
public sealed record LedgerStepCompletion(LedgerStepKey Key, string Outcome, string? Result);

/// <param name="Completed">False when the step started and the run stopped before it was known to be done.</param>
public sealed record LedgerStep(LedgerStepKey Key, bool Completed, string? Outcome, string? Result);

/// <summary>A run as listed: what it was, when, and how it ended (null <paramref name="Finished"/>: still open or killed).</summary>
public sealed record LedgerRunSummary(string Id, string Fingerprint, string Command, DateTimeOffset Started, DateTimeOffset? Finished, bool? Succeeded, int Steps, int Completed);

public sealed record LedgerRunDetail(LedgerRunSummary Run, IReadOnlyList<LedgerStep> Steps);

/// <summary>
/// The ledger's key for a step: the action, the resource and the target, stable across reruns that plan the same
/// step. Stored as one string (<see cref="Encode"/>) whose parts are escaped, so a resource holding the separator
/// cannot be read back as another step.
/// </summary>
public readonly record struct LedgerStepKey(PlanAction Action, string Resource, string Target)
{
    private const char Separator = '|';

    public static LedgerStepKey Of(PlanStep step)
    {
        ArgumentNullException.ThrowIfNull(step);
        return new LedgerStepKey(step.Action, step.Resource, step.Target);
    }

    public string Encode() => $"{Action}{Separator}{Escape(Resource)}{Separator}{Escape(Target)}";

    /// <exception cref="FormatException">The text is not an encoded step key.</exception>
    public static LedgerStepKey Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parts = text.Split(Separator);
        if (parts.Length != 3 || !Enum.TryParse<PlanAction>(parts[0], ignoreCase: false, out var action))
        {
            throw new FormatException($"'{text}' is not a ledger step key (ACTION|RESOURCE|TARGET).");
        }

        return new LedgerStepKey(action, Uri.UnescapeDataString(parts[1]), Uri.UnescapeDataString(parts[2]));
    }

    public override string ToString() => Encode();

    // Only the separator and the escape character itself need escaping; ARNs and ids stay readable.
    private static string Escape(string part) => part.Replace("%", "%25", StringComparison.Ordinal).Replace("|", "%7C", StringComparison.Ordinal);
}
