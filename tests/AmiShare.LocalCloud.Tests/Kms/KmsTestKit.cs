using System.Text.Json;
using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using Amazon.Runtime;
using AmiShare.LocalCloud.Auth;
using AmiShare.LocalCloud.Protocol;
using AmiShare.LocalCloud.Seed;
using AmiShare.LocalCloud.Tests.Support;

namespace AmiShare.LocalCloud.Tests.Kms;

/// <summary>Real KMS SDK clients, IAM users with policies, and EC2-side requests for the KMS tests.</summary>
internal static class KmsTestKit
{
    public const string Images = DefaultSeed.ImagesAccountId;
    public const string Prod = DefaultSeed.ProdAccountId;
    public const string Partner = DefaultSeed.PartnerAccountId;
    public const string Region = TestCloud.Region;

    public static AmazonKeyManagementServiceClient Client(LocalCloudServer server, string accountId)
    {
        var account = server.Account(accountId);
        return Client(server, new BasicAWSCredentials(account.RootAccessKeyId, account.RootSecretAccessKey));
    }

    public static AmazonKeyManagementServiceClient Client(LocalCloudServer server, AWSCredentials credentials) =>
        new(credentials, new AmazonKeyManagementServiceConfig
        {
            ServiceURL = server.Endpoint.ToString(),
            AuthenticationRegion = Region,
            MaxErrorRetry = 0,
        });

    /// <summary>Creates an IAM user with an inline policy (none when null) and returns its credentials.</summary>
    public static async Task<BasicAWSCredentials> UserAsync(LocalCloudServer server, string accountId, string userName, string? policy)
    {
        var iam = TestCloud.Iam(server, accountId);
        Assert.Equal(200, (await iam.CallAsync("CreateUser", ("UserName", userName))).Status);
        if (policy is not null)
        {
            var put = await iam.CallAsync("PutUserPolicy", ("UserName", userName), ("PolicyName", "kms"), ("PolicyDocument", policy));
            Assert.True(put.Status == 200, put.Xml.ToString());
        }

        var key = await iam.CallAsync("CreateAccessKey", ("UserName", userName));
        return new BasicAWSCredentials(key.Value("AccessKeyId"), key.Value("SecretAccessKey"));
    }

    public static string Allow(string actions, string resource = "*") =>
        $$"""{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":{{Json(actions)}},"Resource":"{{resource}}"}]}""";

    /// <summary>A key policy: the owner delegates to IAM, plus the given extra statements (JSON objects).</summary>
    public static string KeyPolicy(string owner, params string[] statements)
    {
        var all = new List<string>
        {
            $$"""{"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::{{owner}}:root"},"Action":"kms:*","Resource":"*"}""",
        };
        all.AddRange(statements);
        return $$"""{"Version":"2012-10-17","Statement":[{{string.Join(",", all)}}]}""";
    }

    public static string AllowAccount(string account, string actions, string sid = "AllowAccount") =>
        $$"""{"Sid":"{{sid}}","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::{{account}}:root"},"Action":{{Json(actions)}},"Resource":"*"}""";

    public static async Task<KeyMetadata> CreateKeyAsync(AmazonKeyManagementServiceClient kms, string? policy = null, bool bypass = false)
    {
        var response = await kms.CreateKeyAsync(new CreateKeyRequest { Policy = policy, BypassPolicyLockoutSafetyCheck = bypass, Description = "test key" }, TestCloud.Timeout);
        return response.KeyMetadata;
    }

    public static MemoryStream Bytes(string text) => new(System.Text.Encoding.UTF8.GetBytes(text));

    public static string Text(MemoryStream stream) => System.Text.Encoding.UTF8.GetString(stream.ToArray());

    /// <summary>An EC2-side request of <paramref name="accountId"/>'s root (or an IAM user), as the EC2 service hands to IKmsForEc2.</summary>
    public static OperationRequest Ec2Request(LocalCloudServer server, string accountId, string? userName = null)
    {
        var caller = userName is null
            ? new CallerIdentity(accountId, CallerIdentity.RootArn(accountId), PrincipalKind.AccountRoot, "AKIATEST", accountId)
            : new CallerIdentity(accountId, $"arn:aws:iam::{accountId}:user/{userName}", PrincipalKind.IamUser, "AKIATEST", "AIDATEST" + userName, userName);
        return new OperationRequest
        {
            Caller = caller,
            Region = Region,
            Service = AwsServices.Ec2,
            Operation = "RunInstances",
            Body = JsonDocument.Parse("{}").RootElement.Clone(),
            RequestId = Guid.NewGuid().ToString(),
            Cloud = server.Cloud,
        };
    }

    private static string Json(string commaSeparated) =>
        "[" + string.Join(",", commaSeparated.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(a => $"\"{a}\"")) + "]";
}
