using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using AmiShare.Core.Audit;
using AmiShare.Core.Ports;
using static AmiShare.Aws.Tests.Support.AwsTestCloud;

namespace AmiShare.Aws.Tests;

/// <summary><see cref="IAuditReads"/> over the adapter against LocalCloud: pages, shapes, and refusals that mean "unknown".</summary>
public sealed class AuditReadsTests
{
    private const string Allow = """{"Version":"2012-10-17","Statement":[{"Sid":"Describe","Effect":"Allow","Action":"ec2:Describe*","Resource":"*"}]}""";

    [Fact]
    public async Task GetPrincipalPoliciesAsync_RoleWithInlineManagedAndBoundary_ReadsAllThree()
    {
        await using var cloud = await StartAsync();
        await using var prod = await cloud.AccountAsync(Prod);
        var managed = (await prod.CallIamAsync("CreatePolicy", [new("PolicyName", "Managed"), new("PolicyDocument", Allow)], Deadline)).Element("Policy")!.Element("Arn")!.Value;
        var trust = $$"""{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::{{Prod}}:root"},"Action":"sts:AssumeRole"}]}""";
        await prod.CallIamAsync("CreateRole", [new("RoleName", "Launcher"), new("AssumeRolePolicyDocument", trust), new("PermissionsBoundary", managed)], Deadline);
        await prod.CallIamAsync("PutRolePolicy", [new("RoleName", "Launcher"), new("PolicyName", "inline"), new("PolicyDocument", Allow)], Deadline);
        await prod.CallIamAsync("AttachRolePolicy", [new("RoleName", "Launcher"), new("PolicyArn", managed)], Deadline);

        var identity = await prod.GetPrincipalPoliciesAsync($"arn:aws:sts::{Prod}:assumed-role/Launcher/session", Deadline);

        Assert.Equal(["inline", managed], identity.Policies.Select(p => p.Name));
        Assert.All(identity.Policies, p => Assert.Contains("ec2:Describe*", p.Json, StringComparison.Ordinal));
        Assert.Equal(managed, identity.PermissionsBoundary?.Name);
        Assert.Empty((await prod.GetPrincipalPoliciesAsync($"arn:aws:iam::{Prod}:root", Deadline)).Policies);
    }

    [Fact]
    public async Task ListKeyArnsAndGrants_SmallPages_AllPagesRead()
    {
        var settings = DefaultSettings() with { PageSize = 1 };
        await using var cloud = await StartAsync(settings);
        await using var images = await cloud.AccountAsync(Images);
        var first = await cloud.CreateKeyAsync(Images);
        var second = await cloud.CreateKeyAsync(Images);
        var kms = cloud.Kms(Images);
        foreach (var grantee in new[] { Prod, Dev })
        {
            await kms.CreateGrantAsync(new CreateGrantRequest
            {
                KeyId = first.Arn,
                GranteePrincipal = $"arn:aws:iam::{grantee}:root",
                Operations = [GrantOperation.Decrypt],
                Constraints = new Amazon.KeyManagementService.Model.GrantConstraints { EncryptionContextSubset = new() { ["aws:ebs:id"] = "vol-1" } },
            }, Deadline);
        }

        var keys = await images.ListKeyArnsAsync(Region, Deadline);
        var grants = await images.ListGrantDetailsAsync(first.Arn, Deadline);

        Assert.Contains(first.Arn, keys);
        Assert.Contains(second.Arn, keys);
        Assert.Equal(2, grants.Length);
        Assert.All(grants, g => Assert.Equal("vol-1", g.Constraints?.EncryptionContextSubset?["aws:ebs:id"]));
        Assert.True(cloud.Counter.CountOf("kms:ListGrants") >= 2);
    }

    [Fact]
    public async Task LookupEventsAsync_NarrowedBySource_OnlyThatSourceAcrossPages()
    {
        var settings = DefaultSettings() with { PageSize = 1 };
        await using var cloud = await StartAsync(settings);
        await using var images = await cloud.AccountAsync(Images);
        await cloud.CreateKeyAsync(Images);
        await cloud.CreateKeyAsync(Images);

        var records = new List<TrailEvent>();
        await foreach (var record in images.LookupEventsAsync(Region, DateTimeOffset.UtcNow.AddHours(-1), TrailLookup.EventSource("kms.amazonaws.com"), Deadline))
        {
            records.Add(TrailRecordReader.Read(record)!);
        }

        Assert.True(records.Count >= 2);
        Assert.All(records, r => Assert.Equal("kms.amazonaws.com", r.EventSource));
        Assert.True(cloud.Counter.CountOf("cloudtrail:LookupEvents") >= records.Count, "one event a page means one call per event");
    }

    [Fact]
    public async Task GuardrailSettings_Served_ReadAsTheAccountHasThem()
    {
        await using var cloud = await StartAsync();
        await using var images = await cloud.AccountAsync(Images);

        var settings = await images.GetPublicAccessSettingsAsync(Region, Deadline);
        var allowed = await images.GetAllowedImagesSettingsAsync(Region, Deadline);

        Assert.Equal(("unblocked", "unblocked"), (settings.ImageState, settings.SnapshotState));
        Assert.Equal("disabled", allowed.State);
    }

    [Fact]
    public async Task DescribeAccountOrganizationAsync_ManagementVersusMember_MembersOnlyWhereOrganizationsLetsThemBeListed()
    {
        await using var cloud = await StartAsync();
        await using var management = await cloud.AccountAsync(Management);
        await using var images = await cloud.AccountAsync(Images);
        await using var partner = await cloud.AccountAsync(Partner);

        var byManagement = await management.DescribeAccountOrganizationAsync(Prod, Deadline);
        var byMember = await images.DescribeAccountOrganizationAsync(Images, Deadline);
        var outside = await partner.DescribeAccountOrganizationAsync(Partner, Deadline);

        Assert.Equal("o-amishare01/r-ams1/ou-ams1-wrkloads/ou-ams1-prodacct/", Assert.Single(byManagement!.OrgPaths));
        Assert.Equal([Management, Images, Prod, Dev], byManagement.MemberAccounts.AsEnumerable());
        Assert.Equal("o-amishare01", byMember!.OrganizationId);
        Assert.Empty(byMember.OrgPaths);
        Assert.True(byMember.MemberAccounts.IsDefault, "a member may not list the accounts: unknown, not empty");
        Assert.Null(outside);
    }
}
