using System.Text;
using System.Text.Json.Nodes;
using Amazon.Runtime;
using AmiShare.LocalCloud.Tests.Support;

namespace AmiShare.LocalCloud.Tests.CloudTrail;

/// <summary>A JSON 1.1 response: status, parsed body and the raw text.</summary>
internal sealed record JsonResponse(int Status, JsonObject Body, string Raw)
{
    public string? ErrorType => Body["__type"]?.GetValue<string>();
}

/// <summary>
/// A narrow JSON 1.1 client (there is no AWSSDK.CloudTrail package here): requests are signed by AWSSDK.Core's
/// own SigV4 signer, as the SDK would sign them, and sent with <c>X-Amz-Target: PREFIX.Operation</c>.
/// </summary>
internal sealed class SignedJsonClient(
    Uri endpoint,
    string service,
    string region,
    string targetPrefix,
    string accessKeyId,
    string secretAccessKey,
    string? sessionToken = null)
{
    public const string CloudTrailTarget = "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101";

    public static SignedJsonClient CloudTrail(LocalCloudServer server, string accountId, string region = TestCloud.Region)
    {
        var account = server.Account(accountId);
        return new SignedJsonClient(server.Endpoint, "cloudtrail", region, CloudTrailTarget, account.RootAccessKeyId, account.RootSecretAccessKey);
    }

    public static SignedJsonClient CloudTrail(LocalCloudServer server, AWSCredentials credentials)
    {
        var immutable = credentials.GetCredentials();
        return new SignedJsonClient(server.Endpoint, "cloudtrail", TestCloud.Region, CloudTrailTarget, immutable.AccessKey, immutable.SecretKey, immutable.UseToken ? immutable.Token : null);
    }

    public async Task<JsonResponse> CallAsync(string operation, JsonObject? input = null)
    {
        var body = Encoding.UTF8.GetBytes((input ?? []).ToJsonString());
        var (status, raw) = await SignedPost.SendAsync(
            new SigningScope(endpoint, service, region, accessKeyId, secretAccessKey, sessionToken),
            body,
            "application/x-amz-json-1.1",
            new Dictionary<string, string> { ["X-Amz-Target"] = $"{targetPrefix}.{operation}" },
            TestCloud.Timeout);
        return new JsonResponse(status, JsonNode.Parse(raw.Length == 0 ? "{}" : raw) as JsonObject ?? [], raw);
    }

    /// <summary>LookupEvents with the members given (null ones left out).</summary>
    public Task<JsonResponse> LookupAsync(
        string? attributeKey = null,
        string? attributeValue = null,
        DateTimeOffset? startTime = null,
        DateTimeOffset? endTime = null,
        int? maxResults = null,
        string? nextToken = null)
    {
        var input = new JsonObject();
        if (attributeKey is not null)
        {
            input["LookupAttributes"] = new JsonArray(new JsonObject { ["AttributeKey"] = attributeKey, ["AttributeValue"] = attributeValue });
        }

        if (startTime is { } start)
        {
            input["StartTime"] = start.ToUnixTimeSeconds();
        }

        if (endTime is { } end)
        {
            input["EndTime"] = end.ToUnixTimeSeconds();
        }

        if (maxResults is { } max)
        {
            input["MaxResults"] = max;
        }

        if (nextToken is not null)
        {
            input["NextToken"] = nextToken;
        }

        return CallAsync("LookupEvents", input);
    }

}

/// <summary>Reading LookupEvents results in tests.</summary>
internal static class LookupResults
{
    public static JsonObject[] Events(this JsonResponse response)
    {
        Assert.True(response.Status == 200, response.Raw);
        return [.. response.Body["Events"]!.AsArray().Select(e => e!.AsObject())];
    }

    public static string[] Names(this JsonResponse response) => [.. response.Events().Select(e => e["EventName"]!.GetValue<string>())];

    public static JsonObject Record(this JsonObject lookupEvent) =>
        JsonNode.Parse(lookupEvent["CloudTrailEvent"]!.GetValue<string>())!.AsObject();

    public static string? Text(this JsonNode? node, string path)
    {
        foreach (var part in path.Split('.'))
        {
            node = node?[part];
        }

        return node?.ToString();
    }
}
