using Amazon.Runtime;
using Amazon.SecurityToken;
using Amazon.SecurityToken.Model;

namespace AmiShare.Aws;

/// <summary>
/// Credentials of an assumed role, refreshed before they expire. The SDK's own AssumeRoleAWSCredentials builds
/// its STS client from the environment alone; this one uses the adapter's STS client, so the call honours
/// <c>--endpoint-url</c>, is counted, retried on throttling and mapped like every other call.
/// </summary>
internal sealed class AssumedRoleCredentials : RefreshingAWSCredentials
{
    private readonly AmazonSecurityTokenServiceClient sts;
    private readonly AwsCallRunner runner;
    private readonly AwsConnectionOptions options;
    private readonly string endpoint;
    private readonly string? callerAccount;
    private readonly TimeProvider time;

    public AssumedRoleCredentials(AmazonSecurityTokenServiceClient sts, AwsCallRunner runner, AwsConnectionOptions options, string endpoint, string? callerAccount, TimeProvider time)
    {
        ArgumentException.ThrowIfNullOrEmpty(options.RoleArn);
        this.sts = sts;
        this.runner = runner;
        this.options = options;
        this.endpoint = endpoint;
        this.callerAccount = callerAccount;
        this.time = time;

        // Refresh five minutes early so a long share never signs with credentials about to lapse.
        PreemptExpiryTime = TimeSpan.FromMinutes(5);
    }

    public string RoleArn => options.RoleArn!;

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            sts.Dispose();
        }

        base.Dispose(disposing);
    }

    /// <summary>The SDK's pipeline is asynchronous; a synchronous refresh would block a thread on network I/O.</summary>
    protected override CredentialsRefreshState GenerateNewCredentials() =>
        throw new NotSupportedException("Assumed-role credentials are refreshed asynchronously only; call GetCredentialsAsync.");

    protected override async Task<CredentialsRefreshState> GenerateNewCredentialsAsync()
    {
        var call = new AwsCall("sts", "AssumeRole", RoleArn, endpoint, callerAccount);
        var response = await runner.RunAsync(call, ct => sts.AssumeRoleAsync(new AssumeRoleRequest
        {
            RoleArn = RoleArn,
            RoleSessionName = options.SessionName,
            ExternalId = options.ExternalId,
        }, ct), CancellationToken.None).ConfigureAwait(false);
        var c = response.Credentials;
        return new CredentialsRefreshState(
            new ImmutableCredentials(c.AccessKeyId, c.SecretAccessKey, c.SessionToken),
            c.Expiration?.ToUniversalTime() ?? time.GetUtcNow().UtcDateTime.AddMinutes(15));
    }
}
