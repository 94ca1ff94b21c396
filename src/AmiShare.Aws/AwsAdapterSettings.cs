namespace AmiShare.Aws;

/// <summary>What the adapter is given rather than takes from the machine: clock, randomness, counters, transport.</summary>
public sealed record AwsAdapterSettings
{
    /// <summary>Clock for backoff delays and request signing of the narrow IAM client.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Jitter source for backoff; tests pass a fixed one.</summary>
    public Random Random { get; init; } = Random.Shared;

    public AwsRetryPolicy Retry { get; init; } = AwsRetryPolicy.Default;

    /// <summary>Shared by every account built with these settings.</summary>
    public ApiCallCounter Counter { get; init; } = new();

    /// <summary>
    /// Page size asked of paginated reads (clamped to each API's bounds) and the batch size of snapshot ids per
    /// DescribeSnapshots; null lets each API use its maximum.
    /// </summary>
    public int? PageSize { get; init; }

    /// <summary>
    /// Wraps the HTTP transport of every client (SDK and IAM), for proxies, tracing, or tests that inject
    /// throttling; null uses the SDK's own transport.
    /// </summary>
    public Func<HttpMessageHandler, HttpMessageHandler>? HttpHandler { get; init; }
}
