namespace AmiShare.Aws;

/// <summary>
/// Exponential backoff with full jitter for throttled calls: before retry <c>n</c> (0-based) the adapter waits a
/// uniformly random time in [0, min(<see cref="MaxDelay"/>, <see cref="BaseDelay"/> × 2^n)). The SDK's own retries
/// are switched off so every attempt is ours and counted.
/// </summary>
/// <param name="MaxAttempts">Attempts in all, the first included; then the call fails with Kind=Throttled.</param>
public sealed record AwsRetryPolicy(int MaxAttempts, TimeSpan BaseDelay, TimeSpan MaxDelay)
{
    /// <summary>Eight attempts, 200 ms base, 20 s cap: rides out KMS's per-second quotas and EC2's token bucket.</summary>
    public static AwsRetryPolicy Default { get; } = new(8, TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(20));

    /// <summary>The wait before retry <paramref name="retry"/> (0-based), drawn with <paramref name="random"/>.</summary>
    public TimeSpan DelayBefore(int retry, Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        var exponential = BaseDelay.Ticks * Math.Pow(2, Math.Min(retry, 30));
        var cap = Math.Min(MaxDelay.Ticks, exponential);
        return TimeSpan.FromTicks((long)(random.NextDouble() * cap));
    }
}
