using System.Text.Json;
using AmiShare.Core.Planning;
using static AmiShare.Core.Tests.Fixtures;

namespace AmiShare.Core.Tests;

public sealed class SharePlanJsonTests
{
    public static TheoryData<string, Core.Model.ShareRequest> Requests => new()
    {
        { "full share", Share("ami-ebs", TargetA) with { ReencryptKey = CmkArn, AllowCopy = true, Asg = true } },
        { "blocked", Share("ami-ebs", TargetA) },
    };

    [Theory]
    [MemberData(nameof(Requests))]
    public void Write_Plan_FollowsDocumentedSchema(string name, Core.Model.ShareRequest request)
    {
        var plan = SharePlanner.Plan(request, State());

        using var document = JsonDocument.Parse(SharePlanJson.Write(plan));

        Assert.Equal(("schemaVersion", 1), (document.RootElement.EnumerateObject().First().Name, document.RootElement.GetProperty("schemaVersion").GetInt32()));
        var steps = document.RootElement.GetProperty("steps");
        Assert.Equal(plan.Steps.Length, steps.GetArrayLength());
        foreach (var step in steps.EnumerateArray())
        {
            foreach (var field in new[] { "action", "resource", "target", "reason", "status" })
            {
                Assert.Equal(JsonValueKind.String, step.GetProperty(field).ValueKind);
            }

            Assert.True(Enum.TryParse<PlanAction>(step.GetProperty("action").GetString(), out _), name);
            Assert.True(Enum.TryParse<StepStatus>(step.GetProperty("status").GetString(), out _), name);
        }

        var findings = document.RootElement.GetProperty("findings");
        Assert.Equal(plan.Findings.Length, findings.GetArrayLength());
        foreach (var finding in findings.EnumerateArray())
        {
            Assert.Equal(JsonValueKind.String, finding.GetProperty("message").ValueKind);
            Assert.True(Enum.TryParse<FindingSeverity>(finding.GetProperty("severity").GetString(), out _), name);
        }
    }

    [Fact]
    public void Write_IamStep_EmbedsPolicyAsJsonObject()
    {
        var plan = SharePlanner.Plan(Share("ami-cmk", TargetA), State());

        using var document = JsonDocument.Parse(SharePlanJson.Write(plan));

        var iam = document.RootElement.GetProperty("steps").EnumerateArray().Single(s => s.GetProperty("action").GetString() == "EmitTargetIamPolicy");
        Assert.Equal("2012-10-17", iam.GetProperty("details").GetProperty("policy").GetProperty("Version").GetString());
        Assert.Contains(CmkArn, iam.GetProperty("details").GetProperty("terraform").GetString(), StringComparison.Ordinal);
    }
}
