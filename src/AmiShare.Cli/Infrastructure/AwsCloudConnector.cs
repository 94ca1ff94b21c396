using Amazon.Runtime;
using AmiShare.Aws;
using AmiShare.Core.Ports;

namespace AmiShare.Cli.Infrastructure;

/// <summary>
/// The connector the installed tool uses: the AWS SDK adapter, with the options' profiles, roles and endpoint.
/// Explicit credentials stand in for a profile (the demo and the tests pass LocalCloud's account keys).
/// </summary>
public sealed class AwsCloudConnector(AwsAdapterSettings? adapter = null, AWSCredentials? sourceCredentials = null, AWSCredentials? targetCredentials = null) : ICloudConnector
{
    private readonly AwsCloudAccountFactory factory = new(adapter);
    private readonly List<AwsCloudAccount> accounts = [];

    public IReadOnlyDictionary<string, long> CallCounts => factory.Counter.Snapshot();

    public async Task<SourceConnection> ConnectSourceAsync(ConnectionSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var account = await factory.CreateSourceAsync(SourceOptions(settings), cancellationToken).ConfigureAwait(false);
        accounts.Add(account);
        return new SourceConnection(account, settings.Region ?? account.HomeRegion);
    }

    public async Task<ICloudAccount?> ConnectTargetAsync(ConnectionSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (!settings.HasTarget && targetCredentials is null)
        {
            return null;
        }

        var target = new AwsConnectionOptions { Profile = settings.TargetProfile, RoleArn = settings.TargetRoleArn, Credentials = targetCredentials, Region = settings.Region };
        var account = await factory.CreateTargetAsync(target, SourceOptions(settings), cancellationToken).ConfigureAwait(false);
        accounts.Add(account);
        return account;
    }

    public async Task<ICloudAccount> ConnectAsync(CloudConnection connection, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var options = new AwsConnectionOptions
        {
            Profile = connection.Profile,
            Region = connection.Region,
            EndpointUrl = Endpoint(connection.EndpointUrl),
            RoleArn = connection.RoleArn,
            Credentials = sourceCredentials,
        };
        var account = await factory.CreateSourceAsync(options, cancellationToken).ConfigureAwait(false);
        accounts.Add(account);
        return account;
    }

    public void Dispose()
    {
        foreach (var account in accounts)
        {
            account.Dispose();
        }

        accounts.Clear();
    }

    private AwsConnectionOptions SourceOptions(ConnectionSettings settings) => new()
    {
        Profile = settings.Profile,
        Region = settings.Region,
        EndpointUrl = Endpoint(settings.EndpointUrl),
        RoleArn = settings.RoleArn,
        Credentials = sourceCredentials,
    };

    private static Uri? Endpoint(string? text) =>
        text is null ? null
        : Uri.TryCreate(text, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps) ? uri
        : throw new CliException($"--endpoint-url '{text}' is not an http(s) URL; pass something like http://127.0.0.1:4566.");
}
