using AmiShare.Core.Doctor;
using AmiShare.Core.Model;
using AmiShare.Core.Ports;
using AmiShare.Core.Workflow;
using static AmiShare.Core.Tests.Doctor.DoctorScenario;
using static AmiShare.Core.Tests.Fixtures;

namespace AmiShare.Core.Tests.Doctor;

public sealed class DoctorRulesTests
{
    private const string DenyDecrypt = """
        {"Version":"2012-10-17","Statement":[{"Sid":"NoForeignKeys","Effect":"Deny","Action":"kms:Decrypt","NotResource":"arn:aws:kms:*:222222222222:key/*"}]}
        """;

    private const string DenyLaunch = """
        {"Version":"2012-10-17","Statement":[{"Sid":"NoLaunch","Effect":"Deny","Action":"ec2:RunInstances","Resource":"*"}]}
        """;

    private const string DenyGrantScp = """
        {"Version":"2012-10-17","Statement":[{"Sid":"NoGrants","Effect":"Deny","Action":"kms:CreateGrant","Resource":"*"}]}
        """;

    private static readonly string RootOnlyPolicy = DefaultPolicy;

    /// <summary>Each planted fault: how to plant it in the clean share, and what doctor must say about it.</summary>
    private static DoctorFacts Plant(string fault) => fault switch
    {
        "not shared" => Clean().WithImage(i => i with { LaunchPermissions = new LaunchPermissionList([], false) }),
        "shared with another account" => Clean().WithImage(i => i with { LaunchPermissions = new LaunchPermissionList(Targets(TargetB), false) }),
        "image disabled" => Clean().WithImage(i => i with { State = ImageAvailability.Disabled }),
        "image pending" => Clean().WithImage(i => i with { State = ImageAvailability.Pending }),
        "not a principal" => Clean().WithTarget(t => t with { PrincipalArn = "Launcher" }),
        "launch denied in target" => Clean().WithIdentity(new NamedPolicy("Guardrail", DenyLaunch)),
        "key policy lacks target" => Clean().WithKey(k => k with { PolicyJson = RootOnlyPolicy }),
        "key disabled" => Clean().WithKey(k => k with { State = KeyStatus.Disabled }),
        "key pending deletion" => Clean().WithKey(k => k with { State = KeyStatus.PendingDeletion }),
        "aws/ebs image" => Clean().WithKey(_ => new DoctorKey(AwsEbsArn, KeyManager.Aws, KeyStatus.Enabled, AwsEbsPolicy, [])).WithImage(i => i with { Snapshots = [new DoctorSnapshot(SnapshotId, true, AwsEbsArn, [TargetA])] }),
        "explicit deny in target" => Clean().WithIdentity(new NamedPolicy("Guardrail", DenyDecrypt)),
        "no IAM for source key" => Clean().WithTarget(t => t with { Identity = new TargetIdentity([new NamedPolicy("EbsDefaultKey", EbsKeyUsePolicy)]) }),
        "no IAM for default EBS key" => Clean().WithTarget(t => t with { Identity = new TargetIdentity([WithoutOwnKeyStatements(t.Identity!.Policies[0])]) }),
        "default EBS key disabled" => Clean().WithTarget(t => t with { DefaultEbsKey = t.DefaultEbsKey! with { State = KeyStatus.Disabled } }),
        "Allowed AMIs excludes source" => Clean().WithTarget(t => t with { AllowedImages = new AllowedImagesSettings(AllowedImagesSettings.Enabled, ["amazon"]) }),
        "missing Auto Scaling grant" => Clean(asg: true).WithKey(k => k with { Grants = [] }),
        "missing Auto Scaling grant and statement" => Clean(asg: true).WithKey(k => k with { Grants = [], PolicyJson = SharedKeyPolicy(asg: false) }),
        "copy without volume permission" => Clean(copy: true).WithImage(i => i with { Snapshots = [new DoctorSnapshot(SnapshotId, true, CmkArn, [])] }),
        "copy without IAM" => Clean(copy: true).WithTarget(t => t with { Identity = new TargetIdentity([.. t.Identity!.Policies.Take(2)]) }),
        "target IAM unreadable" => Clean().WithTarget(t => t with { Identity = null }),
        "source key unreadable" => Clean() with { SourceKeys = [] },
        "default EBS key unreadable" => Clean().WithTarget(t => t with { DefaultEbsKey = null }),
        "org share, target org unknown" => Clean().WithImage(i => i with { LaunchPermissions = new LaunchPermissionList(Targets(OrgArn), false) }),
        "SCP denies grants in target" => Clean() with { ServiceControlPolicies = Scps(onTarget: new OrganizationPolicy("p-nogrants1", "NoGrants", DenyGrantScp)) },
        _ => throw new ArgumentException(fault, nameof(fault)),
    };

    /// <summary>Fault, rule that must report it, status, text the fix must contain, text a deciding statement must contain ("" for none).</summary>
    public static TheoryData<string, string, CheckStatus, string, string> Faults => new()
    {
        { "not shared", "launch-permission", CheckStatus.Fail, "--launch-permission \"Add=[{UserId=222222222222}]\"", "" },
        { "shared with another account", "launch-permission", CheckStatus.Fail, "amishare share ami-0123456789abcdef0 --with 222222222222", "" },
        { "image disabled", "image-state", CheckStatus.Fail, "aws ec2 enable-image", "" },
        { "image pending", "image-state", CheckStatus.Fail, "aws ec2 wait image-available", "" },
        { "not a principal", "principal", CheckStatus.Fail, "--principal arn:aws:iam::ACCOUNT:role/NAME", "" },
        { "launch denied in target", "iam-run-instances", CheckStatus.Fail, "remove or narrow Guardrail:NoLaunch", "Guardrail:NoLaunch" },
        { "key policy lacks target", "source-key-permission", CheckStatus.Fail, "\"kms:ViaService\": \"ec2.us-east-1.amazonaws.com\"", "" },
        { "key disabled", "source-key-state", CheckStatus.Fail, "aws kms enable-key --region us-east-1 --key-id " + CmkArn, "" },
        { "key pending deletion", "source-key-state", CheckStatus.Fail, "aws kms cancel-key-deletion", "" },
        { "aws/ebs image", "source-key-state", CheckStatus.Fail, "--reencrypt-key KEY", "" },
        { "explicit deny in target", "source-key-permission", CheckStatus.Fail, "remove or narrow Guardrail:NoForeignKeys", "Guardrail:NoForeignKeys" },
        { "no IAM for source key", "source-key-permission", CheckStatus.Fail, "\"Sid\": \"AmiShareUseSourceKeys\"", "key policy:AmiShareUseUsEast1" },
        { "no IAM for default EBS key", "default-ebs-key", CheckStatus.Fail, "\"Resource\": \"" + TargetDefaultKey + "\"", "key policy:Enable IAM User Permissions" },
        { "default EBS key disabled", "default-ebs-key", CheckStatus.Fail, "modify-ebs-default-kms-key-id", "" },
        { "Allowed AMIs excludes source", "allowed-images", CheckStatus.Fail, "[{\"ImageProviders\":[\"amazon\",\"111111111111\"]}]", "allowed-images:enabled" },
        { "missing Auto Scaling grant", "asg-grant", CheckStatus.Fail, "run in 222222222222: aws kms create-grant --region us-east-1 --key-id " + CmkArn + " --grantee-principal arn:aws:iam::222222222222:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling --operations Encrypt Decrypt", "" },
        { "missing Auto Scaling grant and statement", "asg-grant", CheckStatus.Fail, "\"Sid\": \"AmiShareGrantUsEast1Asg\"", "" },
        { "copy without volume permission", "copy-snapshot-permission", CheckStatus.Fail, "--operation-type add --user-ids 222222222222", "" },
        { "copy without IAM", "iam-copy-image", CheckStatus.Fail, "\"Action\": \"ec2:CopyImage\"", "" },
        { "target IAM unreadable", "iam-run-instances", CheckStatus.Unknown, "--target-role-arn", "" },
        { "target IAM unreadable", "source-key-permission", CheckStatus.Unknown, "iam:GetRolePolicy", "key policy:AmiShareUseUsEast1" },
        { "source key unreadable", "source-key-state", CheckStatus.Unknown, "source account's credentials", "" },
        { "default EBS key unreadable", "default-ebs-key", CheckStatus.Unknown, "ec2:GetEbsDefaultKmsKeyId", "" },
        { "org share, target org unknown", "launch-permission", CheckStatus.Unknown, "organizations:DescribeOrganization", "" },
        { "SCP denies grants in target", "service-control-policy", CheckStatus.Fail, "update-policy --policy-id p-nogrants1", "SCP NoGrants (p-nogrants1):NoGrants" },
    };

    [Theory]
    [MemberData(nameof(Faults))]
    public void Run_PlantedFault_ReportedWithStatusAndFix(string fault, string rule, CheckStatus status, string fix, string deciding)
    {
        var report = DoctorRules.Run(Plant(fault));

        var found = report.Requirements.Where(r => r.Rule == rule && r.Status == status).ToList();
        Assert.True(found.Count > 0, $"{fault}: no {status} from {rule}; got {Describe(report)}");
        Assert.Contains(found, r => r.Fix is not null && r.Fix.Contains(fix, StringComparison.Ordinal));
        if (deciding.Length > 0)
        {
            Assert.Contains(found, r => r.DecidingStatements.Any(d => d.Contains(deciding, StringComparison.Ordinal)));
        }

        Assert.False(report.Passed);
    }

    /// <summary>A fault in one link must not be reported against the others (no collateral alarms).</summary>
    public static TheoryData<string, string> FaultsConfinedToTheirRule => new()
    {
        { "not shared", "launch-permission" },
        { "explicit deny in target", "source-key-permission" },
        { "no IAM for default EBS key", "default-ebs-key" },
        { "missing Auto Scaling grant", "asg-grant" },
        { "Allowed AMIs excludes source", "allowed-images" },
        { "launch denied in target", "iam-run-instances" },
        { "image pending", "image-state" },
    };

    [Theory]
    [MemberData(nameof(FaultsConfinedToTheirRule))]
    public void Run_PlantedFault_OtherRulesStillPass(string fault, string rule)
    {
        var report = DoctorRules.Run(Plant(fault));

        Assert.All(report.Requirements.Where(r => r.Rule != rule), r => Assert.Equal(CheckStatus.Pass, r.Status));
    }

    public static TheoryData<string, bool, bool> CleanShares => new()
    {
        { "launch", false, false },
        { "copy", true, false },
        { "auto scaling", false, true },
        { "copy and auto scaling", true, true },
    };

    [Theory]
    [MemberData(nameof(CleanShares))]
    public void Run_CleanShare_EveryRequirementPasses(string name, bool copy, bool asg)
    {
        var report = DoctorRules.Run(Clean(copy, asg));

        Assert.True(report.Passed, $"{name}: {Describe(report)}");
        Assert.All(report.Requirements, r => Assert.Null(r.Fix));
        Assert.Equal(copy, report.Requirements.Any(r => r.Rule == "copy-snapshot-permission"));
        Assert.Equal(asg, report.Requirements.Any(r => r.Rule == "asg-grant"));
    }

    public static TheoryData<string> RuleIds => [.. DoctorRules.RuleIds];

    /// <summary>Each rule must be seen to hold as well as to fail: a rule that always fails (or never) is caught.</summary>
    [Theory]
    [MemberData(nameof(RuleIds))]
    public void Run_EachRule_PassesOnACleanShareAndFailsOnAPlantedFault(string rule)
    {
        var report = DoctorRules.Run(Clean(copy: true, asg: true));

        if (rule == DoctorRuleIds.Principal)
        {
            // The gate holds silently: it reports nothing and lets every other rule run.
            Assert.DoesNotContain(report.Requirements, r => r.Rule == rule);
            Assert.Equal(DoctorRules.RuleIds.Length - 1, report.Requirements.Select(r => r.Rule).Distinct().Count());
        }
        else
        {
            Assert.Contains(report.Requirements, r => r.Rule == rule && r.Status == CheckStatus.Pass);
        }

        Assert.Contains(Faults, row => (string)row[1] == rule && (CheckStatus)row[2] == CheckStatus.Fail);
    }

    public static TheoryData<string> AllFaults => [.. Faults.Select(row => (string)row[0]).Distinct()];

    /// <summary>Every requirement a rule reports carries that rule's id, whatever the facts.</summary>
    [Theory]
    [MemberData(nameof(AllFaults))]
    public void Evaluate_AnyFacts_RequirementsCarryTheirRulesId(string fault)
    {
        var facts = Plant(fault);
        var scope = DoctorScope.Prepare(facts with { Options = new DoctorOptions(Copy: true, Asg: true) });

        // As in Run, the rules after the gate run only when it lets them: they rely on a principal to evaluate.
        var gate = DoctorRules.All[0];
        var rules = gate.Evaluate(scope).Any() ? [gate] : DoctorRules.All;
        foreach (var rule in rules)
        {
            Assert.All(rule.Evaluate(scope), r => Assert.Equal(rule.Id, r.Rule));
        }
    }

    [Fact]
    public void RuleIds_EachWrittenOnce_NoDuplicates()
    {
        Assert.Equal(DoctorRules.RuleIds.Length, DoctorRules.RuleIds.Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(DoctorRules.All.Length, DoctorRules.RuleIds.Length);
    }

    [Fact]
    public void Run_CleanShare_QuotesDecidingStatements()
    {
        var report = DoctorRules.Run(Clean(asg: true));

        Assert.Contains(report.Requirements, r => r.Rule == "launch-permission" && r.DecidingStatements.Contains("launchPermission[0] (UserId=222222222222)"));
        Assert.Contains(report.Requirements, r => r.Rule == "source-key-permission" && r.Name.StartsWith("kms:CreateGrant", StringComparison.Ordinal)
            && r.DecidingStatements.Contains("key policy:AmiShareGrantUsEast1") && r.DecidingStatements.Contains("AmiShareLaunchSharedImages:AmiShareGrantSourceKeysToEbs"));
        Assert.Contains(report.Requirements, r => r.Rule == "asg-grant" && r.DecidingStatements.Contains("grant:grant-asg-222222222222 (AmiShareAsg)"));
    }

    public static TheoryData<string, string?, CheckStatus> OrgShares => new()
    {
        { "member of the shared org", OrgId, CheckStatus.Pass },
        { "member of another org", "o-zzzzzzzzzz", CheckStatus.Fail },
        { "org unknown", null, CheckStatus.Unknown },
    };

    [Theory]
    [MemberData(nameof(OrgShares))]
    public void Run_OrgShare_DecidedByTargetOrganization(string name, string? targetOrg, CheckStatus status)
    {
        var facts = Clean().WithImage(i => i with { LaunchPermissions = new LaunchPermissionList(Targets(OrgArn), false) })
            .WithTarget(t => t with { Organization = targetOrg is null ? null : new AccountOrganization(targetOrg, [$"{targetOrg}/r-ab12/"]) });

        var report = DoctorRules.Run(facts);

        Assert.Equal(status, report.Requirements.Single(r => r.Rule == "launch-permission").Status);
        Assert.True(name.Length > 0);
    }

    [Fact]
    public void Run_RootPrincipal_NeedsNoIdentityPolicies()
    {
        var facts = Clean().WithTarget(t => t with { PrincipalArn = TargetA, Identity = null, DefaultEbsKey = t.DefaultEbsKey });

        var report = DoctorRules.Run(facts);

        Assert.Equal("arn:aws:iam::222222222222:root", report.PrincipalArn);
        Assert.True(report.Passed, Describe(report));
    }

    [Fact]
    public void Run_NotAPrincipal_OneFailureSaysHowToName_It()
    {
        var report = DoctorRules.Run(Clean().WithTarget(t => t with { PrincipalArn = "Launcher" }));

        var only = Assert.Single(report.Requirements);
        Assert.Equal(CheckStatus.Fail, only.Status);
        Assert.Contains("--principal", only.Fix, StringComparison.Ordinal);
    }

    private static string Describe(DoctorReport report) =>
        string.Join("\n", report.Requirements.Select(r => $"{r.Status} {r.Rule} {r.Name}: {r.Explanation} [{string.Join(", ", r.DecidingStatements)}] fix: {r.Fix}"));

    /// <summary>The launch policy minus its statements for the target's own keys: the default EBS key is then not allowed.</summary>
    private static NamedPolicy WithoutOwnKeyStatements(NamedPolicy policy)
    {
        var document = System.Text.Json.Nodes.JsonNode.Parse(policy.Json)!.AsObject();
        var kept = document["Statement"]!.AsArray().Where(st => !((string?)st!["Sid"] ?? string.Empty).Contains("OwnKeys", StringComparison.Ordinal)).Select(st => st!.DeepClone()).ToArray();
        document["Statement"] = new System.Text.Json.Nodes.JsonArray(kept);
        return policy with { Json = document.ToJsonString() };
    }
}
