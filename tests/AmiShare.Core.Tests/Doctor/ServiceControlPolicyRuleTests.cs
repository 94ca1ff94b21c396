using AmiShare.Core.Doctor;
using AmiShare.Core.Ports;
using AmiShare.Core.Workflow;
using static AmiShare.Core.Tests.Doctor.DoctorScenario;
using static AmiShare.Core.Tests.Fixtures;

namespace AmiShare.Core.Tests.Doctor;

/// <summary>The service-control-policy rule over a clean share, with SCPs planted at the root, an OU or the account.</summary>
public sealed class ServiceControlPolicyRuleTests
{
    private const string Management = "999999999999";

    private static readonly OrganizationPolicy FullAccess = new("p-FullAWSAccess", "FullAWSAccess", """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}""");

    /// <summary>The shape of AWS's data-perimeter sample: deny sharing unless the principal carries the exception tag.</summary>
    private static readonly OrganizationPolicy PreventSharing = new("p-perimeter1", "DataPerimeter", """
        {"Version":"2012-10-17","Statement":[{"Sid":"PreventExternalResourceShare","Effect":"Deny","Action":["ec2:ModifyImageAttribute","ec2:ModifySnapshotAttribute"],"Resource":"*","Condition":{"StringNotEqualsIfExists":{"aws:PrincipalTag/dp:exclude:identity":"true"}}}]}
        """);

    private static readonly OrganizationPolicy DenyGrants = new("p-nogrants1", "NoForeignGrants", """
        {"Version":"2012-10-17","Statement":[{"Sid":"DenyCreateGrant","Effect":"Deny","Action":"kms:CreateGrant","Resource":"*"}]}
        """);

    private static readonly OrganizationPolicy OnlyEc2 = new("p-onlyec21", "OnlyEc2", """{"Version":"2012-10-17","Statement":[{"Sid":"Ec2","Effect":"Allow","Action":"ec2:*","Resource":"*"}]}""");

    public static TheoryData<string, string, CheckStatus, string> Cases => new()
    {
        // name, planted SCPs, expected status of the one failing (or all) requirement(s), text the explanation or fix names
        { "only FullAWSAccess", "none", CheckStatus.Pass, "allows" },
        { "data-perimeter SCP on the sharer's OU", "perimeter on sharer", CheckStatus.Fail, "SCP DataPerimeter (p-perimeter1):PreventExternalResourceShare" },
        { "CreateGrant denied in the target", "grants denied in target", CheckStatus.Fail, "SCP NoForeignGrants (p-nogrants1):DenyCreateGrant" },
        { "an OU level allows only EC2", "ou allows only ec2 in target", CheckStatus.Fail, "ou-target" },
        { "the sharer is the management account", "perimeter on management", CheckStatus.Pass, "management account" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Run_PlantedScp_ReportedWithTheDecidingStatement(string name, string planted, CheckStatus status, string named)
    {
        var report = DoctorRules.Run(Clean() with { ServiceControlPolicies = Plant(planted) });

        var scp = report.Requirements.Where(r => r.Rule == DoctorRuleIds.ServiceControlPolicy).ToList();
        Assert.Equal(2, scp.Count);
        Assert.All(report.Requirements.Where(r => r.Rule != DoctorRuleIds.ServiceControlPolicy), r => Assert.Equal(CheckStatus.Pass, r.Status));
        var decisive = status == CheckStatus.Pass ? scp[0] : Assert.Single(scp, r => r.Status == CheckStatus.Fail);
        Assert.Equal(status, decisive.Status);
        Assert.True(status == CheckStatus.Fail ? !report.Passed : report.Passed, name);
        Assert.Contains(named, decisive.Explanation + decisive.Fix + string.Join(" ", decisive.DecidingStatements), StringComparison.Ordinal);
    }

    [Fact]
    public void Run_PerimeterScp_FixNamesThePolicyToUpdate()
    {
        var report = DoctorRules.Run(Clean() with { ServiceControlPolicies = Plant("perimeter on sharer") });

        var failure = Assert.Single(report.Failures);
        Assert.Contains(Sharer, failure.Name, StringComparison.Ordinal);
        Assert.Contains("update-policy --policy-id p-perimeter1", failure.Fix, StringComparison.Ordinal);
        Assert.Equal(["SCP DataPerimeter (p-perimeter1):PreventExternalResourceShare"], failure.DecidingStatements.AsEnumerable());
    }

    [Fact]
    public void Run_ScpsUnreadable_RuleStaysSilent()
    {
        var report = DoctorRules.Run(Clean() with { ServiceControlPolicies = null });

        Assert.DoesNotContain(report.Requirements, r => r.Rule == DoctorRuleIds.ServiceControlPolicy);
    }

    private static DoctorScpFacts Plant(string planted)
    {
        AccountServiceControlPolicies Account(string account, string ou, OrganizationPolicy? extraOnAccount = null, OrganizationPolicy? ouOnly = null) => new(
            account,
            Management,
            [
                new ScpLevel("r-root", [FullAccess]),
                new ScpLevel(ou, ouOnly is null ? [FullAccess] : [ouOnly]),
                new ScpLevel(account, extraOnAccount is null ? [FullAccess] : [FullAccess, extraOnAccount]),
            ]);

        return planted switch
        {
            "perimeter on sharer" => new(Sharer, Account(Source, "ou-source", PreventSharing), Account(TargetA, "ou-target")),
            "grants denied in target" => new(Sharer, Account(Source, "ou-source"), Account(TargetA, "ou-target", DenyGrants)),
            "ou allows only ec2 in target" => new(Sharer, Account(Source, "ou-source"), Account(TargetA, "ou-target", ouOnly: OnlyEc2)),
            "perimeter on management" => new(Sharer, Account(Source, "ou-source", PreventSharing) with { ManagementAccountId = Source }, Account(TargetA, "ou-target")),
            _ => new(Sharer, Account(Source, "ou-source"), Account(TargetA, "ou-target")),
        };
    }
}
