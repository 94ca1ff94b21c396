using Amazon.Runtime;

namespace AmiShare.Aws;

/// <summary>
/// The few IAM writes that set up a target's launching role (the demo, end-to-end tests): AmiShare itself never
/// changes IAM, it prints the policy for the target to attach. Calls go through the account's IAM client, so they
/// are signed, retried, counted and error-mapped like every other call.
/// </summary>
public sealed class IamAdministration : IDisposable
{
    private readonly AwsCloudAccount account;

    private IamAdministration(AwsCloudAccount account) => this.account = account;

    /// <summary>An IAM client for <paramref name="credentials"/> at <paramref name="endpoint"/> (LocalCloud).</summary>
    public static async Task<IamAdministration> CreateAsync(Uri endpoint, string region, AWSCredentials credentials, TimeProvider time, CancellationToken cancellationToken)
    {
        var settings = new AwsAdapterSettings { TimeProvider = time };
        var factory = new AwsCloudAccountFactory(settings);
        var options = new AwsConnectionOptions { Credentials = credentials, Region = region, EndpointUrl = endpoint };
        var account = await factory.CreateSourceAsync(options, cancellationToken).ConfigureAwait(false);
        return new IamAdministration(account);
    }

    public Task CreateRoleAsync(string roleName, string trustPolicy, CancellationToken cancellationToken) =>
        account.CallIamAsync("CreateRole", [new("RoleName", roleName), new("AssumeRolePolicyDocument", trustPolicy)], cancellationToken);

    public Task PutRolePolicyAsync(string roleName, string policyName, string document, CancellationToken cancellationToken) =>
        account.CallIamAsync("PutRolePolicy", [new("RoleName", roleName), new("PolicyName", policyName), new("PolicyDocument", document)], cancellationToken);

    public void Dispose() => account.Dispose();
}
