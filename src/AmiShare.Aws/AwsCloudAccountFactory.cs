using Amazon;
using Amazon.Runtime;
using Amazon.Runtime.CredentialManagement;
using Amazon.Runtime.Credentials;
using Amazon.SecurityToken;
using AmiShare.Core.Ports;

namespace AmiShare.Aws;

/// <summary>
/// Builds <see cref="AwsCloudAccount"/>s for the two sides of a share. Every account it builds shares its
/// <see cref="AwsAdapterSettings"/>: one clock, one jitter source, one <see cref="Counter"/>.
/// </summary>
/// <remarks>
/// Credentials: explicit <see cref="AwsConnectionOptions.Credentials"/>, else the named profile, else the
/// standard chain (AWS_ACCESS_KEY_ID…, AWS_PROFILE, shared files, SSO, web identity, container, instance).
/// With a role ARN the role is assumed with those credentials through the adapter's own STS client (so it
/// honours the endpoint, is counted and retried) and refreshed before expiry. The target side follows the
/// cross-account-role practice: <c>--target-role-arn</c> alone is assumed with the <em>source</em> credentials;
/// with <c>--target-profile</c> the target's own credentials are used (and assume the role when both are given).
/// </remarks>
public sealed class AwsCloudAccountFactory(AwsAdapterSettings? settings = null)
{
    private readonly AwsAdapterSettings settings = settings ?? new AwsAdapterSettings();

    public ApiCallCounter Counter => settings.Counter;

    public AwsAdapterSettings Settings => settings;

    /// <summary>The source side (<c>--profile</c>, <c>--region</c>, <c>--endpoint-url</c>, <c>--role-arn</c>).</summary>
    public async Task<AwsCloudAccount> CreateSourceAsync(AwsConnectionOptions source, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        var region = ResolveRegion(source);
        var baseCredentials = await ResolveCredentialsAsync(source, region, cancellationToken).ConfigureAwait(false);
        var effective = await AssumeIfAskedAsync(source, region, baseCredentials, cancellationToken).ConfigureAwait(false);
        return new AwsCloudAccount(effective, region, source.EndpointUrl, settings, effective as IDisposable);
    }

    /// <summary>
    /// The target side (<c>--target-profile</c>, <c>--target-role-arn</c>); region and endpoint default to the
    /// source's. Without a target profile the target role is assumed with the source's credentials (after the
    /// source's own role, when it has one).
    /// </summary>
    public async Task<AwsCloudAccount> CreateTargetAsync(AwsConnectionOptions target, AwsConnectionOptions source, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(source);
        var merged = target with
        {
            Region = target.Region ?? source.Region,
            EndpointUrl = target.EndpointUrl ?? source.EndpointUrl,
        };
        var ownCredentials = target.Credentials is not null || !string.IsNullOrEmpty(target.Profile);
        if (!ownCredentials && string.IsNullOrEmpty(target.RoleArn))
        {
            throw new CloudOperationException(
                CloudErrorKind.Credentials,
                "ResolveCredentials",
                "NoTargetCredentials",
                "The target side has neither a profile nor a role to assume.",
                "Pass --target-profile (credentials of the target account) or --target-role-arn (a role in the target account that the source credentials may assume).");
        }

        var region = ResolveRegion(merged);
        if (ownCredentials)
        {
            var credentials = await ResolveCredentialsAsync(merged, region, cancellationToken).ConfigureAwait(false);
            var effective = await AssumeIfAskedAsync(merged, region, credentials, cancellationToken).ConfigureAwait(false);
            return new AwsCloudAccount(effective, region, merged.EndpointUrl, settings, effective as IDisposable);
        }

        // The cross-account-role practice: the source's effective credentials assume the role in the target account.
        var sourceRegion = ResolveRegion(source);
        var sourceBase = await ResolveCredentialsAsync(source, sourceRegion, cancellationToken).ConfigureAwait(false);
        var sourceEffective = await AssumeIfAskedAsync(source, sourceRegion, sourceBase, cancellationToken).ConfigureAwait(false);
        try
        {
            var targetCredentials = await AssumeIfAskedAsync(merged, region, sourceEffective, cancellationToken).ConfigureAwait(false);
            return new AwsCloudAccount(targetCredentials, region, merged.EndpointUrl, settings, new Owned(targetCredentials, sourceEffective));
        }
        catch
        {
            (sourceEffective as IDisposable)?.Dispose();
            throw;
        }
    }

    /// <summary>Disposes the credentials an account depends on (a role chain holds two STS clients).</summary>
    private sealed class Owned(params AWSCredentials[] credentials) : IDisposable
    {
        public void Dispose()
        {
            foreach (var c in credentials.OfType<IDisposable>())
            {
                c.Dispose();
            }
        }
    }

    /// <summary>The credentials themselves, or, with a role ARN, that role assumed with them (assumed at once).</summary>
    private async Task<AWSCredentials> AssumeIfAskedAsync(AwsConnectionOptions options, string region, AWSCredentials credentials, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(options.RoleArn))
        {
            return credentials;
        }

        var config = new AmazonSecurityTokenServiceConfig { MaxErrorRetry = 0 };
        if (settings.HttpHandler is { } wrap)
        {
            config.HttpClientFactory = new WrappedHttpClientFactory(wrap);
        }

        var endpoint = AwsEndpoints.Apply(config, AwsEndpoints.Sts, options.EndpointUrl, region);
        var roleCredentials = new AssumedRoleCredentials(new AmazonSecurityTokenServiceClient(credentials, config), new AwsCallRunner(settings), options, endpoint, null, settings.TimeProvider);
        try
        {
            // Assume now: a role that cannot be assumed fails here, once, with its fix, not on the first call.
            await roleCredentials.GetCredentialsAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
            return roleCredentials;
        }
        catch
        {
            roleCredentials.Dispose();
            throw;
        }
    }

    /// <summary>--region, else the profile's region, else AWS_REGION / AWS_DEFAULT_REGION / the default profile.</summary>
    private static string ResolveRegion(AwsConnectionOptions options)
    {
        if (!string.IsNullOrWhiteSpace(options.Region))
        {
            return options.Region;
        }

        if (ProfileName(options) is { } name)
        {
            if (ConfigFileRegion(name) is { } configured)
            {
                return configured;
            }

            if (ProfileStore().TryGetProfile(name, out var profile) && profile.Region is { } profileRegion)
            {
                return profileRegion.SystemName;
            }
        }

        foreach (var variable in new[] { "AWS_REGION", "AWS_DEFAULT_REGION" })
        {
            if (Environment.GetEnvironmentVariable(variable) is { Length: > 0 } fromEnvironment)
            {
                return fromEnvironment;
            }
        }

        try
        {
            if (FallbackRegionFactory.GetRegionEndpoint() is { } fallback)
            {
                return fallback.SystemName;
            }
        }
        catch (AmazonClientException)
        {
            // No region anywhere in the chain: reported below with its fix.
        }

        throw new CloudOperationException(CloudErrorKind.InvalidRequest, "ResolveRegion", "NoRegion", "No AWS region was given or configured.", "Pass --region (e.g. --region us-east-1), set AWS_REGION, or set region in the profile of ~/.aws/config.");
    }

    /// <summary>--profile, else AWS_PROFILE; null leaves the choice to the default chain.</summary>
    private static string? ProfileName(AwsConnectionOptions options) =>
        !string.IsNullOrEmpty(options.Profile) ? options.Profile
        : Environment.GetEnvironmentVariable("AWS_PROFILE") is { Length: > 0 } fromEnvironment ? fromEnvironment
        : null;

    /// <summary>
    /// The shared files as the environment names them now. The SDK settles its default file paths once per process,
    /// so a later AWS_SHARED_CREDENTIALS_FILE would be missed without passing the path explicitly.
    /// </summary>
    private static CredentialProfileStoreChain ProfileStore() =>
        Environment.GetEnvironmentVariable("AWS_SHARED_CREDENTIALS_FILE") is { Length: > 0 } path ? new CredentialProfileStoreChain(path) : new CredentialProfileStoreChain();

    /// <summary>
    /// <c>region</c> of the profile in the file AWS_CONFIG_FILE names now (the SDK settles that path once per
    /// process, like the credentials file's).
    /// </summary>
    private static string? ConfigFileRegion(string profile)
    {
        var path = Environment.GetEnvironmentVariable("AWS_CONFIG_FILE");
        if (string.IsNullOrEmpty(path) || !File.Exists(path))
        {
            return null;
        }

        var wanted = profile == "default" ? "default" : "profile " + profile;
        string? section = null;
        foreach (var raw in File.ReadLines(path))
        {
            var line = raw.Trim();
            if (line.StartsWith('[') && line.EndsWith(']'))
            {
                section = line[1..^1].Trim();
            }
            else if (section == wanted && line.IndexOf('=', StringComparison.Ordinal) is > 0 and var eq && line[..eq].Trim() == "region")
            {
                return line[(eq + 1)..].Trim();
            }
        }

        return null;
    }

    private static async Task<AWSCredentials> ResolveCredentialsAsync(AwsConnectionOptions options, string region, CancellationToken cancellationToken)
    {
        if (options.Credentials is not null)
        {
            return options.Credentials;
        }

        var call = new AwsCall("sts", "ResolveCredentials", options.Profile, "local credential chain", null);
        if (ProfileName(options) is { } name)
        {
            if (ProfileStore().TryGetAWSCredentials(name, out var fromProfile))
            {
                return fromProfile;
            }

            throw new CloudOperationException(
                CloudErrorKind.Credentials,
                call.Operation,
                "ProfileNotFound",
                $"The profile '{name}' has no usable credentials in the shared config or credentials file.",
                $"Check that [profile {name}] (~/.aws/config) or [{name}] (~/.aws/credentials) exists and has credentials (AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE move those files), or pass another --profile; set AWS_PROFILE to choose one by default.");
        }

        try
        {
            var config = new AmazonSecurityTokenServiceConfig { RegionEndpoint = RegionEndpoint.GetBySystemName(region) };
            return await DefaultAWSCredentialsIdentityResolver.GetCredentialsAsync(config).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (AmazonClientException e)
        {
            throw AwsErrors.NoCredentials(call, e);
        }
    }
}
