using AmiShare.Core.Execution;
using AmiShare.Core.Ports;

namespace AmiShare.Cli.Infrastructure;

/// <summary>Turns the connection options into accounts to call; owns them and disposes their clients.</summary>
public interface ICloudConnector : IDisposable
{
    /// <summary>The source account and the region to work in.</summary>
    Task<SourceConnection> ConnectSourceAsync(ConnectionSettings settings, CancellationToken cancellationToken);

    /// <summary>The target account, from --target-profile / --target-role-arn; null when neither was given.</summary>
    Task<ICloudAccount?> ConnectTargetAsync(ConnectionSettings settings, CancellationToken cancellationToken);

    /// <summary>One more account from explicit options (audit reaches several accounts through several roles).</summary>
    Task<ICloudAccount> ConnectAsync(CloudConnection connection, CancellationToken cancellationToken);

    /// <summary>API calls made so far, by operation (for --verbose and the scale bench).</summary>
    IReadOnlyDictionary<string, long> CallCounts { get; }
}

public sealed record SourceConnection(ICloudAccount Account, string Region);

/// <summary>How to reach one account: a profile (or the default chain), a home region, an endpoint, a role to assume.</summary>
public sealed record CloudConnection(string? Profile, string? Region, string? EndpointUrl, string? RoleArn);

/// <summary>
/// What the command tree needs from outside: how to reach the cloud, the clock, and the test hooks. Program uses
/// the defaults (the AWS SDK, the system clock); tests and the demo pass their own.
/// </summary>
/// <param name="Connector">Null: the AWS SDK adapter with the standard credential chain.</param>
/// <param name="Checkpoint">Fault injection between a step's cloud calls (tests: kill-and-resume, concurrent edits).</param>
/// <param name="PollInterval">How often copies and launches are polled; tests use a short one.</param>
public sealed record CliServices(
    Func<ICloudConnector>? Connector = null,
    TimeProvider? Time = null,
    Func<StepCheckpoint, CancellationToken, ValueTask>? Checkpoint = null,
    TimeSpan? PollInterval = null)
{
    /// <summary>What the installed tool uses: the AWS SDK adapter and the system clock.</summary>
    public static CliServices Default { get; } = new();

    public TimeProvider Clock => Time ?? TimeProvider.System;

    public ICloudConnector CreateConnector() => Connector?.Invoke() ?? new AwsCloudConnector(new Aws.AwsAdapterSettings { TimeProvider = Clock });
}
