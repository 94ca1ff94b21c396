using System.Security.Cryptography;
using System.Text;
using AmiShare.LocalCloud.Authorization;
using AmiShare.LocalCloud.Seed;
using AmiShare.LocalCloud.State;

namespace AmiShare.LocalCloud.Services.Organizations;

/// <summary>An organization policy (SCP or RCP) and the roots, units and accounts it is attached to.</summary>
public sealed record OrganizationPolicyRecord(
    string Id,
    string Name,
    string Description,
    string Type,
    string Content,
    bool AwsManaged,
    IReadOnlyList<string> Targets);

/// <summary>
/// The organization's SCPs and RCPs as state, so CreatePolicy, AttachPolicy and DetachPolicy change what the
/// authorizer enforces and survive a restart with <c>--data</c>. Filled from the seed when the store is new:
/// FullAWSAccess and RCPFullAWSAccess attached everywhere (FullAWSAccess minus <c>fullAwsAccessDetachedFrom</c>),
/// plus the seeded policies. Reads come from an immutable copy swapped after each write, so authorizing costs no I/O.
/// </summary>
public sealed class OrganizationPolicyStore : IOrganizationPolicySource
{
    public const string FullAwsAccessId = "p-FullAWSAccess";

    public const string RcpFullAwsAccessId = "p-RCPFullAWSAccess";

    private static readonly EntityKind<OrganizationPolicyRecord> Kind = new("organizations.policy");

    private readonly LocalCloudState state;
    private readonly OrganizationDirectory organization;
    private volatile IReadOnlyList<OrganizationPolicyRecord> policies;

    public OrganizationPolicyStore(LocalCloudState state, OrganizationDirectory organization)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(organization);
        this.state = state;
        this.organization = organization;
        policies = organization.SeedOrganization is null ? [] : state.Write(transaction =>
        {
            if (transaction.List(Kind).Count == 0)
            {
                foreach (var record in SeededPolicies(organization))
                {
                    transaction.Put(Kind, EntityKey.Global(record.Id), record);
                }
            }

            return transaction.List(Kind);
        });
    }

    public IReadOnlyList<OrganizationPolicyRecord> All => policies;

    public OrganizationPolicyRecord? Find(string policyId) => policies.FirstOrDefault(p => p.Id == policyId);

    /// <summary>Every target (root, unit, account) of the organization.</summary>
    public IEnumerable<string> AllTargets => organization.SeedOrganization is { } org
        ? [org.RootId, .. org.Units.Select(u => u.Id), .. organization.Accounts.Where(a => a.OrganizationId is not null).Select(a => a.Id)]
        : [];

    /// <summary>Adds, replaces (attach, detach) a policy under the state's write lock; <paramref name="change"/> may throw to refuse.</summary>
    public OrganizationPolicyRecord Update(string policyId, Func<OrganizationPolicyRecord?, OrganizationPolicyRecord> change)
    {
        ArgumentNullException.ThrowIfNull(change);
        var (updated, all) = state.Write(transaction =>
        {
            var next = change(transaction.Find(Kind, EntityKey.Global(policyId)));
            transaction.Put(Kind, EntityKey.Global(next.Id), next);
            return (next, transaction.List(Kind));
        });
        policies = all;
        return updated;
    }

    public IReadOnlyList<IReadOnlyList<NamedScp>> ServiceControlPolicyLevelsOf(string accountId)
    {
        var targets = organization.PolicyTargetsOf(accountId);
        var scps = policies.Where(p => p.Type == OrganizationPolicyRules.ServiceControlPolicyType).ToList();

        // As in an organization with only FullAWSAccess attached, SCPs then limit nothing: skip the work.
        var onlyFullAccess = scps.All(p => p.Id == FullAwsAccessId || p.Targets.Count == 0)
            && scps.FirstOrDefault(p => p.Id == FullAwsAccessId) is { } full && targets.All(full.Targets.Contains);
        if (targets.Count == 0 || onlyFullAccess)
        {
            return [];
        }

        return [.. targets.Select(target => (IReadOnlyList<NamedScp>)[.. scps.Where(p => p.Targets.Contains(target)).Select(p => new NamedScp(p.Name, p.Content))])];
    }

    public IReadOnlyList<NamedScp> ResourceControlPoliciesOf(string accountId)
    {
        var targets = organization.PolicyTargetsOf(accountId);
        return targets.Count == 0
            ? []
            : [.. policies.Where(p => p.Type == OrganizationPolicyRules.ResourceControlPolicyType && p.Id != RcpFullAwsAccessId && p.Targets.Any(targets.Contains))
                .Select(p => new NamedScp(p.Name, p.Content))];
    }

    /// <summary>A seeded policy's id: stable across restarts and machines, derived from its type and name.</summary>
    public static string SeededPolicyId(string type, string name)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(type + "/" + name));
        return "p-" + Convert.ToHexStringLower(hash.AsSpan(0, 5));
    }

    private static IEnumerable<OrganizationPolicyRecord> SeededPolicies(OrganizationDirectory organization)
    {
        var org = organization.SeedOrganization!;
        List<string> everywhere = [org.RootId, .. org.Units.Select(u => u.Id), .. organization.Accounts.Where(a => a.OrganizationId is not null).Select(a => a.Id)];
        yield return new(FullAwsAccessId, OrganizationDirectory.FullAwsAccess.Name, "Allows access to every operation", OrganizationPolicyRules.ServiceControlPolicyType,
            OrganizationDirectory.FullAwsAccess.Document, AwsManaged: true, [.. everywhere.Where(t => !org.FullAwsAccessDetachedFrom.Contains(t))]);
        yield return new(RcpFullAwsAccessId, OrganizationDirectory.RcpFullAwsAccess.Name, "Allows access to every operation", OrganizationPolicyRules.ResourceControlPolicyType,
            OrganizationDirectory.RcpFullAwsAccess.Document, AwsManaged: true, everywhere);
        foreach (var scp in org.ServiceControlPolicies)
        {
            yield return new(SeededPolicyId(OrganizationPolicyRules.ServiceControlPolicyType, scp.Name), scp.Name, string.Empty,
                OrganizationPolicyRules.ServiceControlPolicyType, scp.Document.GetRawText(), AwsManaged: false, scp.Targets);
        }

        foreach (var declarative in org.DeclarativePolicies)
        {
            yield return new(SeededPolicyId(Ec2.Ec2DeclarativePolicy.PolicyType, declarative.Name), declarative.Name, string.Empty,
                Ec2.Ec2DeclarativePolicy.PolicyType, declarative.Document.GetRawText(), AwsManaged: false, declarative.Targets);
        }

        foreach (var rcp in org.ResourceControlPolicies)
        {
            yield return new(SeededPolicyId(OrganizationPolicyRules.ResourceControlPolicyType, rcp.Name), rcp.Name, string.Empty,
                OrganizationPolicyRules.ResourceControlPolicyType, rcp.Document.GetRawText(), AwsManaged: false, rcp.Targets);
        }
    }
}
