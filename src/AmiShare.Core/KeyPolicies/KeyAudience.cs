using System.Collections.Immutable;

namespace AmiShare.Core.KeyPolicies;

/// <summary>
/// Who AmiShare's statements in one region of a key policy admit. Sets are ordinal-sorted so the
/// statements they produce are byte-identical run after run, which is what makes a rerun plan nothing.
/// </summary>
/// <param name="Principals">Account root or IAM principal ARNs, named directly.</param>
/// <param name="OrganizationIds">Organizations admitted with <c>Principal: "*"</c> and <c>aws:PrincipalOrgID</c>.</param>
/// <param name="OrgPaths">OU paths admitted with <c>Principal: "*"</c> and <c>aws:PrincipalOrgPaths</c>.</param>
/// <param name="AsgPrincipals">Account roots that may create grants without GrantIsForAWSResource, for Auto Scaling.</param>
public sealed record KeyAudience(
    ImmutableSortedSet<string> Principals,
    ImmutableSortedSet<string> OrganizationIds,
    ImmutableSortedSet<string> OrgPaths,
    ImmutableSortedSet<string> AsgPrincipals)
{
    public static KeyAudience Empty { get; } = Of();

    public bool IsEmpty => Principals.IsEmpty && OrganizationIds.IsEmpty && OrgPaths.IsEmpty && AsgPrincipals.IsEmpty;

    public KeyAudience Union(KeyAudience other) => new(
        Principals.Union(other.Principals),
        OrganizationIds.Union(other.OrganizationIds),
        OrgPaths.Union(other.OrgPaths),
        AsgPrincipals.Union(other.AsgPrincipals));

    public KeyAudience Except(KeyAudience other) => new(
        Principals.Except(other.Principals),
        OrganizationIds.Except(other.OrganizationIds),
        OrgPaths.Except(other.OrgPaths),
        AsgPrincipals.Except(other.AsgPrincipals));

    public static KeyAudience Of(
        IEnumerable<string>? principals = null,
        IEnumerable<string>? organizationIds = null,
        IEnumerable<string>? orgPaths = null,
        IEnumerable<string>? asgPrincipals = null) => new(
        Sorted(principals),
        Sorted(organizationIds),
        Sorted(orgPaths),
        Sorted(asgPrincipals));

    /// <summary>Ordinal, not culture order: the text of a statement must not depend on the machine.</summary>
    private static ImmutableSortedSet<string> Sorted(IEnumerable<string>? values) =>
        ImmutableSortedSet.CreateRange(StringComparer.Ordinal, values ?? []);
}
