namespace AmiShare.LocalCloud.Seed;

/// <summary>An account as the emulator knows it.</summary>
public sealed record CloudAccount(string Id, string Name, string? ParentId, string? OrganizationId);

/// <summary>
/// Facts about accounts and the organization that policy conditions need: <c>aws:PrincipalOrgID</c>,
/// <c>aws:PrincipalOrgPaths</c> (<c>o-x/r-y/ou-a/ou-b/</c>), organization and OU ARNs for launch permissions,
/// and the management account. Built once from the seed; immutable.
/// </summary>
public sealed class OrganizationDirectory : Authorization.IOrganizationPolicySource
{
    private readonly SeedDocument seed;
    private readonly Dictionary<string, CloudAccount> accounts;
    private readonly Dictionary<string, SeedOrganizationalUnit> units;

    public OrganizationDirectory(SeedDocument seed)
    {
        ArgumentNullException.ThrowIfNull(seed);
        this.seed = seed;
        units = (seed.Organization?.Units ?? []).ToDictionary(u => u.Id, StringComparer.Ordinal);
        accounts = seed.Accounts.ToDictionary(
            a => a.Id,
            a => new CloudAccount(a.Id, a.Name, a.ParentId, a.ParentId is null ? null : seed.Organization?.Id),
            StringComparer.Ordinal);
    }

    public IReadOnlyList<string> Regions => seed.Regions;

    public IReadOnlyCollection<CloudAccount> Accounts => accounts.Values;

    public string? OrganizationId => seed.Organization?.Id;

    public string? ManagementAccountId => seed.Organization?.ManagementAccountId;

    /// <summary><c>arn:aws:organizations::MANAGEMENT:organization/o-x</c>, or null without an organization.</summary>
    public string? OrganizationArn => seed.Organization is { } org
        ? $"arn:aws:organizations::{org.ManagementAccountId}:organization/{org.Id}"
        : null;

    public bool IsKnownAccount(string accountId) => accounts.ContainsKey(accountId);

    public bool IsKnownRegion(string region) => seed.Regions.Contains(region, StringComparer.Ordinal);

    public CloudAccount? FindAccount(string accountId) => accounts.GetValueOrDefault(accountId);

    /// <summary>The organization id of an account, or null if it is outside the organization (or unknown).</summary>
    public string? OrganizationIdOf(string accountId) => FindAccount(accountId)?.OrganizationId;

    /// <summary>
    /// The account's path as <c>aws:PrincipalOrgPaths</c> shows it: <c>o-x/r-y/ou-a/ou-b/</c> (the OUs from the root
    /// down to the account's parent), or null outside the organization.
    /// </summary>
    public string? OrganizationPathOf(string accountId)
    {
        if (FindAccount(accountId) is not { ParentId: { } parentId } || seed.Organization is not { } org)
        {
            return null;
        }

        var chain = new List<string>();
        for (var current = parentId; units.TryGetValue(current, out var unit); current = unit.ParentId)
        {
            chain.Add(unit.Id);
        }

        chain.Add(org.RootId);
        chain.Add(org.Id);
        chain.Reverse();
        return string.Join('/', chain) + "/";
    }

    /// <summary>Whether the account sits in the unit or any unit nested below it.</summary>
    public bool IsInOrganizationalUnit(string accountId, string unitId) =>
        OrganizationPathOf(accountId)?.Contains($"/{unitId}/", StringComparison.Ordinal) ?? false;

    /// <summary><c>arn:aws:organizations::MANAGEMENT:ou/o-x/ou-…</c> for a known unit, or null.</summary>
    public string? OrganizationalUnitArn(string unitId) => seed.Organization is { } org && units.ContainsKey(unitId)
        ? $"arn:aws:organizations::{org.ManagementAccountId}:ou/{org.Id}/{unitId}"
        : null;

    public IReadOnlyCollection<SeedOrganizationalUnit> OrganizationalUnits => units.Values;

    /// <summary>The AWS managed SCP attached everywhere once SCPs are enabled.</summary>
    public static NamedScp FullAwsAccess { get; } = new(
        "FullAWSAccess", """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}""");

    /// <summary>The AWS managed RCP attached everywhere once RCPs are enabled; it cannot be detached.</summary>
    public static NamedScp RcpFullAwsAccess { get; } = new(
        "RCPFullAWSAccess", """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}""");

    public string? RootId => seed.Organization?.RootId;

    /// <summary>Member accounts the seed registers as delegated administrators for AWS Organizations.</summary>
    public IReadOnlyList<string> DelegatedAdministrators => seed.Organization?.DelegatedAdministrators ?? [];

    /// <summary>The seed's organization, or null.</summary>
    public SeedOrganization? SeedOrganization => seed.Organization;

    public SeedOrganizationalUnit? FindOrganizationalUnit(string unitId) => units.GetValueOrDefault(unitId);

    /// <summary>
    /// Where policies attach for an account, root first: the root, each unit down to the account's parent, the account.
    /// Empty outside the organization.
    /// </summary>
    public IReadOnlyList<string> PolicyTargetsOf(string accountId)
    {
        if (seed.Organization is not { } org || FindAccount(accountId) is not { ParentId: { } parentId })
        {
            return [];
        }

        var targets = new List<string> { accountId };
        for (var current = parentId; units.TryGetValue(current, out var unit); current = unit.ParentId)
        {
            targets.Add(unit.Id);
        }

        targets.Add(org.RootId);
        targets.Reverse();
        return targets;
    }

    /// <summary>The seeded RCPs of every level above and at the account (RCPFullAWSAccess left out: it only allows).</summary>
    public IReadOnlyList<NamedScp> ResourceControlPoliciesOf(string accountId)
    {
        var targets = PolicyTargetsOf(accountId);
        return seed.Organization is not { } org || targets.Count == 0
            ? []
            : [.. org.ResourceControlPolicies.Where(p => p.Targets.Any(targets.Contains)).Select(p => new NamedScp(p.Name, p.Document.GetRawText()))];
    }

    /// <summary>Whether the seed uses SCPs at all; without them every level would hold only FullAWSAccess.</summary>
    public bool ServiceControlPoliciesEnabled => seed.Organization is { } org
        && (org.ServiceControlPolicies.Count > 0 || org.FullAwsAccessDetachedFrom.Count > 0);

    /// <summary>
    /// The SCPs that apply to principals of <paramref name="accountId"/>, one list per level from the root down
    /// through each unit to the account itself; every level must allow an action. Empty when SCPs are off or
    /// the account is outside the organization. (The management account is exempt; the policy engine knows.)
    /// </summary>
    public IReadOnlyList<IReadOnlyList<NamedScp>> ServiceControlPolicyLevelsOf(string accountId)
    {
        if (!ServiceControlPoliciesEnabled || seed.Organization is not { } org || FindAccount(accountId) is not { ParentId: { } parentId })
        {
            return [];
        }

        var targets = new List<string> { accountId };
        for (var current = parentId; units.TryGetValue(current, out var unit); current = unit.ParentId)
        {
            targets.Add(unit.Id);
        }

        targets.Add(org.RootId);
        targets.Reverse();
        return [.. targets.Select(target => (IReadOnlyList<NamedScp>)[.. AttachedTo(org, target)])];
    }

    private static IEnumerable<NamedScp> AttachedTo(SeedOrganization org, string target)
    {
        if (!org.FullAwsAccessDetachedFrom.Contains(target, StringComparer.Ordinal))
        {
            yield return FullAwsAccess;
        }

        foreach (var policy in org.ServiceControlPolicies.Where(p => p.Targets.Contains(target, StringComparer.Ordinal)))
        {
            yield return new NamedScp(policy.Name, policy.Document.GetRawText());
        }
    }
}

/// <summary>An SCP's name and its document (JSON text).</summary>
public sealed record NamedScp(string Name, string Document);
