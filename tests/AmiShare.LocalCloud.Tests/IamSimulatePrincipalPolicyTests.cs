using AmiShare.LocalCloud.Seed;
using AmiShare.LocalCloud.Tests.Support;

namespace AmiShare.LocalCloud.Tests;

public sealed class IamSimulatePrincipalPolicyTests
{
    private const string Images = DefaultSeed.ImagesAccountId;
    private const string SourceKeyArn = "arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    private const string UseKeyThroughEc2 = """
        {"Version":"2012-10-17","Statement":[
          {"Sid":"UseKey","Effect":"Allow","Action":["kms:Decrypt","kms:DescribeKey"],"Resource":"arn:aws:kms:us-east-1:111111111111:key/*",
           "Condition":{"StringEquals":{"kms:ViaService":"ec2.us-east-1.amazonaws.com"}}},
          {"Sid":"NoDeletion","Effect":"Deny","Action":"kms:ScheduleKeyDeletion","Resource":"*"}]}
        """;

    private const string Prod = DefaultSeed.ProdAccountId;
    private const string KeyArn = "arn:aws:kms:us-east-1:222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab";

    [Fact]
    public async Task SimulatePrincipalPolicy_UserWithAllowAndDeny_ReportsEachDecisionWithMatchedStatements()
    {
        await using var server = await TestCloud.StartAsync();
        var iam = TestCloud.Iam(server, Prod);
        await iam.CallAsync("CreateUser", ("UserName", "launcher"));
        await iam.CallAsync("PutUserPolicy", ("UserName", "launcher"), ("PolicyName", "ec2-and-kms"), ("PolicyDocument",
            """{"Version":"2012-10-17","Statement":[{"Sid":"Ec2","Effect":"Allow","Action":"ec2:*","Resource":"*"},{"Sid":"NoTerminate","Effect":"Deny","Action":"ec2:TerminateInstances","Resource":"*"}]}"""));

        var response = await iam.CallAsync(
            "SimulatePrincipalPolicy",
            ("PolicySourceArn", $"arn:aws:iam::{Prod}:user/launcher"),
            ("ActionNames.member.1", "ec2:RunInstances"),
            ("ActionNames.member.2", "ec2:TerminateInstances"),
            ("ActionNames.member.3", "kms:Decrypt"),
            ("ResourceArns.member.1", KeyArn));

        Assert.True(response.Status == 200, response.Raw);
        Assert.Equal(["ec2:RunInstances", "ec2:TerminateInstances", "kms:Decrypt"], response.Values("EvalActionName"));
        Assert.Equal(["allowed", "explicitDeny", "implicitDeny"], response.Values("EvalDecision"));
        Assert.All(response.Values("EvalResourceName"), r => Assert.Equal(KeyArn, r));
        Assert.Equal(["ec2-and-kms", "ec2-and-kms"], response.Values("SourcePolicyId"));
        Assert.Equal(["user", "user"], response.Values("SourcePolicyType"));
    }

    [Fact]
    public async Task SimulatePrincipalPolicy_RoleWithAttachedPolicyAndContext_DecidesWithConditions()
    {
        await using var server = await TestCloud.StartAsync();
        var iam = TestCloud.Iam(server, Prod);
        await iam.CallAsync("CreateRole", ("RoleName", "Sharer"), ("AssumeRolePolicyDocument", StsTests.TrustAccount(Prod)));
        var policy = await iam.CallAsync("CreatePolicy", ("PolicyName", "DecryptViaEc2"), ("PolicyDocument",
            """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:Decrypt","Resource":"*","Condition":{"StringEquals":{"kms:ViaService":"ec2.us-east-1.amazonaws.com"}}}]}"""));
        await iam.CallAsync("AttachRolePolicy", ("RoleName", "Sharer"), ("PolicyArn", policy.Value("Arn")!));
        var role = $"arn:aws:iam::{Prod}:role/Sharer";

        var withoutContext = await iam.CallAsync("SimulatePrincipalPolicy", ("PolicySourceArn", role), ("ActionNames.member.1", "kms:Decrypt"));
        var viaEc2 = await iam.CallAsync(
            "SimulatePrincipalPolicy",
            ("PolicySourceArn", role),
            ("ActionNames.member.1", "kms:Decrypt"),
            ("ContextEntries.member.1.ContextKeyName", "kms:ViaService"),
            ("ContextEntries.member.1.ContextKeyValues.member.1", "ec2.us-east-1.amazonaws.com"),
            ("ContextEntries.member.1.ContextKeyType", "string"));

        Assert.Equal("implicitDeny", withoutContext.Value("EvalDecision"));
        Assert.Equal("*", withoutContext.Value("EvalResourceName"));
        Assert.Equal("allowed", viaEc2.Value("EvalDecision"));
        Assert.Equal("DecryptViaEc2", viaEc2.Value("SourcePolicyId"));
        Assert.Equal("user-managed", viaEc2.Value("SourcePolicyType"));
    }

    [Fact]
    public async Task SimulatePrincipalPolicy_UnknownOrOtherAccountPrincipal_NoSuchEntity()
    {
        await using var server = await TestCloud.StartAsync();
        var iam = TestCloud.Iam(server, Prod);

        var missing = await iam.CallAsync("SimulatePrincipalPolicy", ("PolicySourceArn", $"arn:aws:iam::{Prod}:user/nobody"), ("ActionNames.member.1", "ec2:RunInstances"));
        var otherAccount = await iam.CallAsync("SimulatePrincipalPolicy", ("PolicySourceArn", "arn:aws:iam::111111111111:root"), ("ActionNames.member.1", "ec2:RunInstances"));

        Assert.Equal((404, "NoSuchEntity"), (missing.Status, missing.ErrorCode));
        Assert.Equal((404, "NoSuchEntity"), (otherAccount.Status, otherAccount.ErrorCode));
    }

    [Fact]
    public async Task SimulatePrincipalPolicy_KmsKeyWithViaServiceContext_IdentityPoliciesDecideWithoutKeyPolicy()
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
            ("ResourceArns.member.1", SourceKeyArn),
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
        await iam.CallAsync("PutUserPolicy", ("UserName", "builder"), ("PolicyName", "use-key"), ("PolicyDocument", UseKeyThroughEc2));

        var simulated = await iam.CallAsync(
            "SimulatePrincipalPolicy",
            ("PolicySourceArn", $"arn:aws:iam::{Images}:user/builder"),
            ("ActionNames.member.1", "kms:Decrypt"),
            ("ResourceArns.member.1", SourceKeyArn));

        Assert.Equal(["implicitDeny"], simulated.Values("EvalDecision"));
    }
}
