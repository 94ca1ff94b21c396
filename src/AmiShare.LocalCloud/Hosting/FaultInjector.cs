using System.Collections.Concurrent;
using System.Text;
using AmiShare.LocalCloud.Protocol;

namespace AmiShare.LocalCloud.Hosting;

/// <summary>What the injector did to one call.</summary>
public enum FaultOutcome
{
    None,
    Throttled,
    ServerError,
}

/// <summary>Counts of injected faults since the plan was last set, for the admin API and benchmarks.</summary>
public sealed record FaultCounts(long Calls, long Throttled, long ServerErrors, long Delayed);

/// <summary>
/// Applies the current <see cref="FaultPlan"/> at one place in the request pipeline, after authentication and before
/// the handler. The n-th call of a (service, operation, account) gets a roll that depends only on the plan's seed and
/// n, so a replay with the same seed and the same calls injects the same faults whatever the thread interleaving
/// across sequences. Latency waits on the cloud's <see cref="TimeProvider"/>, so a test with a fake clock never sleeps.
/// </summary>
public sealed class FaultInjector(TimeProvider time)
{
    private readonly ConcurrentDictionary<string, long> sequences = new(StringComparer.Ordinal);
    private FaultPlan plan = FaultPlan.None;
    private long calls;
    private long throttled;
    private long serverErrors;
    private long delayed;

    public FaultPlan Plan => Volatile.Read(ref plan);

    public FaultCounts Counts => new(Interlocked.Read(ref calls), Interlocked.Read(ref throttled), Interlocked.Read(ref serverErrors), Interlocked.Read(ref delayed));

    /// <summary>Replaces the plan and restarts every sequence and count, so the same plan replays from the start.</summary>
    public void Set(FaultPlan next)
    {
        ArgumentNullException.ThrowIfNull(next);
        lock (sequences)
        {
            sequences.Clear();
            Interlocked.Exchange(ref calls, 0);
            Interlocked.Exchange(ref throttled, 0);
            Interlocked.Exchange(ref serverErrors, 0);
            Interlocked.Exchange(ref delayed, 0);
            Volatile.Write(ref plan, next);
        }
    }

    /// <summary>Waits the rule's latency, then throws the throttling or server error the roll picks, if any.</summary>
    public async Task ApplyAsync(OperationRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var current = Plan;
        if (current.Rules.IsDefaultOrEmpty)
        {
            return;
        }

        var account = request.Caller.AccountId;
        var rule = current.Rules.FirstOrDefault(r => r.Matches(request.Service.Name, request.Operation, account));
        if (rule is null)
        {
            return;
        }

        Interlocked.Increment(ref calls);
        var sequence = $"{request.Service.Name}/{request.Operation}/{account}";
        var n = sequences.AddOrUpdate(sequence, 1, (_, previous) => previous + 1);
        var outcome = Decide(current.Seed, sequence, n, rule);
        if (rule.LatencyMs > 0)
        {
            Interlocked.Increment(ref delayed);
            await Task.Delay(TimeSpan.FromMilliseconds(rule.LatencyMs), time, cancellationToken).ConfigureAwait(false);
        }

        switch (outcome)
        {
            case FaultOutcome.Throttled:
                Interlocked.Increment(ref throttled);
                throw Throttling(request.Service);
            case FaultOutcome.ServerError:
                Interlocked.Increment(ref serverErrors);
                throw ServerError(request.Service, request.RequestId, Roll(current.Seed, sequence, n, 1) < 0.5);
        }
    }

    /// <summary>The outcome of call <paramref name="n"/> of a sequence: a pure function, so tests can predict it.</summary>
    public static FaultOutcome Decide(long seed, string sequence, long n, FaultRule rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        var roll = Roll(seed, sequence, n, 0);
        return roll < rule.ThrottleRate ? FaultOutcome.Throttled
            : roll < rule.ThrottleRate + rule.ServerErrorRate ? FaultOutcome.ServerError
            : FaultOutcome.None;
    }

    // The codes AWS SDKs treat as throttling and retry with backoff: EC2's query API answers RequestLimitExceeded
    // (HTTP 503), the JSON services ThrottlingException (HTTP 400).
    private static AwsServiceException Throttling(AwsServiceDescriptor service) => service.Protocol == WireProtocol.Json11
        ? new AwsServiceException("ThrottlingException", "Rate exceeded (injected by the LocalCloud fault plan).", 400)
        : service.Name == AwsServices.Ec2.Name
            ? new AwsServiceException("RequestLimitExceeded", "Request limit exceeded (injected by the LocalCloud fault plan).", 503)
            : new AwsServiceException("Throttling", "Rate exceeded (injected by the LocalCloud fault plan).", 400);

    private static AwsServiceException ServerError(AwsServiceDescriptor service, string requestId, bool unavailable) => unavailable
        ? new AwsServiceException(service.Name == AwsServices.Ec2.Name ? "Unavailable" : "ServiceUnavailable", "The service is unavailable (injected by the LocalCloud fault plan).", 503)
        : service.InternalError(requestId);

    // SplitMix64 over an FNV-1a hash of the sequence name: cheap, stable across runs and platforms.
    private static double Roll(long seed, string sequence, long n, int salt)
    {
        var hash = 14695981039346656037UL;
        foreach (var b in Encoding.UTF8.GetBytes(sequence))
        {
            hash = (hash ^ b) * 1099511628211UL;
        }

        var x = unchecked(hash ^ (ulong)seed ^ ((ulong)n * 0x9E3779B97F4A7C15UL) ^ ((ulong)salt << 61));
        x = unchecked((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL);
        x = unchecked((x ^ (x >> 27)) * 0x94D049BB133111EBUL);
        x ^= x >> 31;
        return (x >> 11) * (1.0 / (1UL << 53));
    }
}
