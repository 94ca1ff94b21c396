using System.Collections.Immutable;
using AmiShare.Core.Model;

namespace AmiShare.Core.KeyPolicies;

/// <summary>One way to admit the named accounts of AmiShare's statements through organization conditions.</summary>
/// <param name="Audiences">Per region, the audience after the fold.</param>
/// <param name="Conditions">What admits the folded accounts now, for the plan: <c>aws:PrincipalOrgID = o-x</c> or <c>aws:PrincipalOrgPaths = o-x/r-y/ou-z/*</c>.</param>
/// <param name="Unasked">Accounts the fold admits that no target named; empty means exactly the accounts asked for.</param>
public sealed record FoldCandidate(
    ImmutableSortedDictionary<string, KeyAudience> Audiences,
    ImmutableSortedSet<string> Conditions,
    ImmutableSortedSet<string> Unasked);

/// <summary>
/// Decides how to fold account roots into <c>aws:PrincipalOrgID</c> / <c>aws:PrincipalOrgPaths</c> when naming them
/// all would pass KMS's key-policy size limit (docs/aws-facts.md §5). Pure: the organization tree comes from
/// discovery. Candidates go from narrowest to widest: first the OUs whose every account was asked for (nothing
/// unasked admitted), then each leftover account's parent OU, then one level up at a time until the organization.
/// Only account roots fold; an IAM principal ARN stays named, since a condition would widen it to its whole account.
/// </summary>
public static class KeyPolicyFold
{
    /// <summary>The accounts named (as roots) in <paramref name="audiences"/> that the organization does not contain.</summary>
    public static ImmutableSortedSet<string> NonMembers(ImmutableSortedDictionary<string, KeyAudience> audiences, OrganizationFacts organization)
    {
        ArgumentNullException.ThrowIfNull(audiences);
        ArgumentNullException.ThrowIfNull(organization);
        return [.. audiences.Values.SelectMany(a => RootAccounts(a.Principals)).Where(a => !organization.ContainsAccount(a))];
    }

    /// <summary>Candidate folds, narrowest first; each folds every region's account roots at the same level.</summary>
    public static IEnumerable<FoldCandidate> Candidates(ImmutableSortedDictionary<string, KeyAudience> audiences, OrganizationFacts organization)
    {
        ArgumentNullException.ThrowIfNull(audiences);
        ArgumentNullException.ThrowIfNull(organization);
        var perRegion = audiences
            .Where(a => RootAccounts(a.Value.Principals).Any())
            .ToDictionary(a => a.Key, a => Covers([.. RootAccounts(a.Value.Principals)], organization).ToList(), StringComparer.Ordinal);
        var levels = perRegion.Count == 0 ? 0 : perRegion.Values.Max(c => c.Count);
        for (var level = 0; level < levels; level++)
        {
            var result = audiences;
            var conditions = ImmutableSortedSet.CreateBuilder<string>(StringComparer.Ordinal);
            var unasked = ImmutableSortedSet.CreateBuilder<string>(StringComparer.Ordinal);
            foreach (var (region, covers) in perRegion)
            {
                var cover = covers[Math.Min(level, covers.Count - 1)];
                var audience = audiences[region];
                var folded = RootAccounts(audience.Principals).Except(cover.Named).ToHashSet(StringComparer.Ordinal);
                result = result.SetItem(region, audience with
                {
                    Principals = audience.Principals.Where(p => !(IsAccountRoot(p) && folded.Contains(Arns.AccountOf(p)))).ToImmutableSortedSet(StringComparer.Ordinal),
                    OrganizationIds = cover.WholeOrganization ? audience.OrganizationIds.Add(organization.OrganizationId) : audience.OrganizationIds,
                    OrgPaths = audience.OrgPaths.Union(cover.Paths.Select(p => p + "*")),
                });
                if (cover.WholeOrganization)
                {
                    conditions.Add($"aws:PrincipalOrgID = {organization.OrganizationId}");
                }

                conditions.UnionWith(cover.Paths.Select(p => $"aws:PrincipalOrgPaths = {p}*"));
                unasked.UnionWith(cover.Unasked);
            }

            yield return new FoldCandidate(result, conditions.ToImmutable(), unasked.ToImmutable());
        }
    }

    /// <summary>One region's cover: the whole organization, or OU paths, plus the accounts that stay named.</summary>
    private sealed record Cover(bool WholeOrganization, ImmutableArray<string> Paths, ImmutableHashSet<string> Named, ImmutableArray<string> Unasked);

    private static IEnumerable<Cover> Covers(ImmutableHashSet<string> asked, OrganizationFacts organization)
    {
        if (organization.AccountPaths is not { } paths)
        {
            // Only the member list is known: the organization is the one condition that covers them.
            var members = organization.KnownMembers.ToImmutableHashSet(StringComparer.Ordinal);
            yield return new Cover(true, [], [], [.. members.Except(asked)]);
            yield break;
        }

        var nodes = paths.Values.SelectMany(Prefixes).ToImmutableHashSet(StringComparer.Ordinal);
        var exact = Normalize(nodes.Where(n => Under(n, paths).All(asked.Contains)));
        var named = asked.Where(a => !exact.Any(n => paths[a].StartsWith(n, StringComparison.Ordinal))).ToImmutableHashSet(StringComparer.Ordinal);
        if (!exact.IsEmpty)
        {
            yield return Make(exact, named, asked, paths);
        }

        var widened = Normalize(exact.Concat(named.Select(a => paths[a])));
        yield return Make(widened, [], asked, paths);
        while (widened.Any(n => !IsRootNode(n)))
        {
            var deepest = widened.Max(Depth);
            widened = Normalize(widened.Select(n => Depth(n) == deepest && !IsRootNode(n) ? Parent(n) : n));
            yield return Make(widened, [], asked, paths);
        }
    }

    private static Cover Make(ImmutableArray<string> nodes, ImmutableHashSet<string> named, ImmutableHashSet<string> asked, ImmutableDictionary<string, string> paths)
    {
        var admitted = nodes.SelectMany(n => Under(n, paths));
        var unasked = admitted.Where(a => !asked.Contains(a)).Distinct(StringComparer.Ordinal).ToImmutableArray();
        var whole = nodes.Any(IsRootNode);
        return new Cover(whole, whole ? [] : nodes, named, unasked);
    }

    private static IEnumerable<string> Under(string node, ImmutableDictionary<string, string> paths) =>
        paths.Where(p => p.Value.StartsWith(node, StringComparison.Ordinal)).Select(p => p.Key);

    /// <summary>Drops a node whose ancestor is also chosen; ordinal order so the policy text is stable.</summary>
    private static ImmutableArray<string> Normalize(IEnumerable<string> nodes)
    {
        var set = nodes.ToImmutableSortedSet(StringComparer.Ordinal);
        return [.. set.Where(n => !set.Any(other => other != n && n.StartsWith(other, StringComparison.Ordinal)))];
    }

    /// <summary><c>o-x/r-y/ou-a/</c> → <c>o-x/r-y/</c>, <c>o-x/r-y/ou-a/</c>: the root and every OU on the way.</summary>
    private static IEnumerable<string> Prefixes(string path)
    {
        var segments = path.TrimEnd('/').Split('/');
        for (var i = 2; i <= segments.Length; i++)
        {
            yield return string.Join('/', segments.Take(i)) + "/";
        }
    }

    private static int Depth(string node) => node.TrimEnd('/').Split('/').Length;

    private static bool IsRootNode(string node) => Depth(node) <= 2;

    private static string Parent(string node)
    {
        var segments = node.TrimEnd('/').Split('/');
        return string.Join('/', segments.Take(segments.Length - 1)) + "/";
    }

    private static bool IsAccountRoot(string principal) => principal.EndsWith(":root", StringComparison.Ordinal);

    private static IEnumerable<string> RootAccounts(IEnumerable<string> principals) =>
        principals.Where(IsAccountRoot).Select(Arns.AccountOf);
}
