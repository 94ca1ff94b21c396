using System.Globalization;

namespace AmiShare.Core.Execution;

/// <summary>
/// A lease as the ledger holds it. <paramref name="Fence"/> rises by one on every take, so a write conditional on
/// (owner, fence) fails for a holder whose lease was taken over, even if it is the same owner name again.
/// </summary>
/// <param name="Purpose">What the holder is doing, for the line a waiting runner prints.</param>
public sealed record Lease(string Name, string Owner, string Purpose, long Fence, DateTimeOffset Expires)
{
    public bool IsExpiredAt(DateTimeOffset now) => Expires <= now;

    public string Describe() => string.Create(CultureInfo.InvariantCulture, $"{Owner} ({Purpose}, lease {Name} until {Expires:yyyy-MM-ddTHH:mm:ssZ})");
}

public sealed record LeaseRequest(string Name, string Owner, string Purpose, TimeSpan Duration);

/// <param name="Lease">The lease taken, or (not <paramref name="Acquired"/>) the holder's.</param>
/// <param name="TakenOverFrom">
/// The previous holder whose lease had expired (a runner that died or stalled); null when the lease was free, released
/// by its holder (a release clears the owner), or already this owner's.
/// </param>
public sealed record LeaseAttempt(bool Acquired, Lease Lease, Lease? TakenOverFrom = null);

/// <summary>The names of the leases: one per run fingerprint, one per key whose policy is edited.</summary>
public static class LeaseNames
{
    /// <summary>Held while a run is applied: a second runner of the same command waits, or takes over a dead one's run.</summary>
    public static string ForRun(string fingerprint) => "run/" + fingerprint;

    /// <summary>Held while a key's policy is read, merged and written: one writer per (source account, Region, key).</summary>
    public static string ForKey(string account, string region, string keyArn) => $"key/{account}/{region}/{keyArn}";

    /// <summary><see cref="ForKey"/> of a key policy edited in <paramref name="region"/>: the account is the key ARN's (arn:aws:kms:REGION:ACCOUNT:key/ID).</summary>
    public static string ForKeyPolicy(string keyArn, string region) =>
        ForKey(keyArn.Split(':') is { Length: > 4 } parts ? parts[4] : string.Empty, region, keyArn);
}

/// <summary>How this runner takes leases.</summary>
/// <param name="Owner">Unique per process: host, process id and a random part.</param>
/// <param name="Wait">False (<c>--no-wait</c>): a held lease fails the run at once, naming the holder.</param>
public sealed record LeaseSettings(string Owner, TimeSpan Duration, bool Wait)
{
    /// <summary>How often a waiting runner asks again.</summary>
    public TimeSpan RetryInterval { get; init; } = TimeSpan.FromMilliseconds(500);

    public static string NewOwner() =>
        string.Create(CultureInfo.InvariantCulture, $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid().ToString("N")[..8]}");
}

/// <summary>Another runner holds the lease, and the run was told not to wait (exit 1, naming the holder).</summary>
public sealed class LeaseHeldException(Lease holder)
    : Exception($"Another runner holds {holder.Name}: {holder.Owner} ({holder.Purpose}) until {holder.Expires.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture)}. Rerun without --no-wait to wait for it, or when it is done.")
{
    public Lease Holder { get; } = holder;
}

/// <summary>A lease this runner held was taken over: its journal writes are refused so the new holder's stand.</summary>
public sealed class LeaseLostException(string leaseName)
    : Exception($"The lease {leaseName} was taken over by another runner (this one stalled past its expiry); it stopped so as not to overwrite the other's work. Rerun to resume.")
{
    public string LeaseName { get; } = leaseName;
}

/// <summary>Takes leases for this runner: waits for a held one (reporting the holder) or fails at once with --no-wait.</summary>
public sealed class LeaseKeeper(IShareLedger ledger, LeaseSettings settings, TimeProvider time, IProgress<string>? waiting = null)
{
    public LeaseSettings Settings => settings;

    public async Task<HeldLease> AcquireAsync(string name, string purpose, CancellationToken cancellationToken)
    {
        var reported = string.Empty;
        while (true)
        {
            var attempt = await ledger.TryAcquireLeaseAsync(new LeaseRequest(name, settings.Owner, purpose, settings.Duration), cancellationToken).ConfigureAwait(false);
            if (attempt.Acquired)
            {
                if (attempt.TakenOverFrom is { } previous && previous.Owner != settings.Owner)
                {
                    waiting?.Report($"took over {name} from {previous.Owner}, whose lease expired ({previous.Purpose})");
                }

                return HeldLease.Start(ledger, attempt.Lease, settings.Duration, time);
            }

            if (!settings.Wait)
            {
                throw new LeaseHeldException(attempt.Lease);
            }

            // One line per holder, not one per poll: a long wait should not flood a CI log.
            var line = $"waiting for {name}: held by {attempt.Lease.Owner} ({attempt.Lease.Purpose})";
            if (line != reported)
            {
                waiting?.Report(line);
                reported = line;
            }

            await Task.Delay(settings.RetryInterval, time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Marks the steps started and, in the same ledger write, takes these leases when every one is free or released:
    /// all at once (so no deadlock), instead of one round trip each. Null when any is held, or expired under another
    /// owner: the steps are journalled all the same, and the caller takes each with <see cref="AcquireAsync"/>, which
    /// waits for the holder or reports the takeover.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, HeldLease>?> StartStepsTakingAsync(string runId, IReadOnlyList<LedgerStepKey> steps, IReadOnlyList<Lease> fences, IReadOnlyList<string> names, string purpose, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(names);
        var requests = names.Select(name => new LeaseRequest(name, settings.Owner, purpose, settings.Duration)).ToList();
        var taken = await ledger.StepsStartedTakingLeasesAsync(runId, steps, fences, requests, cancellationToken).ConfigureAwait(false);
        return taken?.ToDictionary(lease => lease.Name, lease => HeldLease.Start(ledger, lease, settings.Duration, time), StringComparer.Ordinal);
    }
}

/// <summary>A lease held and renewed in the background at a third of its duration until disposed, then released.</summary>
public sealed class HeldLease : IAsyncDisposable
{
    private readonly IShareLedger ledger;
    private readonly CancellationTokenSource stop = new();
    private Task renewal = Task.CompletedTask;
    private volatile bool lost;
    private bool released;

    private HeldLease(IShareLedger ledger, Lease lease)
    {
        this.ledger = ledger;
        Lease = lease;
    }

    /// <summary>The lease as taken: its owner and fence, which journal writes are conditional on, never change while held.</summary>
    public Lease Lease { get; }

    public bool IsLost => lost;

    internal static HeldLease Start(IShareLedger ledger, Lease lease, TimeSpan duration, TimeProvider time)
    {
        var held = new HeldLease(ledger, lease);
        held.renewal = held.RenewAsync(duration, time, held.stop.Token);
        return held;
    }

    /// <summary>Throws when renewal found the lease taken over: the caller must not change the cloud under it.</summary>
    public void EnsureHeld()
    {
        if (lost)
        {
            throw new LeaseLostException(Lease.Name);
        }
    }

    /// <summary>
    /// Ends the lease with a last journal write that also releases it (one round trip instead of two): renewal stops
    /// first, so it cannot push the expiry on after the release. When the write fails, disposing still releases.
    /// </summary>
    public async Task ReleaseWithAsync(Func<Lease, Task> lastWrite)
    {
        ArgumentNullException.ThrowIfNull(lastWrite);
        await StopRenewalAsync().ConfigureAwait(false);
        EnsureHeld();
        await lastWrite(Lease).ConfigureAwait(false);
        released = true;
    }

    /// <summary><see cref="ReleaseWithAsync"/> for leases let go together: one last write that releases them all.</summary>
    public static async Task ReleaseAllWithAsync(IReadOnlyList<HeldLease> held, Func<IReadOnlyList<Lease>, Task> lastWrite)
    {
        ArgumentNullException.ThrowIfNull(held);
        ArgumentNullException.ThrowIfNull(lastWrite);
        foreach (var lease in held)
        {
            await lease.StopRenewalAsync().ConfigureAwait(false);
            lease.EnsureHeld();
        }

        await lastWrite([.. held.Select(h => h.Lease)]).ConfigureAwait(false);
        foreach (var lease in held)
        {
            lease.released = true;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopRenewalAsync().ConfigureAwait(false);
        stop.Dispose();
        if (!lost && !released)
        {
            // A release that fails leaves the lease to expire: the next runner waits at most its duration.
            try
            {
                using var bounded = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await ledger.ReleaseLeaseAsync(Lease, bounded.Token).ConfigureAwait(false);
            }
#pragma warning disable CA1031 // Releasing is a courtesy; expiry is the guarantee.
            catch (Exception)
#pragma warning restore CA1031
            {
            }
        }
    }

    private async Task StopRenewalAsync()
    {
        if (!stop.IsCancellationRequested)
        {
            await stop.CancelAsync().ConfigureAwait(false);
        }

        await renewal.ConfigureAwait(false);
    }

    private async Task RenewAsync(TimeSpan duration, TimeProvider time, CancellationToken cancellationToken)
    {
        var every = duration / 3;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(every, time, cancellationToken).ConfigureAwait(false);
                if (!await ledger.RenewLeaseAsync(Lease, duration, cancellationToken).ConfigureAwait(false))
                {
                    lost = true;
                    return;
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }
#pragma warning disable CA1031 // A failed renewal (network) is retried at the next tick; the fenced writes stay the guarantee.
            catch (Exception)
#pragma warning restore CA1031
            {
            }
        }
    }
}
