using System.Text.Json.Nodes;
using AmiShare.LocalCloud.Seed;
using AmiShare.LocalCloud.Tests.CloudTrail;
using AmiShare.LocalCloud.Tests.Support;

namespace AmiShare.LocalCloud.Tests.Organizations;

/// <summary>Organizations clients: there is no AWSSDK package for it here, so a SigV4-signed JSON 1.1 client (AWSSDK.Core's signer).</summary>
internal static class OrganizationsTestKit
{
    public const string Target = "AWSOrganizationsV20161128";

    public static SignedJsonClient Client(LocalCloudServer server, string accountId)
    {
        var account = server.Account(accountId);

        // Organizations is global: clients sign for us-east-1 whatever their region.
        return new SignedJsonClient(server.Endpoint, "organizations", "us-east-1", Target, account.RootAccessKeyId, account.RootSecretAccessKey);
    }

    public static SignedJsonClient Client(LocalCloudServer server, string accessKeyId, string secret) =>
        new(server.Endpoint, "organizations", "us-east-1", Target, accessKeyId, secret);

    public static async Task<JsonResponse> OkAsync(SignedJsonClient client, string operation, JsonObject? input = null)
    {
        var response = await client.CallAsync(operation, input);
        Assert.True(response.Status == 200, $"{operation}: {response.Status} {response.Raw}");
        return response;
    }

    /// <summary>Creates a policy and returns its id.</summary>
    public static async Task<string> CreatePolicyAsync(SignedJsonClient client, string name, string content, string type = "SERVICE_CONTROL_POLICY")
    {
        var created = await OkAsync(client, "CreatePolicy", new JsonObject { ["Name"] = name, ["Content"] = content, ["Type"] = type, ["Description"] = "test" });
        return created.Body["Policy"]!["PolicySummary"]!["Id"]!.GetValue<string>();
    }

    public static JsonObject Attachment(string policyId, string targetId) => new() { ["PolicyId"] = policyId, ["TargetId"] = targetId };

    public static SeedDocument SeedWithDelegatedAdministrator(string accountId)
    {
        var seed = DefaultSeed.Create();
        return seed with { Organization = seed.Organization! with { DelegatedAdministrators = [accountId] } };
    }
}
