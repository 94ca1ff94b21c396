using Amazon.KeyManagementService.Model;
using AmiShare.Aws.Tests.Support;
using AmiShare.Core.Model;
using AmiShare.Core.Ports;
using static AmiShare.Aws.Tests.Support.AwsTestCloud;

namespace AmiShare.Aws.Tests;

/// <summary>The KMS and IAM half of <see cref="ICloudAccount"/> against LocalCloud: allowed and denied cases.</summary>
public sealed class KmsIamPortTests
{
    [Fact]
    public async Task DescribeKeyAsync_ByArnAliasAndAwsManaged_Described()
    {
        await using var cloud = await StartAsync();
        await using var images = await cloud.AccountAsync(Images);
        var key = await cloud.CreateKeyAsync(Images);
        await cloud.Kms(Images).CreateAliasAsync(new CreateAliasRequest { AliasName = "alias/share", TargetKeyId = key.KeyId }, Deadline);

        var byArn = Assert.IsType<KeyDescription>(await images.DescribeKeyAsync(Region, key.Arn, Deadline));
        var byAlias = Assert.IsType<KeyDescription>(await images.DescribeKeyAsync(Region, "alias/share", Deadline));
        var ebs = Assert.IsType<KeyDescription>(await images.DescribeKeyAsync(Region, "alias/aws/ebs", Deadline));

        Assert.Equal((key.Arn, key.KeyId, KeyManager.Customer, KeyStatus.Enabled), (byArn.Arn, byArn.KeyId, byArn.Manager, byArn.State));
        Assert.Empty(byArn.MultiRegionArns);
        Assert.Equal(key.Arn, byAlias.Arn);
        Assert.Equal(KeyManager.Aws, ebs.Manager);
    }

    [Fact]
    public async Task DescribeKeyAsync_CrossAccountAllowedOrNot_DescribedOrAccessDenied()
    {
        await using var cloud = await StartAsync();
        await using var prod = await cloud.AccountAsync(Prod);
        await using var dev = await cloud.AccountAsync(Dev);
        var key = await cloud.CreateKeyAsync(Images, Prod);
        await dev.GetCallerIdentityAsync(Deadline);

        var described = Assert.IsType<KeyDescription>(await prod.DescribeKeyAsync(Region, key.Arn, Deadline));
        var error = await Assert.ThrowsAsync<CloudOperationException>(() => dev.DescribeKeyAsync(Region, key.Arn, Deadline));

        Assert.Equal(key.Arn, described.Arn);
        Assert.Equal(CloudErrorKind.AccessDenied, error.Kind);
        Assert.Contains("key policy in account 111111111111", error.Fix, StringComparison.Ordinal);
        Assert.Contains("account 333333333333", error.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DescribeKeyAsync_UnknownKeyOrAlias_Null()
    {
        await using var cloud = await StartAsync();
        await using var images = await cloud.AccountAsync(Images);

        var byArn = await images.DescribeKeyAsync(Region, "arn:aws:kms:us-east-1:111111111111:key/00000000-0000-0000-0000-000000000000", Deadline);
        var byAlias = await images.DescribeKeyAsync(Region, "alias/no-such-key", Deadline);

        Assert.Null(byArn);
        Assert.Null(byAlias);
    }

    [Fact]
    public async Task KeyPolicy_PutThenGet_RoundTripsAndTargetCannotRead()
    {
        await using var cloud = await StartAsync();
        await using var images = await cloud.AccountAsync(Images);
        await using var prod = await cloud.AccountAsync(Prod);
        var key = await cloud.CreateKeyAsync(Images, Prod);
        var policy = """{"Version":"2012-10-17","Statement":[{"Sid":"Owner","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"kms:*","Resource":"*"},{"Sid":"AmiShareProd","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::222222222222:root"},"Action":"kms:DescribeKey","Resource":"*"}]}""";
        await prod.GetCallerIdentityAsync(Deadline);

        await images.PutKeyPolicyAsync(key.Arn, policy, Deadline);
        var read = await images.GetKeyPolicyAsync(key.Arn, Deadline);
        var error = await Assert.ThrowsAsync<CloudOperationException>(() => prod.GetKeyPolicyAsync(key.Arn, Deadline));

        Assert.Contains("AmiShareProd", read, StringComparison.Ordinal);
        Assert.Equal((CloudErrorKind.AccessDenied, "GetKeyPolicy"), (error.Kind, error.Operation));
        Assert.Contains("key's own account", error.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PutKeyPolicyAsync_MalformedPolicy_InvalidRequest()
    {
        await using var cloud = await StartAsync();
        await using var images = await cloud.AccountAsync(Images);
        var key = await cloud.CreateKeyAsync(Images);

        var error = await Assert.ThrowsAsync<CloudOperationException>(() => images.PutKeyPolicyAsync(key.Arn, "{not json", Deadline));

        Assert.Equal((CloudErrorKind.InvalidRequest, "MalformedPolicyDocumentException"), (error.Kind, error.Code));
    }

    [Fact]
    public async Task Grants_CreateListPagedRevoke_RoundTrip()
    {
        await using var cloud = await StartAsync(DefaultSettings() with { PageSize = 1 });
        await using var images = await cloud.AccountAsync(Images);
        var key = await cloud.CreateKeyAsync(Images);
        var grantee = "arn:aws:iam::222222222222:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling";

        var first = await images.CreateGrantAsync(key.Arn, grantee, ["Decrypt", "DescribeKey"], "amishare-asg-1", Deadline);
        var second = await images.CreateGrantAsync(key.Arn, grantee, ["CreateGrant"], "amishare-asg-2", Deadline);
        var listed = await images.ListGrantsAsync(key.Arn, Deadline);
        await images.RevokeGrantAsync(key.Arn, first, Deadline);
        var after = await images.ListGrantsAsync(key.Arn, Deadline);

        Assert.Equal(new[] { first, second }.Order(StringComparer.Ordinal), listed.Select(g => g.GrantId).Order(StringComparer.Ordinal));
        Assert.Contains(listed, g => g.GrantId == first && g.GranteePrincipal == grantee && g.Operations.SequenceEqual(["Decrypt", "DescribeKey"]));
        Assert.Equal(second, Assert.Single(after).GrantId);
        Assert.True(cloud.Counter.CountOf("kms:ListGrants") >= 3, "two grants in pages of one take at least two calls, plus one after revoking");
    }

    [Fact]
    public async Task CreateGrantAsync_TargetWithoutKeyPolicy_AccessDenied()
    {
        await using var cloud = await StartAsync();
        await using var dev = await cloud.AccountAsync(Dev);
        var key = await cloud.CreateKeyAsync(Images);

        var error = await Assert.ThrowsAsync<CloudOperationException>(() => dev.CreateGrantAsync(key.Arn, "arn:aws:iam::333333333333:root", ["Decrypt"], "x", Deadline));

        Assert.Equal(CloudErrorKind.AccessDenied, error.Kind);
        Assert.Contains("kms:CreateGrant", error.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ListAliasesAsync_SmallPages_AllAliases()
    {
        await using var cloud = await StartAsync(DefaultSettings() with { PageSize = 1 });
        await using var images = await cloud.AccountAsync(Images);
        var key = await cloud.CreateKeyAsync(Images);
        foreach (var name in new[] { "alias/a", "alias/b", "alias/c" })
        {
            await cloud.Kms(Images).CreateAliasAsync(new CreateAliasRequest { AliasName = name, TargetKeyId = key.KeyId }, Deadline);
        }

        var aliases = await images.ListAliasesAsync(Region, Deadline);

        Assert.Superset(new HashSet<string> { "alias/a", "alias/b", "alias/c" }, aliases.Select(a => a.AliasName).ToHashSet());
        Assert.All(aliases.Where(a => a.AliasName is "alias/a" or "alias/b" or "alias/c"), a => Assert.Equal(key.KeyId, a.TargetKeyId));
        Assert.Equal(aliases.Count, cloud.Counter.CountOf("kms:ListAliases"));
    }

    [Fact]
    public async Task GenerateDataKeyWithoutPlaintextDryRunAsync_AllowedOrNot_CompletesOrAccessDenied()
    {
        await using var cloud = await StartAsync();
        await using var prod = await cloud.AccountAsync(Prod);
        await using var dev = await cloud.AccountAsync(Dev);
        var key = await cloud.CreateKeyAsync(Images, Prod);

        await prod.GenerateDataKeyWithoutPlaintextDryRunAsync(key.Arn, Deadline);
        var error = await Assert.ThrowsAsync<CloudOperationException>(() => dev.GenerateDataKeyWithoutPlaintextDryRunAsync(key.Arn, Deadline));

        Assert.Equal(CloudErrorKind.AccessDenied, error.Kind);
        Assert.Equal(2, cloud.Counter.CountOf("kms:GenerateDataKeyWithoutPlaintext"));
    }

    [Fact]
    public async Task DisabledKey_DescribeAndUse_StateDisabledAndInvalidState()
    {
        await using var cloud = await StartAsync();
        await using var images = await cloud.AccountAsync(Images);
        var key = await cloud.CreateKeyAsync(Images);
        await cloud.Kms(Images).DisableKeyAsync(new DisableKeyRequest { KeyId = key.KeyId }, Deadline);

        var described = Assert.IsType<KeyDescription>(await images.DescribeKeyAsync(Region, key.Arn, Deadline));
        var error = await Assert.ThrowsAsync<CloudOperationException>(() => images.GenerateDataKeyWithoutPlaintextDryRunAsync(key.Arn, Deadline));

        Assert.Equal(KeyStatus.Disabled, described.State);
        Assert.Equal((CloudErrorKind.InvalidState, "DisabledException"), (error.Kind, error.Code));
        Assert.Contains("enable-key", error.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SimulatePrincipalPolicyAsync_UserPolicy_AllowedAndImplicitDeny()
    {
        await using var cloud = await StartAsync();
        await using var prod = await cloud.AccountAsync(Prod);
        await prod.CallIamAsync("CreateUser", [new("UserName", "launcher")], Deadline);
        await prod.CallIamAsync("PutUserPolicy", [new("UserName", "launcher"), new("PolicyName", "describe"), new("PolicyDocument", """{"Version":"2012-10-17","Statement":[{"Sid":"Describe","Effect":"Allow","Action":"ec2:Describe*","Resource":"*","Condition":{"StringEquals":{"aws:RequestedRegion":"us-east-1"}}}]}""")], Deadline);

        var decisions = await prod.SimulatePrincipalPolicyAsync(
            "arn:aws:iam::222222222222:user/launcher",
            ["ec2:DescribeImages", "kms:Decrypt"],
            "*",
            new Dictionary<string, string> { ["aws:RequestedRegion"] = "us-east-1" },
            Deadline);

        Assert.Equal([("ec2:DescribeImages", true), ("kms:Decrypt", false)], decisions.Select(d => (d.Action, d.IsAllowed)));
        Assert.Equal(SimulationDecision.ImplicitDeny, decisions[1].Decision);
        Assert.NotEmpty(decisions[0].MatchedStatements);
    }

    [Fact]
    public async Task SimulatePrincipalPolicyAsync_PrincipalOfAnotherAccount_MappedError()
    {
        await using var cloud = await StartAsync();
        await using var prod = await cloud.AccountAsync(Prod);

        var error = await Assert.ThrowsAsync<CloudOperationException>(() => prod.SimulatePrincipalPolicyAsync("arn:aws:iam::111111111111:user/nobody", ["ec2:DescribeImages"], "*", new Dictionary<string, string>(), Deadline));

        Assert.Equal("SimulatePrincipalPolicy", error.Operation);
        Assert.NotEqual(CloudErrorKind.Service, error.Kind);
    }
}
