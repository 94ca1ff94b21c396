using System.Collections.Immutable;
using System.Globalization;
using AmiShare.Core.KeyPolicies;
using AmiShare.Core.Model;
using AmiShare.Core.Planning;
using AmiShare.Core.Workflow;
using AmiShare.Policy.Catalogue;
using AmiShare.Policy.Validation;
using static AmiShare.Core.Tests.Fixtures;

namespace AmiShare.Core.Tests;

/// <summary>
/// The 32 KB fold: narrowest organization condition that covers the accounts asked for, never wider without consent.
/// Tree: root r-1 holds workloads (ou-w: ou-a, ou-b) and ou-c, 400 accounts in each leaf OU, plus the management account.
/// Naming ~500 accounts passes KMS's limit, so every case names 799 or more.
/// </summary>
public sealed class KeyPolicyFoldTests
{
    private const string Root = $"{OrgId}/r-1/";
    private const string Workloads = $"{Root}ou-w/";
    private const string UnitA = $"{Workloads}ou-a/";
    private const string UnitB = $"{Workloads}ou-b/";
    private const string UnitC = $"{Root}ou-c/";
    private const int PerUnit = 400;

    private static readonly ImmutableArray<string> InA = Accounts(500000000000L);
    private static readonly ImmutableArray<string> InB = Accounts(600000000000L);
    private static readonly ImmutableArray<string> InC = Accounts(700000000000L);

    public static TheoryData<string, string[], bool, string?, string[]> Cases => new()
    {
        // name, accounts asked, --fold-wider, expected blocking code (null: folds), expected conditions
        { "two whole OUs fold into their parent", [.. InA, .. InB], false, null, [$"aws:PrincipalOrgPaths = {Workloads}*"] },
        { "whole OU plus loose accounts keeps those named", [.. InA, .. InB.Take(399), .. InC.Take(10)], false, null, [$"aws:PrincipalOrgPaths = {UnitA}*"] },
        { "every account folds into the organization id", [Source, .. InA, .. InB, .. InC], false, null, [$"aws:PrincipalOrgID = {OrgId}"] },
        { "partial OUs would widen: refused without consent", [.. InA.Skip(1), .. InC.Skip(1)], false, KeyPolicyBuilder.FoldWouldWidenCode, [] },
        { "partial OUs with --fold-wider fold into both OUs", [.. InA.Skip(1), .. InC.Skip(1)], true, null, [$"aws:PrincipalOrgPaths = {UnitA}*", $"aws:PrincipalOrgPaths = {UnitC}*"] },
        { "an account outside the organization refuses", [.. InA, .. InB, Outsider], true, FindingCodes.KeyPolicyTooLarge, [] },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Share_OversizedAudience_FoldsNarrowestOrRefuses(string name, string[] asked, bool foldWider, string? blocking, string[] conditions)
    {
        var organization = Tree() with { WiderFoldAllowed = foldWider };

        var change = KeyPolicyBuilder.Share(DefaultPolicy, Region, Roots(asked), organization);

        if (blocking is not null)
        {
            Assert.True(change.IsRefused, name);
            Assert.Equal(DefaultPolicy, change.PolicyJson);
            Assert.Contains(change.Findings, f => f.Code == blocking && f.Severity == FindingSeverity.Blocking);
            return;
        }

        Assert.False(change.IsRefused, $"{name}: {string.Join(" | ", change.Findings.Select(f => f.Message))}");
        Assert.True(KeyPolicyBuilder.ByteCount(change.PolicyJson) <= AwsLimits.KeyPolicyMaxBytes, name);
        var note = Assert.Single(change.Findings, f => f.Code == KeyPolicyBuilder.FoldedCode);
        Assert.All(conditions, c => Assert.Contains(c, note.Message, StringComparison.Ordinal));

        // Whom the folded policy admits, read back: every account asked for is covered, by name or by a condition.
        var read = KeyPolicyBuilder.Read(change.PolicyJson).AudienceIn(Region);
        foreach (var account in asked)
        {
            var named = read.Principals.Contains(Arns.AccountRoot(account));
            var byPath = read.OrgPaths.Any(p => organization.AccountPaths![account].StartsWith(p.TrimEnd('*'), StringComparison.Ordinal));
            Assert.True(named || byPath || read.OrganizationIds.Contains(OrgId), $"{name}: {account} lost");
        }
    }

    [Fact]
    public void Share_WidenRefused_NamesTheUnaskedAccountsAndTheFlag()
    {
        var change = KeyPolicyBuilder.Share(DefaultPolicy, Region, Roots([.. InA.Skip(1), .. InC.Skip(1)]), Tree());

        var refusal = Assert.Single(change.Findings);
        Assert.Contains("--fold-wider", refusal.Message, StringComparison.Ordinal);
        Assert.Contains(InA[0], refusal.Message, StringComparison.Ordinal);
        Assert.Contains(InC[0], refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Share_WholeOusOnly_AdmitsNoUnaskedAccount()
    {
        var organization = Tree();
        var change = KeyPolicyBuilder.Share(DefaultPolicy, Region, Roots([.. InA, .. InB]), organization);

        var read = KeyPolicyBuilder.Read(change.PolicyJson).AudienceIn(Region);
        Assert.Empty(read.Principals);
        Assert.Empty(read.OrganizationIds);
        var admitted = organization.AccountPaths!.Where(a => read.OrgPaths.Any(p => a.Value.StartsWith(p.TrimEnd('*'), StringComparison.Ordinal))).Select(a => a.Key);
        Assert.Equal([.. InA, .. InB], admitted.Order(StringComparer.Ordinal));
    }

    public static TheoryData<string, OrganizationFacts?, bool> NeedCases => new()
    {
        { "organization unknown", null, true },
        { "only the id from a target", new OrganizationFacts(OrgId), true },
        { "tree already read", Tree(), false },
    };

    [Theory]
    [MemberData(nameof(NeedCases))]
    public void IsNeeded_TooLargePlan_ReadsOrganizationOnlyWhenMembershipUnknown(string name, OrganizationFacts? organization, bool needed)
    {
        var tooLarge = new SharePlan([], [PlanFinding.Blocking(FindingCodes.KeyPolicyTooLarge, "key policy", "too large")]);
        var state = State() with { Organization = organization };

        Assert.Equal(needed, OrganizationForFold.IsNeeded(tooLarge, state));
        Assert.False(OrganizationForFold.IsNeeded(new SharePlan([], []), state), name);
    }

    private static KeyAudience Roots(IEnumerable<string> accounts) => KeyAudience.Of(principals: accounts.Select(a => Arns.AccountRoot(a)));

    private static ImmutableArray<string> Accounts(long first) =>
        [.. Enumerable.Range(0, PerUnit).Select(i => (first + i).ToString(CultureInfo.InvariantCulture))];

    private static OrganizationFacts Tree()
    {
        var paths = ImmutableDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        paths[Source] = Root;
        paths.AddRange(InA.Select(a => KeyValuePair.Create(a, UnitA)));
        paths.AddRange(InB.Select(a => KeyValuePair.Create(a, UnitB)));
        paths.AddRange(InC.Select(a => KeyValuePair.Create(a, UnitC)));
        return new OrganizationFacts(OrgId, Source) { AccountPaths = paths.ToImmutable() };
    }
}
