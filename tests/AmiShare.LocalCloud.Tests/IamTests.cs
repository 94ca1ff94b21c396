using Amazon.Runtime;
using Amazon.SecurityToken.Model;
using AmiShare.LocalCloud.Auth;
using AmiShare.LocalCloud.Seed;
using AmiShare.LocalCloud.Tests.Support;

namespace AmiShare.LocalCloud.Tests;

public sealed class IamTests
{
    private const string Images = DefaultSeed.ImagesAccountId;
    private const string Prod = DefaultSeed.ProdAccountId;
    private const string AllowS3 = """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}""";

    [Fact]
    public async Task CreateUser_NewName_GetUserReturnsIt()
    {
        await using var server = await TestCloud.StartAsync();
        var iam = TestCloud.Iam(server, Images);

        var created = await iam.CallAsync("CreateUser", ("UserName", "builder"), ("Path", "/ci/"));
        var fetched = await iam.CallAsync("GetUser", ("UserName", "builder"));

        Assert.Equal(200, created.Status);
        Assert.Equal($"arn:aws:iam::{Images}:user/ci/builder", fetched.Value("Arn"));
        Assert.StartsWith("AIDA", fetched.Value("UserId"), StringComparison.Ordinal);
        Assert.Equal(created.Value("UserId"), fetched.Value("UserId"));
        Assert.Equal("https://iam.amazonaws.com/doc/2010-05-08/", created.Xml.Root!.Name.NamespaceName);
        Assert.Equal("CreateUserResponse", created.Xml.Root.Name.LocalName);
        Assert.NotNull(created.Value("RequestId"));
    }

    [Fact]
    public async Task CreateUser_NameTakenIgnoringCase_EntityAlreadyExists409()
    {
        await using var server = await TestCloud.StartAsync();
        var iam = TestCloud.Iam(server, Images);
        await iam.CallAsync("CreateUser", ("UserName", "builder"));

        var again = await iam.CallAsync("CreateUser", ("UserName", "Builder"));

        Assert.Equal(409, again.Status);
        Assert.Equal("EntityAlreadyExists", again.ErrorCode);
        Assert.Equal("ErrorResponse", again.Xml.Root!.Name.LocalName);
        Assert.Equal("Sender", again.Value("Type"));
    }

    [Fact]
    public async Task GetUser_SameNameInAnotherAccount_NoSuchEntity404()
    {
        await using var server = await TestCloud.StartAsync();
        await TestCloud.Iam(server, Images).CallAsync("CreateUser", ("UserName", "builder"));

        var fromProd = await TestCloud.Iam(server, Prod).CallAsync("GetUser", ("UserName", "builder"));

        Assert.Equal(404, fromProd.Status);
        Assert.Equal("NoSuchEntity", fromProd.ErrorCode);
    }

    [Fact]
    public async Task CreateAccessKey_ForUser_CredentialsWorkImmediately()
    {
        await using var server = await TestCloud.StartAsync();
        var iam = TestCloud.Iam(server, Images);
        await iam.CallAsync("CreateUser", ("UserName", "builder"));

        var key = await iam.CallAsync("CreateAccessKey", ("UserName", "builder"));
        using var sts = TestCloud.Sts(server, new BasicAWSCredentials(key.Value("AccessKeyId"), key.Value("SecretAccessKey")));
        var identity = await sts.GetCallerIdentityAsync(new GetCallerIdentityRequest(), TestCloud.Timeout);

        Assert.StartsWith("AKIA", key.Value("AccessKeyId"), StringComparison.Ordinal);
        Assert.Equal("Active", key.Value("Status"));
        Assert.Equal($"arn:aws:iam::{Images}:user/builder", identity.Arn);
        Assert.StartsWith("AIDA", identity.UserId, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreateRole_TrustPolicy_ReturnedUrlEncodedAsAwsDoes()
    {
        await using var server = await TestCloud.StartAsync();
        var iam = TestCloud.Iam(server, Images);
        var trust = StsTests.TrustAccount(Prod);

        var created = await iam.CallAsync("CreateRole", ("RoleName", "Sharer"), ("AssumeRolePolicyDocument", trust), ("Description", "shares images"));
        var fetched = await iam.CallAsync("GetRole", ("RoleName", "Sharer"));

        Assert.Equal(200, created.Status);
        Assert.Equal(Uri.EscapeDataString(trust), fetched.Value("AssumeRolePolicyDocument"));
        Assert.Equal(trust, Uri.UnescapeDataString(fetched.Value("AssumeRolePolicyDocument")!));
        Assert.Equal($"arn:aws:iam::{Images}:role/Sharer", fetched.Value("Arn"));
        Assert.StartsWith("AROA", fetched.Value("RoleId"), StringComparison.Ordinal);
        Assert.Equal("3600", fetched.Value("MaxSessionDuration"));
    }

    [Theory]
    [InlineData("not json at all")]
    [InlineData("[1,2,3]")]
    [InlineData("""{"Version":"2012-10-17"}""")]
    public async Task PutRolePolicy_NotAPolicyDocument_MalformedPolicyDocument(string document)
    {
        await using var server = await TestCloud.StartAsync();
        var iam = TestCloud.Iam(server, Images);
        await iam.CallAsync("CreateRole", ("RoleName", "Sharer"), ("AssumeRolePolicyDocument", StsTests.TrustAccount(Prod)));

        var response = await iam.CallAsync("PutRolePolicy", ("RoleName", "Sharer"), ("PolicyName", "bad"), ("PolicyDocument", document));

        Assert.Equal(400, response.Status);
        Assert.Equal("MalformedPolicyDocument", response.ErrorCode);
    }

    [Fact]
    public async Task PutRolePolicy_ThenGetListDelete_RoundTrips()
    {
        await using var server = await TestCloud.StartAsync();
        var iam = TestCloud.Iam(server, Images);
        await iam.CallAsync("CreateRole", ("RoleName", "Sharer"), ("AssumeRolePolicyDocument", StsTests.TrustAccount(Prod)));

        await iam.CallAsync("PutRolePolicy", ("RoleName", "Sharer"), ("PolicyName", "b-read"), ("PolicyDocument", AllowS3));
        await iam.CallAsync("PutRolePolicy", ("RoleName", "Sharer"), ("PolicyName", "a-read"), ("PolicyDocument", AllowS3));
        var got = await iam.CallAsync("GetRolePolicy", ("RoleName", "Sharer"), ("PolicyName", "a-read"));
        var listed = await iam.CallAsync("ListRolePolicies", ("RoleName", "Sharer"));
        var deleted = await iam.CallAsync("DeleteRolePolicy", ("RoleName", "Sharer"), ("PolicyName", "a-read"));
        var deletedAgain = await iam.CallAsync("DeleteRolePolicy", ("RoleName", "Sharer"), ("PolicyName", "a-read"));
        var listedAfter = await iam.CallAsync("ListRolePolicies", ("RoleName", "Sharer"));

        Assert.Equal(AllowS3, Uri.UnescapeDataString(got.Value("PolicyDocument")!));
        Assert.Equal(["a-read", "b-read"], listed.Values("member"));
        Assert.Equal(200, deleted.Status);
        Assert.Equal("NoSuchEntity", deletedAgain.ErrorCode);
        Assert.Equal(["b-read"], listedAfter.Values("member"));
    }

    [Fact]
    public async Task AttachRolePolicy_CustomerPolicy_ShowsInIdentityPoliciesUntilDetached()
    {
        await using var server = await TestCloud.StartAsync();
        var iam = TestCloud.Iam(server, Images);
        await iam.CallAsync("CreateRole", ("RoleName", "Sharer"), ("AssumeRolePolicyDocument", StsTests.TrustAccount(Prod)));
        var policy = await iam.CallAsync("CreatePolicy", ("PolicyName", "ReadObjects"), ("PolicyDocument", AllowS3));
        var policyArn = policy.Value("Arn")!;

        await iam.CallAsync("AttachRolePolicy", ("RoleName", "Sharer"), ("PolicyArn", policyArn));
        await iam.CallAsync("PutRolePolicy", ("RoleName", "Sharer"), ("PolicyName", "inline"), ("PolicyDocument", AllowS3));
        var policies = server.Cloud.Iam.GetPolicies($"arn:aws:iam::{Images}:role/Sharer");
        var detach = await iam.CallAsync("DetachRolePolicy", ("RoleName", "Sharer"), ("PolicyArn", policyArn));
        var detachAgain = await iam.CallAsync("DetachRolePolicy", ("RoleName", "Sharer"), ("PolicyArn", policyArn));

        Assert.Equal($"arn:aws:iam::{Images}:policy/ReadObjects", policyArn);
        Assert.Equal("ReadObjects", Assert.Single(policies.Attached).Name);
        Assert.Equal(AllowS3, Assert.Single(policies.Attached).Document);
        Assert.Equal("inline", Assert.Single(policies.Inline).Name);
        Assert.Equal(200, detach.Status);
        Assert.Equal("NoSuchEntity", detachAgain.ErrorCode);
        Assert.Empty(server.Cloud.Iam.GetPolicies($"arn:aws:iam::{Images}:role/Sharer").Attached);
    }

    [Fact]
    public async Task AttachRolePolicy_UnknownPolicyOrRole_NoSuchEntity()
    {
        await using var server = await TestCloud.StartAsync();
        var iam = TestCloud.Iam(server, Images);
        await iam.CallAsync("CreateRole", ("RoleName", "Sharer"), ("AssumeRolePolicyDocument", StsTests.TrustAccount(Prod)));

        var unknownPolicy = await iam.CallAsync("AttachRolePolicy", ("RoleName", "Sharer"), ("PolicyArn", $"arn:aws:iam::{Images}:policy/Nope"));
        var unknownRole = await iam.CallAsync("AttachRolePolicy", ("RoleName", "Nope"), ("PolicyArn", "arn:aws:iam::aws:policy/AdministratorAccess"));
        var awsManaged = await iam.CallAsync("AttachRolePolicy", ("RoleName", "Sharer"), ("PolicyArn", "arn:aws:iam::aws:policy/AdministratorAccess"));

        Assert.Equal("NoSuchEntity", unknownPolicy.ErrorCode);
        Assert.Equal("NoSuchEntity", unknownRole.ErrorCode);
        Assert.Equal(200, awsManaged.Status);
    }

    [Fact]
    public async Task DeleteRole_WithPolicies_DeleteConflictThenSucceedsOnceEmpty()
    {
        await using var server = await TestCloud.StartAsync();
        var iam = TestCloud.Iam(server, Images);
        await iam.CallAsync("CreateRole", ("RoleName", "Sharer"), ("AssumeRolePolicyDocument", StsTests.TrustAccount(Prod)));
        await iam.CallAsync("PutRolePolicy", ("RoleName", "Sharer"), ("PolicyName", "inline"), ("PolicyDocument", AllowS3));

        var conflict = await iam.CallAsync("DeleteRole", ("RoleName", "Sharer"));
        await iam.CallAsync("DeleteRolePolicy", ("RoleName", "Sharer"), ("PolicyName", "inline"));
        var deleted = await iam.CallAsync("DeleteRole", ("RoleName", "Sharer"));
        var gone = await iam.CallAsync("GetRole", ("RoleName", "Sharer"));

        Assert.Equal(409, conflict.Status);
        Assert.Equal("DeleteConflict", conflict.ErrorCode);
        Assert.Equal(200, deleted.Status);
        Assert.Equal("NoSuchEntity", gone.ErrorCode);
    }

    [Fact]
    public async Task CreateServiceLinkedRole_AutoScaling_CreatesRoleAtServicePath()
    {
        await using var server = await TestCloud.StartAsync();
        var iam = TestCloud.Iam(server, Prod);

        var created = await iam.CallAsync("CreateServiceLinkedRole", ("AWSServiceName", "autoscaling.amazonaws.com"));
        var again = await iam.CallAsync("CreateServiceLinkedRole", ("AWSServiceName", "autoscaling.amazonaws.com"));
        var role = server.Cloud.Iam.FindRole(Prod, "AWSServiceRoleForAutoScaling");

        Assert.Equal(200, created.Status);
        Assert.Equal($"arn:aws:iam::{Prod}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling", created.Value("Arn"));
        Assert.Equal("/aws-service-role/autoscaling.amazonaws.com/", created.Value("Path"));
        Assert.Equal("InvalidInput", again.ErrorCode);
        Assert.NotNull(role);
        Assert.True(role.IsServiceLinked);
        Assert.Contains("autoscaling.amazonaws.com", role.AssumeRolePolicyDocument, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetAccountAuthorizationDetails_UsersRolesPolicies_ListsInlineAndAttached()
    {
        await using var server = await TestCloud.StartAsync();
        var iam = TestCloud.Iam(server, Images);
        await iam.CallAsync("CreateUser", ("UserName", "builder"));
        await iam.CallAsync("PutUserPolicy", ("UserName", "builder"), ("PolicyName", "user-inline"), ("PolicyDocument", AllowS3));
        await iam.CallAsync("AttachUserPolicy", ("UserName", "builder"), ("PolicyArn", "arn:aws:iam::aws:policy/ReadOnlyAccess"));
        await iam.CallAsync("CreateRole", ("RoleName", "Sharer"), ("AssumeRolePolicyDocument", StsTests.TrustAccount(Prod)));
        var policy = await iam.CallAsync("CreatePolicy", ("PolicyName", "ReadObjects"), ("PolicyDocument", AllowS3));
        await iam.CallAsync("AttachRolePolicy", ("RoleName", "Sharer"), ("PolicyArn", policy.Value("Arn")!));
        await TestCloud.Iam(server, Prod).CallAsync("CreateUser", ("UserName", "someone-else"));

        var details = await iam.CallAsync("GetAccountAuthorizationDetails");

        Assert.Equal(200, details.Status);
        Assert.Equal(["builder"], details.Values("UserName"));
        Assert.Equal(["Sharer"], details.Values("RoleName"));
        Assert.Equal(["user-inline", "ReadOnlyAccess", "ReadObjects", "ReadObjects", "ReadOnlyAccess"], details.Values("PolicyName"));
        Assert.Contains(Uri.EscapeDataString(AllowS3), details.Values("PolicyDocument"));
        Assert.Contains(Uri.EscapeDataString(AllowS3), details.Values("Document"));
        Assert.Equal("false", details.Value("IsTruncated"));
    }

    [Fact]
    public async Task CreateUser_CallerWithoutPolicy_AccessDeniedUntilPolicyListsAction()
    {
        await using var server = await TestCloud.StartAsync();
        var root = TestCloud.Iam(server, Images);
        await root.CallAsync("CreateUser", ("UserName", "operator"));
        var key = await root.CallAsync("CreateAccessKey", ("UserName", "operator"));
        var asOperator = TestCloud.Iam(server, key.Value("AccessKeyId")!, key.Value("SecretAccessKey")!);

        var denied = await asOperator.CallAsync("CreateUser", ("UserName", "intern"));
        await root.CallAsync("PutUserPolicy", ("UserName", "operator"), ("PolicyName", "create-users"),
            ("PolicyDocument", """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:CreateUser","Resource":"*"}]}"""));
        var allowed = await asOperator.CallAsync("CreateUser", ("UserName", "intern"));

        Assert.Equal(403, denied.Status);
        Assert.Equal("AccessDenied", denied.ErrorCode);
        Assert.Contains($"User: arn:aws:iam::{Images}:user/operator is not authorized to perform: iam:CreateUser", denied.Value("Message"), StringComparison.Ordinal);
        Assert.Equal(200, allowed.Status);
    }

    [Fact]
    public async Task CreateRole_MissingTrustPolicy_ValidationError()
    {
        await using var server = await TestCloud.StartAsync();

        var response = await TestCloud.Iam(server, Images).CallAsync("CreateRole", ("RoleName", "Sharer"));

        Assert.Equal(400, response.Status);
        Assert.Equal("ValidationError", response.ErrorCode);
        Assert.Contains("AssumeRolePolicyDocument", response.Value("Message"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetPolicies_AssumedRoleCaller_ReturnsTheRolesPolicies()
    {
        await using var server = await TestCloud.StartAsync();
        var iam = TestCloud.Iam(server, Images);
        await iam.CallAsync("CreateRole", ("RoleName", "Sharer"), ("AssumeRolePolicyDocument", StsTests.TrustAccount(Images)));
        await iam.CallAsync("PutRolePolicy", ("RoleName", "Sharer"), ("PolicyName", "inline"), ("PolicyDocument", AllowS3));
        var session = new RoleSession($"arn:aws:iam::{Images}:role/Sharer", "Sharer", "AROAEXAMPLE", "s", DateTimeOffset.MaxValue, "x");
        var caller = new CallerIdentity(Images, $"arn:aws:sts::{Images}:assumed-role/Sharer/s", PrincipalKind.AssumedRole, "ASIAEXAMPLE", "AROAEXAMPLE:s", Session: session);

        var policies = server.Cloud.Iam.GetPolicies(caller);

        Assert.Equal(AllowS3, Assert.Single(policies.Inline).Document);
        Assert.Null(policies.PermissionsBoundary);
    }
}
