using AmiShare.LocalCloud.Authorization;
using AmiShare.LocalCloud.Hosting;
using AmiShare.LocalCloud.Identifiers;
using AmiShare.LocalCloud.Protocol;
using AmiShare.LocalCloud.Seed;

namespace AmiShare.LocalCloud;

/// <summary>How to start a <see cref="LocalCloudServer"/>. Every member has a working default.</summary>
public sealed record LocalCloudOptions
{
    /// <summary>Address to listen on; loopback by default so a dev box never exposes the emulator.</summary>
    public string Host { get; init; } = "127.0.0.1";

    /// <summary>TCP port; 0 picks a free one (read it back from <see cref="LocalCloudServer.Endpoint"/>).</summary>
    public int Port { get; init; }

    /// <summary>SQLite file that keeps state across restarts; null keeps everything in memory.</summary>
    public string? DataFilePath { get; init; }

    /// <summary>Seed for a new store. Ignored when the data file already holds a seeded cloud.</summary>
    public SeedDocument? Seed { get; init; }

    /// <summary>Seed file (JSON) for a new store, used when <see cref="Seed"/> is null. Neither: <see cref="DefaultSeed"/>.</summary>
    public string? SeedFilePath { get; init; }

    /// <summary>
    /// Opt-in for suites written against LocalStack, which accepts any credentials: an access key id this cloud
    /// does not know then authenticates as the root user of this account (one of the seed's), without a
    /// signature check since there is no secret to check it with. Known keys are still verified. Null: unknown
    /// keys are refused, as AWS refuses them.
    /// </summary>
    public string? UnknownKeysAccountId { get; init; }

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    public IRandomSource Random { get; init; } = CryptographicRandomSource.Instance;

    /// <summary>Replaces the policy-engine authorizer (tests that want to see every authorization, for instance); null keeps it.</summary>
    public Func<LocalCloudContext, IAccessAuthorizer>? AuthorizerFactory { get; init; }

    /// <summary>Extra operation tables (tests, experiments) registered after the built-in services.</summary>
    public IReadOnlyList<Func<LocalCloudContext, IServiceOperations>> AdditionalServices { get; init; } = [];

    /// <summary>Faults injected from the start (docs/localcloud.md, "Faults"); the admin API can replace them later.</summary>
    public FaultPlan? Faults { get; init; }

    /// <summary>Token for admin endpoints that change the emulator when called from off the loopback; null: a random one.</summary>
    public string? AdminToken { get; init; }

    /// <summary>Largest request body accepted, in bytes.</summary>
    public long MaxRequestBodyBytes { get; init; } = 16 * 1024 * 1024;
}
