using Amazon.Runtime;
using Amazon.SimpleSystemsManagement;
using AmiShare.LocalCloud.Tests.Support;

namespace AmiShare.LocalCloud.Tests.Ssm;

/// <summary>Real SSM SDK clients aimed at a LocalCloud.</summary>
internal static class SsmTestKit
{
    public static AmazonSimpleSystemsManagementClient Client(LocalCloudServer server, string accountId, string region = TestCloud.Region)
    {
        var account = server.Account(accountId);
        return Client(server, new BasicAWSCredentials(account.RootAccessKeyId, account.RootSecretAccessKey), region);
    }

    public static AmazonSimpleSystemsManagementClient Client(LocalCloudServer server, AWSCredentials credentials, string region = TestCloud.Region) =>
        new(credentials, new AmazonSimpleSystemsManagementConfig { ServiceURL = server.Endpoint.ToString(), AuthenticationRegion = region, MaxErrorRetry = 0 });
}
