using System.Text.Json.Nodes;
using AmiShare.LocalCloud.Seed;
using AmiShare.LocalCloud.Tests.CloudTrail;
using AmiShare.LocalCloud.Tests.Support;
using static AmiShare.LocalCloud.Tests.Organizations.OrganizationsTestKit;

namespace AmiShare.LocalCloud.Tests.Conformance;

/// <summary>Every Organizations operation LocalCloud serves: its response members and its error codes are botocore's.</summary>
public sealed class OrganizationsConformanceTests
{
    [BotocoreModelFact("organizations", "2016-11-28")]
    public async Task Organizations_EveryImplementedOperation_ResponseMembersAndErrorsExistInBotocore()
    {
        using var model = BotocoreModel.Load("organizations", "2016-11-28");
        await using var server = await TestCloud.StartAsync();
        var org = Client(server, DefaultSeed.ManagementAccountId);
        var member = Client(server, DefaultSeed.DevAccountId);
        var scp = """{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"kms:ScheduleKeyDeletion","Resource":"*"}]}""";
        var created = await org.CallAsync("CreatePolicy", new JsonObject { ["Name"] = "Conformance", ["Content"] = scp, ["Type"] = "SERVICE_CONTROL_POLICY", ["Description"] = "d" });
        var policyId = created.Body["Policy"]?["PolicySummary"]?["Id"]?.GetValue<string>() ?? "p-missing";
        var calls = new List<(string Operation, JsonResponse Response)>
        {
            ("CreatePolicy", created),
            ("DescribeOrganization", await org.CallAsync("DescribeOrganization")),
            ("ListAccounts", await org.CallAsync("ListAccounts", new JsonObject { ["MaxResults"] = 1 })),
            ("ListAccountsForParent", await org.CallAsync("ListAccountsForParent", new JsonObject { ["ParentId"] = DefaultSeed.RootId })),
            ("DescribeAccount", await org.CallAsync("DescribeAccount", new JsonObject { ["AccountId"] = DefaultSeed.ProdAccountId })),
            ("ListRoots", await org.CallAsync("ListRoots")),
            ("ListOrganizationalUnitsForParent", await org.CallAsync("ListOrganizationalUnitsForParent", new JsonObject { ["ParentId"] = DefaultSeed.RootId })),
            ("ListParents", await org.CallAsync("ListParents", new JsonObject { ["ChildId"] = DefaultSeed.DevAccountId })),
            ("ListChildren", await org.CallAsync("ListChildren", new JsonObject { ["ParentId"] = DefaultSeed.WorkloadsUnitId, ["ChildType"] = "ORGANIZATIONAL_UNIT" })),
            ("AttachPolicy", await org.CallAsync("AttachPolicy", Attachment(policyId, DefaultSeed.DevUnitId))),
            ("ListPolicies", await org.CallAsync("ListPolicies", new JsonObject { ["Filter"] = "RESOURCE_CONTROL_POLICY" })),
            ("ListPoliciesForTarget", await org.CallAsync("ListPoliciesForTarget", new JsonObject { ["TargetId"] = DefaultSeed.DevUnitId, ["Filter"] = "SERVICE_CONTROL_POLICY" })),
            ("DescribePolicy", await org.CallAsync("DescribePolicy", new JsonObject { ["PolicyId"] = policyId })),
            ("DetachPolicy", await org.CallAsync("DetachPolicy", Attachment(policyId, DefaultSeed.DevUnitId))),
        };
        var failures = new List<(string Operation, JsonResponse Response)>
        {
            ("ListAccounts", await member.CallAsync("ListAccounts")),
            ("DescribeOrganization", await Client(server, DefaultSeed.PartnerAccountId).CallAsync("DescribeOrganization")),
            ("DescribeAccount", await org.CallAsync("DescribeAccount", new JsonObject { ["AccountId"] = DefaultSeed.PartnerAccountId })),
            ("ListChildren", await org.CallAsync("ListChildren", new JsonObject { ["ParentId"] = "ou-ams1-nowhere0", ["ChildType"] = "ACCOUNT" })),
            ("ListParents", await org.CallAsync("ListParents", new JsonObject { ["ChildId"] = DefaultSeed.PartnerAccountId })),
            ("DescribePolicy", await org.CallAsync("DescribePolicy", new JsonObject { ["PolicyId"] = "p-nothere1" })),
            ("AttachPolicy", await org.CallAsync("AttachPolicy", Attachment("p-FullAWSAccess", DefaultSeed.DevUnitId))),
            ("AttachPolicy", await org.CallAsync("AttachPolicy", Attachment("p-FullAWSAccess", DefaultSeed.PartnerAccountId))),
            ("DetachPolicy", await org.CallAsync("DetachPolicy", Attachment(policyId, DefaultSeed.DevUnitId))),
            ("DetachPolicy", await org.CallAsync("DetachPolicy", Attachment("p-FullAWSAccess", DefaultSeed.DevUnitId))),
            ("CreatePolicy", await org.CallAsync("CreatePolicy", new JsonObject { ["Name"] = "Conformance", ["Content"] = scp, ["Type"] = "SERVICE_CONTROL_POLICY" })),
            ("CreatePolicy", await org.CallAsync("CreatePolicy", new JsonObject { ["Name"] = "Bad", ["Content"] = "[]", ["Type"] = "SERVICE_CONTROL_POLICY" })),
        };

        var operations = model.RootElement.GetProperty("operations");
        var shapes = model.RootElement.GetProperty("shapes");
        var implemented = server.Tables.Where(t => t.Service.Name == "organizations").SelectMany(t => t.Operations.Keys).ToList();
        Assert.Equal(implemented.Order(StringComparer.Ordinal), calls.Select(c => c.Operation).Distinct().Order(StringComparer.Ordinal));
        var problems = new List<string>();
        foreach (var (operation, response) in calls)
        {
            Assert.True(response.Status == 200, $"{operation}: {response.Raw}");
            var definition = operations.GetProperty(operation);
            if (definition.TryGetProperty("output", out var output))
            {
                BotocoreModel.CheckJson(shapes, output.GetProperty("shape").GetString()!, response.Body, operation, problems);
            }
        }

        foreach (var (operation, response) in failures)
        {
            var declared = operations.GetProperty(operation).GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("shape").GetString()).ToList();
            if (response.Status == 200 || response.ErrorType is not { } code || !declared.Contains(code))
            {
                problems.Add($"{operation}: {response.Status} {response.ErrorType} is not one of its botocore errors ({response.Raw})");
            }
        }

        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
    }
}
