using System.Net;
using AmiShare.LocalCloud.Hosting;
using AmiShare.LocalCloud.Protocol;
using AmiShare.LocalCloud.Seed;
using AmiShare.LocalCloud.Services;
using AmiShare.LocalCloud.State;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AmiShare.LocalCloud;

/// <summary>An account of the running cloud with its documented root credentials.</summary>
public sealed record LocalCloudAccount(string Id, string Name, string? OrganizationPath, string RootAccessKeyId, string RootSecretAccessKey);

/// <summary>
/// A running LocalCloud: one HTTP endpoint serving every emulated AWS API (the service comes from the SigV4
/// credential scope) plus the admin API under <c>/_localcloud/</c>. Safe for parallel requests.
/// </summary>
public sealed class LocalCloudServer : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly LocalCloudState state;
    private int disposed;

    private LocalCloudServer(WebApplication app, LocalCloudState state, LocalCloudContext cloud, Uri endpoint, IReadOnlyList<IServiceOperations> tables)
    {
        this.app = app;
        this.state = state;
        Tables = tables;
        Cloud = cloud;
        Endpoint = endpoint;
        Accounts = [.. cloud.Seed.Accounts.Select(a => new LocalCloudAccount(
            a.Id, a.Name, cloud.Organization.OrganizationPathOf(a.Id), a.EffectiveRootAccessKeyId, a.EffectiveRootSecretAccessKey))];
    }

    /// <summary>Base URL for SDK <c>ServiceURL</c> or <c>aws --endpoint-url</c>, e.g. <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri Endpoint { get; }

    public IReadOnlyList<LocalCloudAccount> Accounts { get; }

    /// <summary>
    /// Sent as the <c>x-localcloud-admin-token</c> header, it lets a caller off the loopback use the admin endpoints
    /// that change the emulator (faults); loopback callers need none. <c>local serve</c> prints it at start.
    /// </summary>
    public required string AdminToken { get; init; }

    /// <summary>The header that carries <see cref="AdminToken"/>.</summary>
    public const string AdminTokenHeader = "x-localcloud-admin-token";

    /// <summary>State, organization facts, IAM lookups and the authorizer of this cloud.</summary>
    public LocalCloudContext Cloud { get; }

    public OrganizationDirectory Organization => Cloud.Organization;

    /// <summary>The operation tables this server serves (tests reach EC2's content store through it).</summary>
    internal IReadOnlyList<IServiceOperations> Tables { get; }

    public LocalCloudAccount Account(string accountId) =>
        Accounts.FirstOrDefault(a => a.Id == accountId) ?? throw new ArgumentException($"No account {accountId} in this LocalCloud.", nameof(accountId));

    public static async Task<LocalCloudServer> StartAsync(LocalCloudOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var address = options.Host == "localhost" ? IPAddress.Loopback
            : IPAddress.TryParse(options.Host, out var parsed) ? parsed
            : throw new ArgumentException($"Host '{options.Host}' must be an IP address or 'localhost'.", nameof(options));
        if (options.Port is < 0 or > 65535)
        {
            throw new ArgumentException($"Port {options.Port} must be between 0 and 65535.", nameof(options));
        }

        var state = LocalCloudState.Open(options.DataFilePath);
        WebApplication? app = null;
        try
        {
            var seed = await CloudInitializer.InitializeAsync(state, options, cancellationToken).ConfigureAwait(false);
            if (options.UnknownKeysAccountId is { } unknownKeysAccount && !seed.Accounts.Any(a => a.Id == unknownKeysAccount))
            {
                throw new ArgumentException(
                    $"Account '{unknownKeysAccount}' for unknown access keys is not in this LocalCloud; use one of {string.Join(", ", seed.Accounts.Select(a => a.Id))}.",
                    nameof(options));
            }

            var cloud = new LocalCloudContext(state, seed, options.TimeProvider, options.Random, options.AuthorizerFactory, options.UnknownKeysAccountId);
            var tables = BuiltInServices.Create(cloud).Concat(options.AdditionalServices.Select(create => create(cloud))).ToList();
            var registry = new OperationRegistry(tables);
            if (options.Faults is { } faults)
            {
                cloud.Faults.Set(faults);
            }

            var adminToken = options.AdminToken ?? Convert.ToHexStringLower(cloud.Ids.Bytes(16));

            var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
            {
                ApplicationName = typeof(LocalCloudServer).Assembly.GetName().Name,
                Args = [],
            });
            builder.Logging.ClearProviders();
            builder.Services.Configure<ConsoleLifetimeOptions>(o => o.SuppressStatusMessages = true);
            builder.WebHost.ConfigureKestrel(kestrel =>
            {
                kestrel.AddServerHeader = false;
                kestrel.Limits.MaxRequestBodySize = options.MaxRequestBodyBytes;
                kestrel.Listen(address, options.Port);
            });

            app = builder.Build();
            var pipeline = new RequestPipeline(cloud, registry, options.MaxRequestBodyBytes, app.Services.GetRequiredService<ILogger<RequestPipeline>>());
            app.Use((http, next) => AdminEndpoints.IsAdminPath(http.Request.Path) ? next(http) : pipeline.HandleAsync(http));
            AdminEndpoints.Map(app, cloud, registry, tables, adminToken);

            await app.StartAsync(cancellationToken).ConfigureAwait(false);
            var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
                ?? throw new InvalidOperationException("Kestrel started without reporting its address.");
            return new LocalCloudServer(app, state, cloud, new Uri(bound.EndsWith('/') ? bound : bound + "/"), tables) { AdminToken = adminToken };
        }
        catch
        {
            if (app is not null)
            {
                await app.DisposeAsync().ConfigureAwait(false);
            }

            state.Dispose();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0)
        {
            return;
        }

        try
        {
            await app.StopAsync(CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            await app.DisposeAsync().ConfigureAwait(false);
            state.Dispose();
        }
    }
}
