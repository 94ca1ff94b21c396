using System.Collections.Concurrent;
using Amazon.EC2;
using Amazon.KeyManagementService;
using Amazon.Runtime;
using Amazon.SecurityToken;
using Amazon.SecurityToken.Model;
using AmiShare.Core.Model;
using AmiShare.Core.Ports;

namespace AmiShare.Aws;

/// <summary>
/// <see cref="ICloudAccount"/> over the AWS SDK for .NET, for one set of credentials. Clients are made lazily, one
/// per (service, region), and disposed with the account. Every call goes through <see cref="AwsCallRunner"/>:
/// counted, retried when throttled, and mapped to <see cref="CloudOperationException"/>. Build it with
/// <see cref="AwsCloudAccountFactory"/>.
/// </summary>
public sealed partial class AwsCloudAccount : ICloudAccount, IAsyncDisposable, IDisposable
{
    private readonly AWSCredentials credentials;
    private readonly Uri? endpointOverride;
    private readonly AwsAdapterSettings settings;
    private readonly AwsCallRunner runner;
    private readonly IDisposable? ownedCredentials;
    private readonly ConcurrentDictionary<string, Lazy<(AmazonEC2Client Client, string Endpoint)>> ec2 = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Lazy<(AmazonKeyManagementServiceClient Client, string Endpoint)>> kms = new(StringComparer.Ordinal);
    private readonly Lazy<(AmazonSecurityTokenServiceClient Client, string Endpoint)> sts;
    private readonly Lazy<IamQueryClient> iam;
    private readonly Lock identityLock = new();
    private Task<CallerIdentity>? identity;
    private int disposed;

    internal AwsCloudAccount(AWSCredentials credentials, string homeRegion, Uri? endpointOverride, AwsAdapterSettings settings, IDisposable? ownedCredentials)
    {
        this.credentials = credentials;
        HomeRegion = homeRegion;
        this.endpointOverride = endpointOverride;
        this.settings = settings;
        runner = new AwsCallRunner(settings);
        this.ownedCredentials = ownedCredentials;
        sts = new(() =>
        {
            var config = new AmazonSecurityTokenServiceConfig();
            var endpoint = Configure(config, AwsEndpoints.Sts, homeRegion);
            return (new AmazonSecurityTokenServiceClient(credentials, config), endpoint);
        });
        iam = new(() =>
        {
            var (endpoint, signingRegion) = AwsEndpoints.IamEndpoint(endpointOverride, homeRegion);
            return new IamQueryClient(endpoint, signingRegion, credentials, settings.TimeProvider, WrappedHttpClientFactory.Transport(settings.HttpHandler));
        });
    }

    /// <summary>The region for STS and calls not tied to a region.</summary>
    public string HomeRegion { get; }

    /// <summary>The counter every call of this account records into (shared with the factory's other accounts).</summary>
    public ApiCallCounter Counter => settings.Counter;

    /// <summary>The credentials the account signs with (assumed-role credentials when a role was assumed).</summary>
    public AWSCredentials Credentials => credentials;

    public async Task<CallerIdentity> GetCallerIdentityAsync(CancellationToken cancellationToken)
    {
        Task<CallerIdentity> task;
        lock (identityLock)
        {
            // A failed lookup is not cached: the next call asks again.
            if (identity is null || identity.IsFaulted || identity.IsCanceled)
            {
                identity = FetchIdentityAsync(cancellationToken);
            }

            task = identity;
        }

        return await task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<CallerIdentity> FetchIdentityAsync(CancellationToken cancellationToken)
    {
        var (client, endpoint) = sts.Value;
        var response = await runner.RunAsync(
            new AwsCall("sts", "GetCallerIdentity", null, endpoint, null),
            ct => client.GetCallerIdentityAsync(new GetCallerIdentityRequest(), ct),
            cancellationToken).ConfigureAwait(false);
        return new CallerIdentity(response.Account, response.Arn, Arns.PartitionOf(response.Arn));
    }

    /// <summary>The caller's account if already known; never calls STS (error fixes use it when they can).</summary>
    private string? KnownAccount => identity is { IsCompletedSuccessfully: true } known ? known.Result.Account : null;

    private string Configure(ClientConfig config, string serviceEnvId, string region)
    {
        // Retries are ours (AwsCallRunner): counted, jittered on the injected clock, and mapped when they run out.
        config.MaxErrorRetry = 0;
        if (settings.HttpHandler is { } wrap)
        {
            config.HttpClientFactory = new WrappedHttpClientFactory(wrap);
        }

        return AwsEndpoints.Apply(config, serviceEnvId, endpointOverride, region);
    }

    private (AmazonEC2Client Client, string Endpoint) Ec2(string region)
    {
        ObjectDisposedException.ThrowIf(disposed != 0, this);
        return ec2.GetOrAdd(region, r => new(() =>
        {
            var config = new AmazonEC2Config();
            var endpoint = Configure(config, AwsEndpoints.Ec2, r);
            return (new AmazonEC2Client(credentials, config), endpoint);
        })).Value;
    }

    private (AmazonKeyManagementServiceClient Client, string Endpoint) Kms(string region)
    {
        ObjectDisposedException.ThrowIf(disposed != 0, this);
        return kms.GetOrAdd(region, r => new(() =>
        {
            var config = new AmazonKeyManagementServiceConfig();
            var endpoint = Configure(config, AwsEndpoints.Kms, r);
            return (new AmazonKeyManagementServiceClient(credentials, config), endpoint);
        })).Value;
    }

    private Task<T> Ec2Async<T>(string region, string operation, string? resource, Func<AmazonEC2Client, CancellationToken, Task<T>> send, CancellationToken cancellationToken)
    {
        var (client, endpoint) = Ec2(region);
        return runner.RunAsync(new AwsCall("ec2", operation, resource, endpoint, KnownAccount), ct => send(client, ct), cancellationToken);
    }

    private Task<T> KmsAsync<T>(string region, string operation, string? resource, Func<AmazonKeyManagementServiceClient, CancellationToken, Task<T>> send, CancellationToken cancellationToken)
    {
        var (client, endpoint) = Kms(region);
        return runner.RunAsync(new AwsCall("kms", operation, resource, endpoint, KnownAccount), ct => send(client, ct), cancellationToken);
    }

    private Task<System.Xml.Linq.XElement> IamAsync(string operation, string? resource, IEnumerable<KeyValuePair<string, string>> parameters, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(disposed != 0, this);
        var client = iam.Value;
        return runner.RunAsync(new AwsCall("iam", operation, resource, client.Endpoint.ToString(), KnownAccount), ct => client.CallAsync(operation, parameters, ct), cancellationToken);
    }

    /// <summary>A narrow IAM query call with this account's credentials (role setup in tests, future IAM reads).</summary>
    internal Task<System.Xml.Linq.XElement> CallIamAsync(string operation, IEnumerable<KeyValuePair<string, string>> parameters, CancellationToken cancellationToken) =>
        IamAsync(operation, null, parameters, cancellationToken);

    /// <summary>Size to ask of a paginated API, within its bounds.</summary>
    private int? Page(int minimum, int maximum) => settings.PageSize is { } size ? Math.Clamp(size, minimum, maximum) : null;

    public void Dispose()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0)
        {
            return;
        }

        foreach (var client in ec2.Values.Where(l => l.IsValueCreated))
        {
            client.Value.Client.Dispose();
        }

        foreach (var client in kms.Values.Where(l => l.IsValueCreated))
        {
            client.Value.Client.Dispose();
        }

        if (sts.IsValueCreated)
        {
            sts.Value.Client.Dispose();
        }

        if (iam.IsValueCreated)
        {
            iam.Value.Dispose();
        }

        DisposeAuditClients();
        DisposeParameterStoreClients();

        ownedCredentials?.Dispose();
    }

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }
}
