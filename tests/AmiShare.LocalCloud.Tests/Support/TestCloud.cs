using Amazon.Runtime;
using Amazon.SecurityToken;
using Microsoft.Extensions.Time.Testing;

namespace AmiShare.LocalCloud.Tests.Support;

/// <summary>Starts in-process servers on ephemeral ports and builds real SDK clients aimed at them.</summary>
internal static class TestCloud
{
    public const string Region = "us-east-1";

    /// <summary>Bounds every network call so a hung test fails instead of stalling the run.</summary>
    public static CancellationToken Timeout => new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token;

    /// <summary>The fake clock starts at real now because the SDK signs with the real clock.</summary>
    public static FakeTimeProvider Clock() => new(DateTimeOffset.UtcNow);

    public static Task<LocalCloudServer> StartAsync(FakeTimeProvider? clock = null, string? dataFile = null) =>
        StartAsync(new LocalCloudOptions { TimeProvider = clock ?? Clock(), DataFilePath = dataFile });

    public static Task<LocalCloudServer> StartAsync(LocalCloudOptions options) => LocalCloudServer.StartAsync(options, Timeout);

    public static AmazonSecurityTokenServiceClient Sts(LocalCloudServer server, AWSCredentials credentials) =>
        new(credentials, new AmazonSecurityTokenServiceConfig
        {
            ServiceURL = server.Endpoint.ToString(),
            AuthenticationRegion = Region,
            MaxErrorRetry = 0,
        });

    public static AmazonSecurityTokenServiceClient Sts(LocalCloudServer server, string accountId)
    {
        var account = server.Account(accountId);
        return Sts(server, new BasicAWSCredentials(account.RootAccessKeyId, account.RootSecretAccessKey));
    }

    public static SignedQueryClient Iam(LocalCloudServer server, string accountId)
    {
        var account = server.Account(accountId);
        return new SignedQueryClient(server.Endpoint, "iam", Region, "2010-05-08", account.RootAccessKeyId, account.RootSecretAccessKey);
    }

    public static SignedQueryClient Iam(LocalCloudServer server, string accessKeyId, string secretAccessKey, string? sessionToken = null) =>
        new(server.Endpoint, "iam", Region, "2010-05-08", accessKeyId, secretAccessKey, sessionToken);

    public static SignedQueryClient Query(LocalCloudServer server, string service, string version, string accountId)
    {
        var account = server.Account(accountId);
        return new SignedQueryClient(server.Endpoint, service, Region, version, account.RootAccessKeyId, account.RootSecretAccessKey);
    }
}
