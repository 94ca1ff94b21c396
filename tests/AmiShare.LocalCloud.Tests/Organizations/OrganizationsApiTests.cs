using System.Text.Json.Nodes;
using Amazon.KeyManagementService;
using AmiShare.LocalCloud.Seed;
using AmiShare.LocalCloud.Tests.Kms;
using AmiShare.LocalCloud.Tests.Support;
using static AmiShare.LocalCloud.Tests.Organizations.OrganizationsTestKit;

namespace AmiShare.LocalCloud.Tests.Organizations;

/// <summary>The Organizations API over signed JSON 1.1: the structure reads, who may call, and policies that change what is enforced.</summary>
public sealed class OrganizationsApiTests
{
    private const string DenyKeyCreation = """{"Version":"2012-10-17","Statement":[{"Sid":"NoNewKeys","Effect":"Deny","Action":"kms:CreateKey","Resource":"*"}]}""";

    [Fact]
    public async Task StructureReads_ManagementAccount_ReturnTheSeededOrganization()
    {
        await using var server = await TestCloud.StartAsync();
        var org = Client(server, DefaultSeed.ManagementAccountId);

        var described = await OkAsync(org, "DescribeOrganization");
        var roots = await OkAsync(org, "ListRoots");
        var units = await OkAsync(org, "ListOrganizationalUnitsForParent", new JsonObject { ["ParentId"] = DefaultSeed.WorkloadsUnitId });
        var prodAccounts = await OkAsync(org, "ListAccountsForParent", new JsonObject { ["ParentId"] = DefaultSeed.ProdUnitId });
        var parents = await OkAsync(org, "ListParents", new JsonObject { ["ChildId"] = DefaultSeed.ProdUnitId });
        var children = await OkAsync(org, "ListChildren", new JsonObject { ["ParentId"] = DefaultSeed.RootId, ["ChildType"] = "ACCOUNT" });
        var account = await OkAsync(org, "DescribeAccount", new JsonObject { ["AccountId"] = DefaultSeed.DevAccountId });
        var firstPage = await OkAsync(org, "ListAccounts", new JsonObject { ["MaxResults"] = 3 });
        var secondPage = await OkAsync(org, "ListAccounts", new JsonObject { ["NextToken"] = firstPage.Body["NextToken"]!.GetValue<string>() });
        var missing = await org.CallAsync("DescribeAccount", new JsonObject { ["AccountId"] = DefaultSeed.PartnerAccountId });

        Assert.Equal(DefaultSeed.OrganizationId, described.Body["Organization"]!["Id"]!.GetValue<string>());
        Assert.Equal(DefaultSeed.ManagementAccountId, described.Body["Organization"]!["MasterAccountId"]!.GetValue<string>());
        Assert.Equal(DefaultSeed.RootId, roots.Body["Roots"]![0]!["Id"]!.GetValue<string>());
        Assert.Equal([DefaultSeed.DevUnitId, DefaultSeed.ProdUnitId], Ids(units.Body["OrganizationalUnits"]));
        Assert.Equal([DefaultSeed.ProdAccountId], Ids(prodAccounts.Body["Accounts"]));
        Assert.Equal(DefaultSeed.WorkloadsUnitId, parents.Body["Parents"]![0]!["Id"]!.GetValue<string>());
        Assert.Equal("ORGANIZATIONAL_UNIT", parents.Body["Parents"]![0]!["Type"]!.GetValue<string>());
        Assert.Equal([DefaultSeed.ManagementAccountId, DefaultSeed.ImagesAccountId], Ids(children.Body["Children"]));
        Assert.Equal("dev", account.Body["Account"]!["Name"]!.GetValue<string>());

        // Four member accounts (the partner is outside the organization), three on the first page.
        Assert.Equal(4, Ids(firstPage.Body["Accounts"]).Count + Ids(secondPage.Body["Accounts"]).Count);
        Assert.Null(secondPage.Body["NextToken"]);
        Assert.Equal("AccountNotFoundException", missing.ErrorType);
    }

    [Fact]
    public async Task Reads_MemberOrOutsider_DeniedExceptDescribeOrganizationForMembers()
    {
        await using var server = await TestCloud.StartAsync();
        var member = Client(server, DefaultSeed.ProdAccountId);
        var outsider = Client(server, DefaultSeed.PartnerAccountId);

        var described = await member.CallAsync("DescribeOrganization");
        var listed = await member.CallAsync("ListAccounts");
        var policies = await member.CallAsync("ListPoliciesForTarget", new JsonObject { ["TargetId"] = DefaultSeed.ProdAccountId, ["Filter"] = "SERVICE_CONTROL_POLICY" });
        var outside = await outsider.CallAsync("DescribeOrganization");

        Assert.Equal(200, described.Status);
        Assert.Equal("AccessDeniedException", listed.ErrorType);
        Assert.Equal("AccessDeniedException", policies.ErrorType);
        Assert.Equal("AWSOrganizationsNotInUseException", outside.ErrorType);
    }

    [Fact]
    public async Task ListAccounts_DelegatedAdministrator_AllowedAndIamStillDecidesForItsUsers()
    {
        await using var server = await TestCloud.StartAsync(new LocalCloudOptions { Seed = SeedWithDelegatedAdministrator(DefaultSeed.ImagesAccountId) });
        var admin = Client(server, DefaultSeed.ImagesAccountId);
        var reader = await KmsTestKit.UserAsync(server, DefaultSeed.ImagesAccountId, "org-reader", KmsTestKit.Allow("organizations:ListAccounts"));
        var readerClient = Client(server, reader.GetCredentials().AccessKey, reader.GetCredentials().SecretKey);

        var listed = await admin.CallAsync("ListAccounts");
        var policy = await admin.CallAsync("DescribePolicy", new JsonObject { ["PolicyId"] = "p-FullAWSAccess" });
        var byReader = await readerClient.CallAsync("ListAccounts");
        var roots = await readerClient.CallAsync("ListRoots");

        Assert.Equal(200, listed.Status);
        Assert.Equal(200, policy.Status);
        Assert.Equal(200, byReader.Status);
        Assert.Equal("AccessDeniedException", roots.ErrorType);
        Assert.Contains("organizations:ListRoots", roots.Body["message"]?.GetValue<string>() ?? roots.Raw, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreateAttachDetach_DenyScpOnProdUnit_EnforcedThenLifted()
    {
        await using var server = await TestCloud.StartAsync();
        var org = Client(server, DefaultSeed.ManagementAccountId);
        using var prod = KmsTestKit.Client(server, DefaultSeed.ProdAccountId);

        var policyId = await CreatePolicyAsync(org, "NoNewKeys", DenyKeyCreation);
        await OkAsync(org, "AttachPolicy", Attachment(policyId, DefaultSeed.ProdUnitId));
        var twice = await org.CallAsync("AttachPolicy", Attachment(policyId, DefaultSeed.ProdUnitId));
        var attached = await OkAsync(org, "ListPoliciesForTarget", new JsonObject { ["TargetId"] = DefaultSeed.ProdUnitId, ["Filter"] = "SERVICE_CONTROL_POLICY" });
        var denied = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() => KmsTestKit.CreateKeyAsync(prod));
        await OkAsync(org, "DetachPolicy", Attachment(policyId, DefaultSeed.ProdUnitId));
        var key = await KmsTestKit.CreateKeyAsync(prod);
        var described = await OkAsync(org, "DescribePolicy", new JsonObject { ["PolicyId"] = policyId });

        Assert.Equal("DuplicatePolicyAttachmentException", twice.ErrorType);
        Assert.Equal(new[] { "p-FullAWSAccess", policyId }.Order(StringComparer.Ordinal), Ids(attached.Body["Policies"]).Order(StringComparer.Ordinal));
        Assert.Contains("explicit deny in a service control policy (scp:NoNewKeys:NoNewKeys)", denied.Message, StringComparison.Ordinal);
        Assert.Equal(DefaultSeed.ProdAccountId, key.AWSAccountId);
        Assert.Equal(DenyKeyCreation, described.Body["Policy"]!["Content"]!.GetValue<string>());
    }

    [Fact]
    public async Task PolicyChanges_BrokenRules_RefusedWithOrganizationsErrors()
    {
        await using var server = await TestCloud.StartAsync();
        var org = Client(server, DefaultSeed.ManagementAccountId);
        var allowingRcp = """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*"}]}""";

        var lastScp = await org.CallAsync("DetachPolicy", Attachment("p-FullAWSAccess", DefaultSeed.DevAccountId));
        var rcpFull = await org.CallAsync("DetachPolicy", Attachment("p-RCPFullAWSAccess", DefaultSeed.DevAccountId));
        var malformed = await org.CallAsync("CreatePolicy", new JsonObject { ["Name"] = "x", ["Content"] = "{not json", ["Type"] = "SERVICE_CONTROL_POLICY" });
        var rcpAllow = await org.CallAsync("CreatePolicy", new JsonObject { ["Name"] = "y", ["Content"] = allowingRcp, ["Type"] = "RESOURCE_CONTROL_POLICY" });
        await CreatePolicyAsync(org, "Once", DenyKeyCreation);
        var duplicate = await org.CallAsync("CreatePolicy", new JsonObject { ["Name"] = "Once", ["Content"] = DenyKeyCreation, ["Type"] = "SERVICE_CONTROL_POLICY" });
        var unknownTarget = await org.CallAsync("AttachPolicy", Attachment("p-FullAWSAccess", DefaultSeed.PartnerAccountId));
        var unknownPolicy = await org.CallAsync("DescribePolicy", new JsonObject { ["PolicyId"] = "p-doesnotexist" });

        Assert.Equal("ConstraintViolationException", lastScp.ErrorType);
        Assert.Equal("ConstraintViolationException", rcpFull.ErrorType);
        Assert.Equal("MalformedPolicyDocumentException", malformed.ErrorType);
        Assert.Equal("MalformedPolicyDocumentException", rcpAllow.ErrorType);
        Assert.Equal("DuplicatePolicyException", duplicate.ErrorType);
        Assert.Equal("TargetNotFoundException", unknownTarget.ErrorType);
        Assert.Equal("PolicyNotFoundException", unknownPolicy.ErrorType);
    }

    [Fact]
    public async Task AllowList_FullAwsAccessSwappedForKmsOnlyScp_OnlyKmsWorksInTheAccount()
    {
        await using var server = await TestCloud.StartAsync();
        var org = Client(server, DefaultSeed.ManagementAccountId);
        using var dev = KmsTestKit.Client(server, DefaultSeed.DevAccountId);
        var kmsOnly = await CreatePolicyAsync(org, "KmsOnly", """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:*","Resource":"*"}]}""");

        await OkAsync(org, "AttachPolicy", Attachment(kmsOnly, DefaultSeed.DevAccountId));
        await OkAsync(org, "DetachPolicy", Attachment("p-FullAWSAccess", DefaultSeed.DevAccountId));
        var key = await KmsTestKit.CreateKeyAsync(dev);
        var sts = await Client(server, DefaultSeed.DevAccountId).CallAsync("DescribeOrganization");

        Assert.Equal(DefaultSeed.DevAccountId, key.AWSAccountId);
        Assert.Equal("AccessDeniedException", sts.ErrorType);
        Assert.Contains("no service control policy allows the organizations:DescribeOrganization action", sts.Raw, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AttachedPolicy_RestartWithSameDataFile_StillEnforced()
    {
        var directory = Directory.CreateTempSubdirectory("amishare-org-");
        try
        {
            var dataFile = Path.Combine(directory.FullName, "cloud.db");
            string policyId;
            await using (var first = await TestCloud.StartAsync(dataFile: dataFile))
            {
                var org = Client(first, DefaultSeed.ManagementAccountId);
                policyId = await CreatePolicyAsync(org, "NoNewKeys", DenyKeyCreation);
                await OkAsync(org, "AttachPolicy", Attachment(policyId, DefaultSeed.DevAccountId));
            }

            await using var second = await TestCloud.StartAsync(dataFile: dataFile);
            using var dev = KmsTestKit.Client(second, DefaultSeed.DevAccountId);
            var denied = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() => KmsTestKit.CreateKeyAsync(dev));
            var listed = await OkAsync(Client(second, DefaultSeed.ManagementAccountId), "ListPolicies", new JsonObject { ["Filter"] = "SERVICE_CONTROL_POLICY" });

            Assert.Equal("AccessDeniedException", denied.ErrorCode);
            Assert.Contains(policyId, Ids(listed.Body["Policies"]));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private static List<string> Ids(JsonNode? list) => [.. list!.AsArray().Select(item => item!["Id"]!.GetValue<string>())];
}
