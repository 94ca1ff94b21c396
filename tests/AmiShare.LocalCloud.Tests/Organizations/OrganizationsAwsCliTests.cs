using System.Text.Json;
using AmiShare.LocalCloud.Seed;
using AmiShare.LocalCloud.Tests.Support;

namespace AmiShare.LocalCloud.Tests.Organizations;

/// <summary>The real AWS CLI against LocalCloud's Organizations: allowed from the management account, denied from a member.</summary>
public sealed class OrganizationsAwsCliTests
{
    [AwsCliFact]
    public async Task AwsCli_ListAccountsAndAttachPolicy_ManagementAllowedMemberDenied()
    {
        await using var server = await TestCloud.StartAsync();
        var management = server.Account(DefaultSeed.ManagementAccountId);
        var member = server.Account(DefaultSeed.ProdAccountId);
        var scp = """{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"ec2:DeleteSnapshot","Resource":"*"}]}""";

        var listed = await AwsCliTests.RunAwsAsync(server, management.RootAccessKeyId, management.RootSecretAccessKey, "organizations", "list-accounts", "--output", "json");
        var created = await AwsCliTests.RunAwsAsync(server, management.RootAccessKeyId, management.RootSecretAccessKey,
            "organizations", "create-policy", "--name", "NoSnapshotDeletes", "--type", "SERVICE_CONTROL_POLICY", "--description", "cli", "--content", scp, "--output", "json");
        Assert.True(created.ExitCode == 0, created.Stderr);
        var policyId = JsonDocument.Parse(created.Stdout).RootElement.GetProperty("Policy").GetProperty("PolicySummary").GetProperty("Id").GetString()!;
        var attached = await AwsCliTests.RunAwsAsync(server, management.RootAccessKeyId, management.RootSecretAccessKey,
            "organizations", "attach-policy", "--policy-id", policyId, "--target-id", DefaultSeed.ProdAccountId);
        var forTarget = await AwsCliTests.RunAwsAsync(server, management.RootAccessKeyId, management.RootSecretAccessKey,
            "organizations", "list-policies-for-target", "--target-id", DefaultSeed.ProdAccountId, "--filter", "SERVICE_CONTROL_POLICY", "--output", "json");
        var denied = await AwsCliTests.RunAwsAsync(server, member.RootAccessKeyId, member.RootSecretAccessKey, "organizations", "list-accounts", "--output", "json");
        var described = await AwsCliTests.RunAwsAsync(server, member.RootAccessKeyId, member.RootSecretAccessKey, "organizations", "describe-organization", "--output", "json");

        Assert.True(listed.ExitCode == 0, listed.Stderr);
        Assert.Equal(4, JsonDocument.Parse(listed.Stdout).RootElement.GetProperty("Accounts").GetArrayLength());
        Assert.True(attached.ExitCode == 0, attached.Stderr);
        Assert.Contains(policyId, forTarget.Stdout, StringComparison.Ordinal);
        Assert.NotEqual(0, denied.ExitCode);
        Assert.Contains("AccessDeniedException", denied.Stderr, StringComparison.Ordinal);
        Assert.True(described.ExitCode == 0, described.Stderr);
        Assert.Contains(DefaultSeed.OrganizationId, described.Stdout, StringComparison.Ordinal);
    }
}
