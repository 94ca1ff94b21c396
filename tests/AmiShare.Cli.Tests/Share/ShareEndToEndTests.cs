using System.Text.Json.Nodes;
using AmiShare.Cli.Infrastructure;
using static AmiShare.Cli.Tests.Share.ShareScenario;

namespace AmiShare.Cli.Tests.Share;

/// <summary>The share workflow through the CLI, the AWS SDK adapter and LocalCloud's enforcement, end to end.</summary>
public sealed class ShareEndToEndTests
{
    [Fact]
    public async Task Share_AccountTarget_AppliesThenSecondRunPlansNothing()
    {
        await using var cloud = await StartAsync();
        var key = await cloud.CreateKeyAsync(Images, "alias/golden");
        var (image, _) = await cloud.CreateImageAsync(Images, "golden-1", key);

        var (first, json) = cloud.RunJson(Images, "share", image, "--with", Prod, "--yes");

        Assert.Equal(ExitCodes.Success, first.ExitCode);
        Assert.Equal("applied", (string?)json["mode"]);
        Assert.Equal([Prod], await cloud.LaunchPermissionsAsync(Images, image));
        var policy = await cloud.KeyPolicyAsync(Images, key);
        Assert.Contains("AmiShareUseUsEast1", policy, StringComparison.Ordinal);
        Assert.Contains($"arn:aws:iam::{Prod}:root", policy, StringComparison.Ordinal);
        Assert.All(json["keyChecks"]!.AsArray(), c => Assert.True((bool)c!["passed"]!));

        var (second, again) = cloud.RunJson(Images, "share", image, "--with", Prod, "--yes");

        Assert.Equal(ExitCodes.Success, second.ExitCode);
        Assert.Equal("nothing-to-do", (string?)again["mode"]);
        Assert.DoesNotContain(Steps(again), s => (string?)s["status"] == "Pending");
        Assert.Equal(policy, await cloud.KeyPolicyAsync(Images, key));
    }

    [Fact]
    public async Task Share_ByExactName_ResolvesTheImage()
    {
        await using var cloud = await StartAsync();
        var key = await cloud.CreateKeyAsync(Images);
        var (image, _) = await cloud.CreateImageAsync(Images, "golden-by-name", key);

        var outcome = cloud.Run(Images, "share", "golden-by-name", "--with", Prod, "--yes");

        Assert.Equal(ExitCodes.Success, outcome.ExitCode);
        Assert.Equal([Prod], await cloud.LaunchPermissionsAsync(Images, image));
    }

    [Theory]
    [InlineData(OrganizationArn, "aws:PrincipalOrgID")]
    [InlineData(ProdOuArn, "aws:PrincipalOrgPaths")]
    public async Task Share_OrganizationOrOuTarget_AdmitsThroughOrgCondition(string target, string conditionKey)
    {
        await using var cloud = await StartAsync();
        var key = await cloud.CreateKeyAsync(Images);
        var (image, _) = await cloud.CreateImageAsync(Images, "golden-org", key);

        var (outcome, json) = cloud.RunJson(Images, "share", image, "--with", target, "--yes");

        Assert.Equal(ExitCodes.Success, outcome.ExitCode);
        Assert.Equal([target], await cloud.LaunchPermissionsAsync(Images, image));
        var policy = await cloud.KeyPolicyAsync(Images, key);
        Assert.Contains(conditionKey, policy, StringComparison.Ordinal);
        Assert.Contains("\"Principal\":\"*\"", policy.Replace(" ", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);

        // Prod is in the organization and in the prod OU: its role passes verify through the org condition.
        await cloud.CreateRoleAsync(Prod, Images, ("launch", EmittedIamPolicy(json)));
        var verify = cloud.Run(Images, "verify", image, "--target-role-arn", LauncherArn(Prod));
        Assert.True(verify.ExitCode == ExitCodes.Success, verify.Console);
    }

    [Fact]
    public async Task Share_AwsEbsImage_RefusesWithFixThenSharesReencryptedCopy()
    {
        await using var cloud = await StartAsync();
        await cloud.CreateKeyAsync(Images, "alias/golden");
        var (image, snapshot) = await cloud.CreateImageAsync(Images, "golden-ebs", kmsKeyId: null);

        var refused = cloud.Run(Images, "share", image, "--with", Prod, "--yes");

        Assert.Equal(ExitCodes.CheckFailed, refused.ExitCode);
        Assert.Contains("alias/aws/ebs is AWS managed and cannot be shared; rerun with --reencrypt-key KEY", refused.Console, StringComparison.Ordinal);
        Assert.Empty(await cloud.LaunchPermissionsAsync(Images, image));

        var (shared, json) = cloud.RunJson(Images, "share", image, "--with", Prod, "--reencrypt-key", "alias/golden", "--yes");

        Assert.Equal(ExitCodes.Success, shared.ExitCode);
        var copy = Assert.Single(await cloud.ImagesAsync(Images), i => i.ImageId != image);
        Assert.Contains(copy.Tags, t => t.Key == "amishare:copy-of" && t.Value == image);
        Assert.Equal([Prod], await cloud.LaunchPermissionsAsync(Images, copy.ImageId));
        Assert.Empty(await cloud.LaunchPermissionsAsync(Images, image));
        Assert.Equal(await cloud.DigestAsync(snapshot), await cloud.DigestAsync(copy.BlockDeviceMappings[0].Ebs.SnapshotId));
        Assert.Contains(Steps(json), s => (string?)s["action"] == "CopyImageUnderCustomerKey" && (string?)s["resource"] == copy.ImageId);

        var (rerun, again) = cloud.RunJson(Images, "share", image, "--with", Prod, "--reencrypt-key", "alias/golden", "--yes");

        Assert.Equal(ExitCodes.Success, rerun.ExitCode);
        Assert.Equal("nothing-to-do", (string?)again["mode"]);
        Assert.Equal(2, (await cloud.ImagesAsync(Images)).Count);
    }

    [Fact]
    public async Task Share_AllowCopyToOrganization_RefusedWithAccountsAdvice()
    {
        await using var cloud = await StartAsync();
        var key = await cloud.CreateKeyAsync(Images);
        var (image, _) = await cloud.CreateImageAsync(Images, "golden-copy", key);

        var outcome = cloud.Run(Images, "share", image, "--with", OrganizationArn, "--allow-copy", "--yes");

        Assert.Equal(ExitCodes.CheckFailed, outcome.ExitCode);
        Assert.Contains("createVolumePermission takes only account ids", outcome.Console, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Share_DryRun_ChangesNothing()
    {
        await using var cloud = await StartAsync();
        var key = await cloud.CreateKeyAsync(Images);
        var (image, _) = await cloud.CreateImageAsync(Images, "golden-dry", key);
        var before = await cloud.KeyPolicyAsync(Images, key);

        var (outcome, json) = cloud.RunJson(Images, "share", image, "--with", Prod, "--dry-run");

        Assert.Equal(ExitCodes.Success, outcome.ExitCode);
        Assert.Equal("dry-run", (string?)json["mode"]);
        Assert.Equal(["schemaVersion", "mode", "sourceAccount"], json.AsObject().Select(p => p.Key).Take(3));
        Assert.Contains(Steps(json), s => (string?)s["status"] == "Pending");
        Assert.Empty(await cloud.LaunchPermissionsAsync(Images, image));
        Assert.Equal(before, await cloud.KeyPolicyAsync(Images, key));
    }

    [Fact]
    public async Task Share_WithoutYesAndNoTerminal_RefusesToApply()
    {
        await using var cloud = await StartAsync();
        var key = await cloud.CreateKeyAsync(Images);
        var (image, _) = await cloud.CreateImageAsync(Images, "golden-confirm", key);

        var outcome = cloud.Run(Images, "share", image, "--with", Prod);

        Assert.Equal(ExitCodes.InvalidInput, outcome.ExitCode);
        Assert.Contains("--yes", outcome.Console, StringComparison.Ordinal);
        Assert.Empty(await cloud.LaunchPermissionsAsync(Images, image));
    }

    [Theory]
    [InlineData("12345", "exactly 12")]
    [InlineData("o-amishare01", "bare organization id")]
    [InlineData("public", "Public sharing is refused")]
    public void Share_BadTarget_ExitsTwoWithFix(string target, string message)
    {
        var outcome = CliRunner.Run("share", "ami-0123456789abcdef0", "--with", target);

        Assert.Equal(ExitCodes.InvalidInput, outcome.ExitCode);
        Assert.Contains(message, outcome.Console, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unshare_RemovesShareAndLeavesForeignStatements()
    {
        await using var cloud = await StartAsync();
        var key = await cloud.CreateKeyAsync(Images);
        var (image, _) = await cloud.CreateImageAsync(Images, "golden-unshare", key);
        var foreign = (await cloud.KeyPolicyAsync(Images, key)).TrimEnd().TrimEnd('}').TrimEnd().TrimEnd(']')
            + $$""",{"Sid":"PartnerAudit","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::{{Partner}}:root"},"Action":"kms:DescribeKey","Resource":"*"}]}""";
        await cloud.PutKeyPolicyAsync(Images, key, foreign);
        Assert.Equal(ExitCodes.Success, cloud.Run(Images, "share", image, "--with", Prod, "--with", Dev, "--yes").ExitCode);

        var (outcome, json) = cloud.RunJson(Images, "unshare", image, "--from", Prod, "--yes");

        Assert.Equal(ExitCodes.Success, outcome.ExitCode);
        Assert.Equal([Dev], await cloud.LaunchPermissionsAsync(Images, image));
        var policy = await cloud.KeyPolicyAsync(Images, key);
        Assert.DoesNotContain($"arn:aws:iam::{Prod}:root", policy, StringComparison.Ordinal);
        Assert.Contains($"arn:aws:iam::{Dev}:root", policy, StringComparison.Ordinal);
        Assert.Contains("PartnerAudit", policy, StringComparison.Ordinal);
        Assert.All(json["keyChecks"]!.AsArray(), c => Assert.True((bool)c!["passed"]!));

        Assert.Equal(ExitCodes.Success, cloud.Run(Images, "unshare", image, "--from", Dev, "--yes").ExitCode);
        var last = await cloud.KeyPolicyAsync(Images, key);
        Assert.DoesNotContain("AmiShare", last, StringComparison.Ordinal);
        Assert.Contains("PartnerAudit", last, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Share_ConcurrentKeyPolicyEdit_IsMergedNotLost()
    {
        await using var cloud = await StartAsync();
        var key = await cloud.CreateKeyAsync(Images);
        var (image, _) = await cloud.CreateImageAsync(Images, "golden-race", key);
        var edited = false;
        cloud.Checkpoint = async (point, _) =>
        {
            if (!edited && point.Phase == Core.Execution.CheckpointPhase.BeforeCall && point.Step.Action == Core.Planning.PlanAction.PutKeyPolicy)
            {
                // Someone else edits the policy after AmiShare's discovery, before its write.
                edited = true;
                var current = await cloud.KeyPolicyAsync(Images, key);
                var theirs = current.TrimEnd().TrimEnd('}').TrimEnd().TrimEnd(']') + $$""",{"Sid":"SecurityTeam","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::{{Images}}:root"},"Action":"kms:ListGrants","Resource":"*"}]}""";
                await cloud.PutKeyPolicyAsync(Images, key, theirs);
            }
        };

        var outcome = cloud.Run(Images, "share", image, "--with", Prod, "--yes");

        Assert.True(edited);
        Assert.Equal(ExitCodes.Success, outcome.ExitCode);
        var policy = await cloud.KeyPolicyAsync(Images, key);
        Assert.Contains("SecurityTeam", policy, StringComparison.Ordinal);
        Assert.Contains("AmiShareUseUsEast1", policy, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Adopt_SharedImage_CopiesUnderTargetKeyWithEqualContent()
    {
        await using var cloud = await StartAsync();
        var key = await cloud.CreateKeyAsync(Images);
        var (image, snapshot) = await cloud.CreateImageAsync(Images, "golden-adopt", key);
        var (_, json) = cloud.RunJson(Images, "share", image, "--with", Prod, "--allow-copy", "--yes");
        var prodKey = await cloud.CreateKeyAsync(Prod, "alias/prod-ebs");
        await cloud.CreateRoleAsync(
            Prod,
            Images,
            ("launch", EmittedIamPolicy(json)),
            ("own", $$"""{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["kms:*"],"Resource":"{{prodKey}}"},{"Effect":"Allow","Action":["ec2:CopyImage","ec2:CopySnapshot","ec2:CreateTags","ec2:DescribeImages"],"Resource":"*"}]}"""));

        var (outcome, adopted) = cloud.RunJson(Images, "adopt", image, "--key", "alias/prod-ebs", "--target-role-arn", LauncherArn(Prod));

        Assert.True(outcome.ExitCode == ExitCodes.Success, outcome.Console);
        Assert.Equal(prodKey, (string?)adopted["keyArn"]);
        var copy = (string)adopted["snapshotIds"]![0]!;
        Assert.Equal(await cloud.DigestAsync(snapshot), await cloud.DigestAsync(copy));
        Assert.Contains(await cloud.ImagesAsync(Prod), i => i.ImageId == (string?)adopted["imageId"]);
    }

    [Fact]
    public async Task Adopt_ImageNotSharedWithTarget_IsRefusedWithExit1AndTheFix()
    {
        await using var cloud = await StartAsync();
        var key = await cloud.CreateKeyAsync(Images);
        var (image, _) = await cloud.CreateImageAsync(Images, "golden-unshared", key);
        await cloud.CreateKeyAsync(Prod, "alias/prod-ebs");
        await cloud.CreateRoleAsync(Prod, Images, ("read", """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ec2:DescribeImages"],"Resource":"*"}]}"""));

        var outcome = cloud.Run(Images, "adopt", image, "--key", "alias/prod-ebs", "--target-role-arn", LauncherArn(Prod));

        Assert.True(outcome.ExitCode == ExitCodes.CheckFailed, outcome.Console);
        Assert.Contains("not visible", outcome.Console, StringComparison.Ordinal);
        Assert.Contains("fix:", outcome.Console, StringComparison.Ordinal);
        Assert.DoesNotContain("InvalidAMIID", outcome.Console, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Share_AsgWithTargetRole_CreatesTheGrantFromTheTargetAndVerifyPasses()
    {
        await using var cloud = await StartAsync();
        var key = await cloud.CreateKeyAsync(Images);
        var (image, _) = await cloud.CreateImageAsync(Images, "golden-asg", key);
        var (_, plan) = cloud.RunJson(Images, "share", image, "--with", Prod, "--asg", "--dry-run");
        await cloud.CreateRoleAsync(Prod, Images, ("launch", EmittedIamPolicy(plan)));

        var (outcome, json) = cloud.RunJson(Images, "share", image, "--with", Prod, "--asg", "--target-role-arn", LauncherArn(Prod), "--yes");

        Assert.True(outcome.ExitCode == ExitCodes.Success, outcome.Out + outcome.Console);
        var grant = Assert.Single(Steps(json), s => (string?)s["action"] == "CreateAsgGrant");
        Assert.Equal("Applied", (string?)grant["status"]);
        var grants = await cloud.Kms(Images).ListGrantsAsync(new Amazon.KeyManagementService.Model.ListGrantsRequest { KeyId = key }, Deadline);
        Assert.Contains(grants.Grants, g => g.GranteePrincipal.EndsWith("AWSServiceRoleForAutoScaling", StringComparison.Ordinal) && g.IssuingAccount.Contains(Prod, StringComparison.Ordinal));
        var verify = cloud.Run(Images, "verify", image, "--target-role-arn", LauncherArn(Prod), "--asg");
        Assert.True(verify.ExitCode == ExitCodes.Success, verify.Console);

        // Unshare takes the grant back along with the rest.
        Assert.Equal(ExitCodes.Success, cloud.Run(Images, "unshare", image, "--from", Prod, "--yes").ExitCode);
        var after = await cloud.Kms(Images).ListGrantsAsync(new Amazon.KeyManagementService.Model.ListGrantsRequest { KeyId = key }, Deadline);
        Assert.DoesNotContain(after.Grants ?? [], g => g.GranteePrincipal.EndsWith("AWSServiceRoleForAutoScaling", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Share_AsgWithoutTargetCredentials_PrintsTheCommandForTheTarget()
    {
        await using var cloud = await StartAsync();
        var key = await cloud.CreateKeyAsync(Images);
        var (image, _) = await cloud.CreateImageAsync(Images, "golden-asg-cmd", key);

        var (outcome, json) = cloud.RunJson(Images, "share", image, "--with", Prod, "--asg", "--yes");

        Assert.Equal(ExitCodes.Success, outcome.ExitCode);
        var grant = Assert.Single(Steps(json), s => (string?)s["action"] == "CreateAsgGrant");
        Assert.Equal("ActionRequired", (string?)grant["status"]);
        Assert.Contains("aws kms create-grant", (string?)grant["outcome"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Share_WithPrincipal_NamesTheRoleNotTheAccountRoot()
    {
        await using var cloud = await StartAsync();
        var key = await cloud.CreateKeyAsync(Images);
        var (image, _) = await cloud.CreateImageAsync(Images, "golden-principal", key);
        var (_, plan) = cloud.RunJson(Images, "share", image, "--with", Prod, "--dry-run");
        await cloud.CreateRoleAsync(Prod, Images, ("launch", EmittedIamPolicy(plan)));

        var outcome = cloud.Run(Images, "share", image, "--with", Prod, "--principal", LauncherArn(Prod), "--yes");

        Assert.Equal(ExitCodes.Success, outcome.ExitCode);
        var policy = await cloud.KeyPolicyAsync(Images, key);
        Assert.Contains(LauncherArn(Prod), policy, StringComparison.Ordinal);
        Assert.DoesNotContain($"arn:aws:iam::{Prod}:root", policy, StringComparison.Ordinal);
        var verify = cloud.Run(Images, "verify", image, "--target-role-arn", LauncherArn(Prod));
        Assert.True(verify.ExitCode == ExitCodes.Success, verify.Console);
    }
}
