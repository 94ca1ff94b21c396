using System.Text.Json.Nodes;
using AmiShare.LocalCloud.Tests.CloudTrail;
using AmiShare.LocalCloud.Tests.Ec2;
using AmiShare.LocalCloud.Tests.Support;
using static AmiShare.LocalCloud.Tests.Ec2.Ec2TestKit;

namespace AmiShare.LocalCloud.Tests.Conformance;

/// <summary>
/// SSM (JSON 1.1, <c>AmazonSSM.Op</c>) answers only what botocore's model defines, and every error code it sends
/// is one the operation's model lists; the EC2 image lifecycle operations answer in their output shapes.
/// </summary>
public sealed class SsmConformanceTests
{
    [BotocoreModelFact("ssm", "2014-11-06")]
    public async Task Ssm_EveryImplementedOperation_ResponseMembersAndErrorsExistInBotocore()
    {
        using var model = BotocoreModel.Load("ssm", "2014-11-06");
        await using var server = await TestCloud.StartAsync();
        using var owner = Client(server, Images);
        var image = await OwnerImageAsync(owner, "ssm-conformance");
        var account = server.Account(Images);
        var ssm = new SignedJsonClient(server.Endpoint, "ssm", TestCloud.Region, "AmazonSSM", account.RootAccessKeyId, account.RootSecretAccessKey);
        var calls = new List<(string Operation, JsonResponse Response)>();

        async Task Call(string operation, JsonObject input) => calls.Add((operation, await ssm.CallAsync(operation, input)));

        await Call("PutParameter", new JsonObject { ["Name"] = "/c/ami", ["Value"] = image, ["Type"] = "String", ["DataType"] = "aws:ec2:image" });
        await Call("PutParameter", new JsonObject { ["Name"] = "/c/ami", ["Value"] = image, ["Overwrite"] = true, ["Description"] = "golden" });
        await Call("PutParameter", new JsonObject { ["Name"] = "/c/list", ["Value"] = "a,b", ["Type"] = "StringList" });
        await Call("LabelParameterVersion", new JsonObject { ["Name"] = "/c/ami", ["ParameterVersion"] = 1, ["Labels"] = new JsonArray("prod", "aws-bad") });
        await Call("GetParameter", new JsonObject { ["Name"] = "/c/ami:prod" });
        await Call("GetParameters", new JsonObject { ["Names"] = new JsonArray("/c/ami", "/c/none") });
        await Call("GetParametersByPath", new JsonObject { ["Path"] = "/c", ["MaxResults"] = 1 });
        await Call("GetParameterHistory", new JsonObject { ["Name"] = "/c/ami" });
        await Call("DeleteParameters", new JsonObject { ["Names"] = new JsonArray("/c/list", "/c/none") });
        await Call("DeleteParameter", new JsonObject { ["Name"] = "/c/ami" });
        var created = await ssm.CallAsync("PutParameter", new JsonObject { ["Name"] = "/x", ["Value"] = "v", ["Type"] = "String" });
        var errors = new List<(string Operation, JsonResponse Response)>
        {
            ("GetParameter", await ssm.CallAsync("GetParameter", new JsonObject { ["Name"] = "/c/ami" })),
            ("PutParameter", await ssm.CallAsync("PutParameter", new JsonObject { ["Name"] = "/x", ["Value"] = "v", ["Type"] = "String" })),
            ("LabelParameterVersion", await ssm.CallAsync("LabelParameterVersion", new JsonObject { ["Name"] = "/x", ["ParameterVersion"] = 5, ["Labels"] = new JsonArray("l") })),
            ("DeleteParameter", await ssm.CallAsync("DeleteParameter", new JsonObject { ["Name"] = "/none" })),
        };

        var operations = model.RootElement.GetProperty("operations");
        var shapes = model.RootElement.GetProperty("shapes");
        var implemented = server.Tables.Where(t => t.Service.Name == "ssm").SelectMany(t => t.Operations.Keys).ToList();
        Assert.Equal(implemented.Order(StringComparer.Ordinal), calls.Select(c => c.Operation).Distinct().Order(StringComparer.Ordinal));
        var problems = new List<string>();
        foreach (var (operation, response) in calls)
        {
            Assert.True(response.Status == 200, $"{operation}: {response.Raw}");
            BotocoreModel.CheckJson(shapes, operations.GetProperty(operation).GetProperty("output").GetProperty("shape").GetString()!, response.Body, operation, problems);
        }

        Assert.Equal(200, created.Status);
        foreach (var (operation, response) in errors)
        {
            var listed = operations.GetProperty(operation).GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("shape").GetString()).ToList();
            Assert.True(response.Status == 400, $"{operation}: {response.Raw}");
            Assert.True(listed.Contains(response.ErrorType), $"{operation} answered {response.ErrorType}, not among {string.Join(", ", listed)}");
        }

        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
    }

    [BotocoreEc2ModelFact]
    public async Task Ec2ImageLifecycle_EveryOperation_ResponseMembersExistInBotocoreOutputShape()
    {
        using var model = BotocoreModel.Load("ec2", "2016-11-15");
        await using var server = await TestCloud.StartAsync();
        using var owner = Client(server, Images);
        var image = await OwnerImageAsync(owner, "lifecycle-conformance");
        await LaunchAsync(owner, image);
        var q = Query(server, Images);
        var calls = new List<(string Operation, QueryResponse Response)>();

        async Task Call(string operation, params (string, string)[] parameters) => calls.Add((operation, await q.CallAsync(operation, parameters)));

        await Call("EnableImageDeprecation", ("ImageId", image), ("DeprecateAt", "2030-01-01T00:00:29Z"));
        await Call("EnableImageDeregistrationProtection", ("ImageId", image), ("WithCooldown", "true"));
        await Call("DescribeImages", ("ImageId.1", image));
        await Call("DescribeImageAttribute", ("ImageId", image), ("Attribute", "lastLaunchedTime"));
        await Call("DescribeImageAttribute", ("ImageId", image), ("Attribute", "deregistrationProtection"));
        await Call("DisableImageDeregistrationProtection", ("ImageId", image));
        await Call("DescribeImages", ("ImageId.1", image));
        await Call("DisableImageDeprecation", ("ImageId", image));

        var operations = model.RootElement.GetProperty("operations");
        var shapes = model.RootElement.GetProperty("shapes");
        var problems = new List<string>();
        foreach (var (operation, response) in calls)
        {
            Assert.True(response.Status == 200, $"{operation}: {response.Raw}");
            var children = response.Xml.Root!.Elements().Where(e => e.Name.LocalName != "requestId").ToList();
            BotocoreModel.CheckXml(shapes, operation, operations.GetProperty(operation).GetProperty("output").GetProperty("shape").GetString()!, children, problems, "item");
        }

        var described = calls.First(c => c.Operation == "DescribeImages").Response.Xml.Root!.ToString();
        Assert.Contains("2030-01-01T00:00:00", described, StringComparison.Ordinal);
        Assert.Contains("enabled-with-cooldown", described, StringComparison.Ordinal);
        Assert.Contains("lastLaunchedTime", described, StringComparison.Ordinal);
        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
    }
}
