using AmiShare.Core.Audit;
using AmiShare.Core.Model;
using AmiShare.Policy.Catalogue;
using static AmiShare.Core.Tests.Audit.AuditScenario;
using static AmiShare.Core.Tests.Fixtures;

namespace AmiShare.Core.Tests.Audit;

public sealed class AuditRulesTests
{
    private const string OpenStatement = """{"Sid":"OpenToAll","Effect":"Allow","Principal":"*","Action":"kms:Decrypt","Resource":"*"}""";

    private const string ViaOnlyStatement = """{"Sid":"AnyoneThroughEc2","Effect":"Allow","Principal":{"AWS":"*"},"Action":"kms:Decrypt","Resource":"*","Condition":{"StringEquals":{"kms:ViaService":"ec2.us-east-1.amazonaws.com"}}}""";

    private static readonly string PaddingStatement =
        """{"Sid":"Padding","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"kms:Decrypt","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalTag/team":"""
        + "\"" + new string('x', 27_000) + "\"}}}";

    /// <summary>Puts a statement first in a policy, compact or indented.</summary>
    private static string WithStatement(string policy, string statement) =>
        System.Text.RegularExpressions.Regex.Replace(policy, "\"Statement\"\\s*:\\s*\\[", m => m.Value + statement + ",", System.Text.RegularExpressions.RegexOptions.None, TimeSpan.FromSeconds(1));

    private static AccountInventory Plant(string fault) => fault switch
    {
        "broken share" => Clean().WithImages(i => i.Id == "ami-shared" ? i with { LaunchPermissions = Targets(TargetA, TargetB) } : i),
        "key disabled" => Clean().WithKey(CmkArn, k => k with { Status = KeyStatus.Disabled }),
        "stale grant" => Clean().WithKey(CmkArn, k => k with { Grants = k.Grants.Add(AsgGrant(Outsider, "grant-stale")) }),
        "stale key statement" => Clean().WithKey(CmkArn, k => k with { PolicyJson = AccountKeyPolicy(TargetA, TargetB) }),
        "key of no image" => Clean().WithImages(i => i.Id == "ami-org" ? i with { LaunchPermissions = [] } : i),
        "public snapshot" => Clean().WithImage(new AuditImage("ami-plain", "plain", Region, ImageAvailability.Available, [], false, ["snap-plain"]), new AuditSnapshot("snap-plain", Region, false, null, [], IsPublic: true)),
        "public image" => Clean().WithImage(new AuditImage("ami-plain", "plain", Region, ImageAvailability.Available, [], true, ["snap-plain"]), new AuditSnapshot("snap-plain", Region, false, null, [])),
        "aws/ebs image shared" => Clean().WithImage(Image("ami-ebs", "snap-ebs", TargetA), new AuditSnapshot("snap-ebs", Region, true, AwsEbsArn, [])),
        "aws/ebs image private" => Clean().WithImage(Image("ami-ebs", "snap-ebs"), new AuditSnapshot("snap-ebs", Region, true, AwsEbsArn, [])),
        "Principal * statement" => Clean().WithKey(OtherCmkArn, k => k with { PolicyJson = WithStatement(k.PolicyJson, OpenStatement) }),
        "Principal * through EC2 only" => Clean().WithKey(OtherCmkArn, k => k with { PolicyJson = WithStatement(k.PolicyJson, ViaOnlyStatement) }),
        "org-wide key for named accounts" => Clean().WithImages(i => i.Id == "ami-org" ? i with { LaunchPermissions = Targets(TargetB) } : i),
        "key policy near 32 KB" => Clean().WithKey(OtherCmkArn, k => k with { PolicyJson = WithStatement(k.PolicyJson, PaddingStatement) }),
        "launch permissions near 1,000" => Clean().WithImage(new AuditImage("ami-plain", "plain", Region, ImageAvailability.Available, ManyAccounts(850), false, ["snap-plain"]), new AuditSnapshot("snap-plain", Region, false, null, [])),
        _ => throw new ArgumentException(fault, nameof(fault)),
    };

    /// <summary>Fault, kind, severity, resource, subject, text the fix must contain.</summary>
    public static TheoryData<string, AuditFindingKind, AuditSeverity, string, string?, string> Faults => new()
    {
        { "broken share", AuditFindingKind.Broken, AuditSeverity.High, "ami-shared", TargetB, "amishare share ami-shared --with 333333333333 --region us-east-1" },
        { "key disabled", AuditFindingKind.Broken, AuditSeverity.High, "ami-shared", TargetA, "aws kms enable-key --region us-east-1 --key-id " + CmkArn },
        { "stale grant", AuditFindingKind.Stale, AuditSeverity.Medium, CmkArn, AwsServicePrincipals.AutoScalingServiceRole(Outsider), "aws kms revoke-grant --region us-east-1 --key-id " + CmkArn + " --grant-id grant-stale" },
        { "stale key statement", AuditFindingKind.Stale, AuditSeverity.Medium, CmkArn, TargetB, "aws kms put-key-policy --region us-east-1 --key-id " + CmkArn },
        { "key of no image", AuditFindingKind.Stale, AuditSeverity.Medium, OrgKeyArn, OrgId, "put-key-policy" },
        { "public snapshot", AuditFindingKind.Public, AuditSeverity.High, "snap-plain", "all", "--operation-type remove --group-names all" },
        { "public image", AuditFindingKind.Public, AuditSeverity.High, "ami-plain", "all", "--launch-permission \"Remove=[{Group=all}]\"" },
        { "aws/ebs image shared", AuditFindingKind.Unshareable, AuditSeverity.High, "ami-ebs", TargetA, "--reencrypt-key KEY" },
        { "aws/ebs image private", AuditFindingKind.Unshareable, AuditSeverity.Low, "ami-ebs", null, "--reencrypt-key KEY" },
        { "Principal * statement", AuditFindingKind.Wide, AuditSeverity.High, OtherCmkArn, "*", "aws:PrincipalOrgID" },
        { "Principal * through EC2 only", AuditFindingKind.Wide, AuditSeverity.Medium, OtherCmkArn, "*", "replace Principal \"*\"" },
        { "org-wide key for named accounts", AuditFindingKind.Wide, AuditSeverity.Medium, OrgKeyArn, OrgId, "--with 333333333333" },
        { "key policy near 32 KB", AuditFindingKind.NearLimit, AuditSeverity.Medium, OtherCmkArn, null, "ORGANIZATION_ARN" },
        { "launch permissions near 1,000", AuditFindingKind.NearLimit, AuditSeverity.Medium, "ami-plain", null, "ORGANIZATION_OR_OU_ARN" },
    };

    [Theory]
    [MemberData(nameof(Faults))]
    public void Check_PlantedFault_FoundWithSeverityAndFix(string fault, AuditFindingKind kind, AuditSeverity severity, string resource, string? subject, string fix)
    {
        var findings = AuditRules.Check(Plant(fault));

        var finding = Assert.Single(findings);
        Assert.True(finding.Kind == kind, $"{fault}: {finding.KindCode} {finding.Message}");
        Assert.Equal(severity, finding.Severity);
        Assert.Equal(resource, finding.Resource);
        Assert.Equal(subject, finding.Subject);
        Assert.Contains(fix, finding.Fix, StringComparison.Ordinal);
    }

    private const string CallerAccountStatement =
        """{"Sid":"TargetThroughAnyone","Effect":"Allow","Principal":"*","Action":"kms:Decrypt","Resource":"*","Condition":{"StringEquals":{"kms:CallerAccount":"222222222222"}}}""";

    /// <summary>
    /// For each rule, a change to the clean account that comes close to its fault without being one: the rule must
    /// stay silent, so a rule that fires too eagerly fails as surely as one that never fires.
    /// </summary>
    private static AccountInventory NearMiss(string name) => name switch
    {
        "disabled key under a private image" => Clean().WithKey(OtherCmkArn, k => k with { Status = KeyStatus.Disabled }),
        "grant for a member of the shared organization" => Clean().WithKey(OrgKeyArn, k => k with { Grants = [AsgGrant(TargetA, "grant-member")] }),
        "snapshot shared with an account only" => Clean().WithImage(
            new AuditImage("ami-plain", "plain", Region, ImageAvailability.Available, [], false, ["snap-plain"]),
            new AuditSnapshot("snap-plain", Region, false, null, [TargetA])),
        "deregistered aws/ebs image" => Clean().WithImage(
            new AuditImage("ami-ebs", "gone", Region, ImageAvailability.Deregistered, Targets(TargetA), false, ["snap-ebs"]),
            new AuditSnapshot("snap-ebs", Region, true, AwsEbsArn, [])),
        "Principal * pinned to the shared account" => Clean().WithKey(CmkArn, k => k with { PolicyJson = WithStatement(k.PolicyJson, CallerAccountStatement) }),
        "launch permissions at 80% exactly" => Clean().WithImage(
            new AuditImage("ami-plain", "plain", Region, ImageAvailability.Available, ManyAccounts(800), false, ["snap-plain"]),
            new AuditSnapshot("snap-plain", Region, false, null, [])),
        _ => throw new ArgumentException(name, nameof(name)),
    };

    /// <summary>Near miss, and the kind it comes close to.</summary>
    public static TheoryData<string, AuditFindingKind> NearMisses => new()
    {
        { "disabled key under a private image", AuditFindingKind.Broken },
        { "grant for a member of the shared organization", AuditFindingKind.Stale },
        { "snapshot shared with an account only", AuditFindingKind.Public },
        { "deregistered aws/ebs image", AuditFindingKind.Unshareable },
        { "Principal * pinned to the shared account", AuditFindingKind.Wide },
        { "launch permissions at 80% exactly", AuditFindingKind.NearLimit },
    };

    [Theory]
    [MemberData(nameof(NearMisses))]
    public void Check_NearMiss_NoFindings(string name, AuditFindingKind closeTo)
    {
        var findings = AuditRules.Check(NearMiss(name));

        Assert.True(findings.IsEmpty, $"{name} (close to {AuditFinding.Code(closeTo)}): {string.Join("\n", findings.Select(f => $"{f.KindCode} {f.Resource} {f.Subject}: {f.Message}"))}");
    }

    public static TheoryData<string> RuleIds => [.. AuditRules.RuleIds];

    /// <summary>Each rule has a planted fault it reports and a near miss it must not.</summary>
    [Theory]
    [MemberData(nameof(RuleIds))]
    public void Check_EachRule_HasAFaultAndANearMiss(string rule)
    {
        Assert.Contains(Faults, row => AuditFinding.Code((AuditFindingKind)row[1]) == rule);
        Assert.Contains(NearMisses, row => AuditFinding.Code((AuditFindingKind)row[1]) == rule);
    }

    public static TheoryData<string> AllFaults => [.. Faults.Select(row => (string)row[0]).Distinct()];

    /// <summary>A rule reports its own kind only, so a finding's code always names the rule that made it.</summary>
    [Theory]
    [MemberData(nameof(AllFaults))]
    public void Evaluate_AnyInventory_FindingsCarryTheirRulesKind(string fault)
    {
        var inventory = Plant(fault);

        foreach (var rule in AuditRules.All)
        {
            Assert.All(rule.Evaluate(inventory), f => Assert.Equal(rule.Id, f.KindCode));
        }
    }

    [Fact]
    public void RuleIds_OnePerFindingKind()
    {
        Assert.Equal(Enum.GetValues<AuditFindingKind>().Select(AuditFinding.Code), AuditRules.RuleIds);
    }

    [Fact]
    public void Check_CleanAccount_NoFindings()
    {
        var findings = AuditRules.Check(Clean());

        Assert.True(findings.IsEmpty, string.Join("\n", findings.Select(f => $"{f.KindCode} {f.Resource} {f.Subject}: {f.Message}")));
    }

    public static TheoryData<string, string, string> KeysNamingPrincipals => new()
    {
        { "key names a role of the target", "arn:aws:iam::333333333333:role/Launcher", TargetB },
        { "key names the target account id", TargetB, TargetB },
    };

    [Theory]
    [MemberData(nameof(KeysNamingPrincipals))]
    public void Check_KeyNamesTargetOtherThanByRoot_NotBroken(string name, string principal, string target)
    {
        var statement = $$"""{"Sid":"Launcher","Effect":"Allow","Principal":{"AWS":"{{principal}}"},"Action":["kms:Decrypt","kms:DescribeKey","kms:ReEncrypt*","kms:GenerateDataKeyWithoutPlaintext","kms:CreateGrant"],"Resource":"*"}""";
        var inventory = Clean()
            .WithImages(i => i.Id == "ami-private" ? i with { LaunchPermissions = Targets(target) } : i)
            .WithKey(OtherCmkArn, k => k with { PolicyJson = WithStatement(k.PolicyJson, statement) });

        var findings = AuditRules.Check(inventory);

        Assert.True(findings.IsEmpty, $"{name}: {string.Join("\n", findings.Select(f => f.Message))}");
    }

    [Fact]
    public void Check_BrokenShare_QuotesWhatRefused()
    {
        var finding = AuditRules.Check(Plant("broken share")).Single();

        Assert.Contains("kms:Decrypt", finding.Message, StringComparison.Ordinal);
        Assert.Contains("neither the key policy nor a grant", finding.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_ExplicitDenyInKeyPolicy_BrokenQuotesTheDeny()
    {
        const string deny = """{"Sid":"NoTargetB","Effect":"Deny","Principal":"*","Action":"kms:*","Resource":"*","Condition":{"StringEquals":{"kms:CallerAccount":"333333333333"}}}""";
        var inventory = Clean()
            .WithImages(i => i.Id == "ami-shared" ? i with { LaunchPermissions = Targets(TargetA, TargetB) } : i)
            .WithKey(CmkArn, k => k with { PolicyJson = WithStatement(AccountKeyPolicy(TargetA, TargetB), deny) });

        var finding = Assert.Single(AuditRules.Check(inventory));

        Assert.Equal(AuditFindingKind.Broken, finding.Kind);
        Assert.Contains("key policy:NoTargetB", finding.DecidingStatementsOrEmpty);
    }
}
