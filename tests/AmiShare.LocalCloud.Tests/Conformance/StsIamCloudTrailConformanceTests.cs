using System.Text.Json;
using AmiShare.LocalCloud.Seed;
using AmiShare.LocalCloud.Tests.CloudTrail;
using AmiShare.LocalCloud.Tests.Support;

namespace AmiShare.LocalCloud.Tests.Conformance;

/// <summary>
/// STS and IAM (query protocol) and CloudTrail (JSON 1.1) answer only what botocore's models define: every emitted
/// element or member exists in the operation's output shape, and every implemented operation exists in the model.
/// </summary>
public sealed class StsIamCloudTrailConformanceTests
{
    private const string Images = DefaultSeed.ImagesAccountId;
    private const string AllowAll = """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}""";

    [BotocoreModelFact("sts", "2011-06-15")]
    public async Task Sts_EveryImplementedOperation_ResponseMembersExistInBotocoreOutputShape()
    {
        using var model = BotocoreModel.Load("sts", "2011-06-15");
        await using var server = await TestCloud.StartAsync();
        await StsTests.CreateRoleAsync(server, Images, "Conformance", StsTests.TrustAccount(Images));
        var sts = TestCloud.Query(server, "sts", "2011-06-15", Images);
        var encoded = await EncodedDenialAsync(server);
        var calls = new List<(string Operation, QueryResponse Response)>
        {
            ("GetCallerIdentity", await sts.CallAsync("GetCallerIdentity")),
            ("AssumeRole", await sts.CallAsync("AssumeRole", ("RoleArn", $"arn:aws:iam::{Images}:role/Conformance"), ("RoleSessionName", "conformance"))),
            ("GetAccessKeyInfo", await sts.CallAsync("GetAccessKeyInfo", ("AccessKeyId", server.Account(Images).RootAccessKeyId))),
            ("GetSessionToken", await sts.CallAsync("GetSessionToken", ("DurationSeconds", "900"))),
            ("GetFederationToken", await sts.CallAsync("GetFederationToken", ("Name", "conformance"), ("Policy", AllowAll))),
            ("DecodeAuthorizationMessage", await sts.CallAsync("DecodeAuthorizationMessage", ("EncodedMessage", encoded))),
        };

        AssertQueryConformance(model.RootElement, OperationsOf(server, "sts"), calls);
    }

    [BotocoreModelFact("iam", "2010-05-08")]
    public async Task Iam_EveryImplementedOperation_ResponseMembersExistInBotocoreOutputShape()
    {
        using var model = BotocoreModel.Load("iam", "2010-05-08");
        await using var server = await TestCloud.StartAsync();
        var iam = TestCloud.Iam(server, Images);
        var calls = new List<(string Operation, QueryResponse Response)>();

        async Task<QueryResponse> Call(string operation, params (string, string)[] parameters)
        {
            var response = await iam.CallAsync(operation, parameters);
            calls.Add((operation, response));
            return response;
        }

        await Call("CreateUser", ("UserName", "builder"), ("Path", "/team/"), ("Tags.member.1.Key", "cost"), ("Tags.member.1.Value", "42"));
        await Call("GetUser", ("UserName", "builder"));
        await Call("CreateAccessKey", ("UserName", "builder"));
        await Call("PutUserPolicy", ("UserName", "builder"), ("PolicyName", "inline"), ("PolicyDocument", AllowAll));
        await Call("GetUserPolicy", ("UserName", "builder"), ("PolicyName", "inline"));
        var policyArn = (await Call("CreatePolicy", ("PolicyName", "Managed"), ("PolicyDocument", AllowAll), ("Description", "conformance"))).Value("Arn")!;
        await Call("AttachUserPolicy", ("UserName", "builder"), ("PolicyArn", policyArn));
        await Call("ListUserPolicies", ("UserName", "builder"));
        await Call("ListAttachedUserPolicies", ("UserName", "builder"));
        await Call("GetPolicy", ("PolicyArn", policyArn));
        await Call("GetPolicyVersion", ("PolicyArn", policyArn), ("VersionId", "v1"));
        await Call("CreateRole", ("RoleName", "Sharer"), ("AssumeRolePolicyDocument", StsTests.TrustAccount(Images)), ("Description", "conformance"));
        await Call("GetRole", ("RoleName", "Sharer"));
        await Call("PutRolePolicy", ("RoleName", "Sharer"), ("PolicyName", "inline"), ("PolicyDocument", AllowAll));
        await Call("GetRolePolicy", ("RoleName", "Sharer"), ("PolicyName", "inline"));
        await Call("ListRolePolicies", ("RoleName", "Sharer"));
        await Call("AttachRolePolicy", ("RoleName", "Sharer"), ("PolicyArn", policyArn));
        await Call("ListAttachedRolePolicies", ("RoleName", "Sharer"));
        await Call("CreateServiceLinkedRole", ("AWSServiceName", "autoscaling.amazonaws.com"));
        await Call("TagUser", ("UserName", "builder"), ("Tags.member.1.Key", "team"), ("Tags.member.1.Value", "platform"));
        await Call("ListUserTags", ("UserName", "builder"));
        await Call("UntagUser", ("UserName", "builder"), ("TagKeys.member.1", "team"));
        await Call("TagRole", ("RoleName", "Sharer"), ("Tags.member.1.Key", "team"), ("Tags.member.1.Value", "platform"));
        await Call("GetRole", ("RoleName", "Sharer"));
        await Call("ListRoleTags", ("RoleName", "Sharer"));
        await Call("GetAccountAuthorizationDetails");
        await Call("UntagRole", ("RoleName", "Sharer"), ("TagKeys.member.1", "team"));
        await Call("SimulatePrincipalPolicy", ("PolicySourceArn", $"arn:aws:iam::{Images}:role/Sharer"), ("ActionNames.member.1", "s3:GetObject"), ("ActionNames.member.2", "kms:Decrypt"));
        await Call("DetachRolePolicy", ("RoleName", "Sharer"), ("PolicyArn", policyArn));
        await Call("DeleteRolePolicy", ("RoleName", "Sharer"), ("PolicyName", "inline"));
        await Call("DeleteRole", ("RoleName", "Sharer"));

        AssertQueryConformance(model.RootElement, OperationsOf(server, "iam"), calls);
    }

    [BotocoreModelFact("cloudtrail", "2013-11-01")]
    public async Task CloudTrail_EveryImplementedOperation_ResponseMembersExistInBotocoreOutputShape()
    {
        using var model = BotocoreModel.Load("cloudtrail", "2013-11-01");
        await using var server = await TestCloud.StartAsync();
        using (var sts = TestCloud.Sts(server, Images))
        {
            await sts.GetCallerIdentityAsync(new Amazon.SecurityToken.Model.GetCallerIdentityRequest(), TestCloud.Timeout);
            await sts.GetCallerIdentityAsync(new Amazon.SecurityToken.Model.GetCallerIdentityRequest(), TestCloud.Timeout);
        }

        var trail = SignedJsonClient.CloudTrail(server, Images);
        var page = await trail.LookupAsync(maxResults: 1);
        var calls = new List<(string Operation, JsonResponse Response)>
        {
            ("LookupEvents", page),
            ("LookupEvents", await trail.LookupAsync(maxResults: 1, nextToken: page.Body["NextToken"]?.GetValue<string>())),
            ("LookupEvents", await trail.LookupAsync("EventName", "GetCallerIdentity")),
        };

        var operations = model.RootElement.GetProperty("operations");
        var shapes = model.RootElement.GetProperty("shapes");
        var implemented = OperationsOf(server, "cloudtrail");
        Assert.All(implemented, name => Assert.True(operations.TryGetProperty(name, out _), $"{name} is not a cloudtrail operation in botocore"));
        Assert.Equal(implemented.Order(StringComparer.Ordinal), calls.Select(c => c.Operation).Distinct().Order(StringComparer.Ordinal));
        Assert.NotNull(page.Body["NextToken"]);
        var problems = new List<string>();
        foreach (var (operation, response) in calls)
        {
            Assert.True(response.Status == 200, $"{operation}: {response.Raw}");
            Assert.NotEmpty(response.Body["Events"]!.AsArray());
            BotocoreModel.CheckJson(shapes, operations.GetProperty(operation).GetProperty("output").GetProperty("shape").GetString()!, response.Body, operation, problems);
        }

        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
    }

    /// <summary>The encoded authorization failure message of an EC2 call refused to a user without policies.</summary>
    private static async Task<string> EncodedDenialAsync(LocalCloudServer server)
    {
        using var ec2 = Ec2.Ec2TestKit.Client(server, await Kms.KmsTestKit.UserAsync(server, Images, "denied", null));
        var denied = await Ec2.Ec2TestKit.FailsAsync(() => ec2.DescribeVolumesAsync(new Amazon.EC2.Model.DescribeVolumesRequest(), TestCloud.Timeout));
        const string marker = "Encoded authorization failure message: ";
        return denied.Message[(denied.Message.IndexOf(marker, StringComparison.Ordinal) + marker.Length)..];
    }

    private static List<string> OperationsOf(LocalCloudServer server, string service) =>
        [.. server.Tables.Where(t => t.Service.Name == service).SelectMany(t => t.Operations.Keys)];

    /// <summary>
    /// Query protocol: <c>&lt;OpResponse&gt;</c> holds <c>&lt;OpResult&gt;</c> (the output shape's resultWrapper, members
    /// inside) and <c>&lt;ResponseMetadata&gt;</c>; list entries are <c>&lt;member&gt;</c>.
    /// </summary>
    private static void AssertQueryConformance(JsonElement model, IReadOnlyList<string> implemented, List<(string Operation, QueryResponse Response)> calls)
    {
        var operations = model.GetProperty("operations");
        var shapes = model.GetProperty("shapes");
        Assert.All(implemented, name => Assert.True(operations.TryGetProperty(name, out _), $"{name} is not an operation in botocore"));
        Assert.Equal(implemented.Order(StringComparer.Ordinal), calls.Select(c => c.Operation).Distinct().Order(StringComparer.Ordinal));

        var problems = new List<string>();
        foreach (var (operation, response) in calls)
        {
            Assert.True(response.Status == 200, $"{operation}: {response.Raw}");
            var root = response.Xml.Root!;
            if (root.Name.LocalName != operation + "Response")
            {
                problems.Add($"{operation}: root element {root.Name.LocalName}");
            }

            var output = operations.GetProperty(operation).TryGetProperty("output", out var o) ? o : (JsonElement?)null;
            var wrapper = output is { } withOutput && withOutput.TryGetProperty("resultWrapper", out var w) ? w.GetString() : null;
            foreach (var child in root.Elements())
            {
                var name = child.Name.LocalName;
                if (name == "ResponseMetadata")
                {
                    problems.AddRange(child.Elements().Where(e => e.Name.LocalName != "RequestId").Select(e => $"{operation}/ResponseMetadata/{e.Name.LocalName}: unexpected"));
                }
                else if (wrapper is not null && name == wrapper)
                {
                    BotocoreModel.CheckXml(shapes, $"{operation}/{name}", output!.Value.GetProperty("shape").GetString()!, child.Elements(), problems, "member");
                }
                else
                {
                    problems.Add($"{operation}/{name}: not expected (the model's result wrapper is {wrapper ?? "none"})");
                }
            }
        }

        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
    }
}
