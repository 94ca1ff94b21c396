using AmiShare.LocalCloud.Seed;
using AmiShare.LocalCloud.Tests.Support;

namespace AmiShare.LocalCloud.Tests;

public sealed class IamSimulationTests
{
    private const string Images = DefaultSeed.ImagesAccountId;
    private const string KeyArn = "arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    private const string UseKeyThroughEc2 = """
        {"Version":"2012-10-17","Statement":[
          {"Sid":"UseKey","Effect":"Allow","Action":["kms:Decrypt","kms:DescribeKey"],"Resource":"arn:aws:kms:us-east-1:111111111111:key/*",
           "Condition":{"StringEquals":{"kms:ViaService":"ec2.us-east-1.amazonaws.com"}}},
          {"Sid":"NoDeletion","Effect":"Deny","Action":"kms:ScheduleKeyDeletion","Resource":"*"}]}
        """;

    [Fact]
    public async Task SimulatePrincipalPolicy_RoleWithInlinePolicy_ReportsDecisionPerActionWithMatchedStatements()
    {
        await using var server = await TestCloud.StartAsync();
        var iam = TestCloud.Iam(server, Images);
        await iam.CallAsync("CreateRole", ("RoleName", "Launcher"), ("AssumeRolePolicyDocument", StsTests.TrustAccount(Images)));
        await iam.CallAsync("PutRolePolicy", ("RoleName", "Launcher"), ("PolicyName", "use-key"), ("PolicyDocument", UseKeyThroughEc2));

        var simulated = await iam.CallAsync(
            "SimulatePrincipalPolicy",
            ("PolicySourceArn", $"arn:aws:iam::{Images}:role/Launcher"),
            ("ActionNames.member.1", "kms:Decrypt"),
            ("ActionNames.member.2", "kms:ScheduleKeyDeletion"),
            ("ActionNames.member.3", "kms:Encrypt"),
            ("ResourceArns.member.1", KeyArn),
            ("ContextEntries.member.1.ContextKeyName", "kms:ViaService"),
            ("ContextEntries.member.1.ContextKeyValues.member.1", "ec2.us-east-1.amazonaws.com"),
            ("ContextEntries.member.1.ContextKeyType", "string"));

        Assert.Equal(200, simulated.Status);
        Assert.Equal(["kms:Decrypt", "kms:ScheduleKeyDeletion", "kms:Encrypt"], simulated.Values("EvalActionName"));
        Assert.Equal(["allowed", "explicitDeny", "implicitDeny"], simulated.Values("EvalDecision"));
        Assert.Equal(["use-key", "use-key"], simulated.Values("SourcePolicyId"));
        Assert.Equal(["role", "role"], simulated.Values("SourcePolicyType"));
    }

    [Fact]
    public async Task SimulatePrincipalPolicy_WithoutTheViaServiceContext_DecryptIsImplicitlyDenied()
    {
        await using var server = await TestCloud.StartAsync();
        var iam = TestCloud.Iam(server, Images);
        await iam.CallAsync("CreateUser", ("UserName", "builder"));

        var simulated = await iam.CallAsync(
            "SimulatePrincipalPolicy",
            ("PolicySourceArn", $"arn:aws:iam::{Images}:user/builder"),
            ("ActionNames.member.1", "kms:Decrypt"),
            ("ResourceArns.member.1", KeyArn),
            ("PolicyInputList.member.1", UseKeyThroughEc2));

        Assert.Equal(["implicitDeny"], simulated.Values("EvalDecision"));
    }

    [Fact]
    public async Task SimulatePrincipalPolicy_UnknownPrincipal_NoSuchEntity()
    {
        await using var server = await TestCloud.StartAsync();
        var iam = TestCloud.Iam(server, Images);

        var simulated = await iam.CallAsync(
            "SimulatePrincipalPolicy",
            ("PolicySourceArn", $"arn:aws:iam::{Images}:role/Nobody"),
            ("ActionNames.member.1", "kms:Decrypt"));

        Assert.Equal("NoSuchEntity", simulated.ErrorCode);
    }
}
