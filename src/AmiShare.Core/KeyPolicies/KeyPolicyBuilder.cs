using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using AmiShare.Core.Model;
using AmiShare.Core.Planning;
using AmiShare.Policy;
using AmiShare.Policy.Catalogue;
using AmiShare.Policy.Model;
using AmiShare.Policy.Validation;

namespace AmiShare.Core.KeyPolicies;

/// <summary>
/// Writes the key-policy statements AmiShare owns and merges them into an existing key policy.
/// Ownership is by Sid: <c>AmiShare{Use|Grant}{Region}{""|Org|Ou|Asg}</c>, e.g. <c>AmiShareUseUsEast1Org</c>.
/// Every other statement — including one whose Sid merely starts with AmiShare but does not follow that
/// grammar — is foreign and kept exactly, in its original order; AmiShare's statements follow it.
/// </summary>
public static partial class KeyPolicyBuilder
{
    public const string SidPrefix = "AmiShare";

    private enum Concern
    {
        Use,
        Grant,
    }

    private enum Shape
    {
        Principals,
        Org,
        Ou,
        Asg,
    }

    /// <summary>Splits a key policy into AmiShare's audiences and the statements it must not touch.</summary>
    public static KeyPolicyReading Read(string policyJson)
    {
        var parsed = ParseDocument(policyJson) ?? throw new ArgumentException("The key policy is not a JSON object with a Statement.", nameof(policyJson));
        return ReadParsed(parsed.Statements);
    }

    /// <summary>Adds <paramref name="add"/> to AmiShare's statements for <paramref name="region"/>, keeping all else.</summary>
    /// <param name="organization">Lets an oversized policy fold accounts into an org condition; null refuses instead.</param>
    public static KeyPolicyChange Share(string policyJson, string region, KeyAudience add, OrganizationFacts? organization = null)
    {
        ArgumentNullException.ThrowIfNull(add);
        return Change(policyJson, reading => reading.Audiences.SetItem(region, reading.AudienceIn(region).Union(add)), organization);
    }

    /// <summary>
    /// Removes <paramref name="remove"/> from AmiShare's statements for <paramref name="region"/>, except what
    /// <paramref name="stillSharedWith"/> still needs (another image under this key is still shared with it).
    /// A statement left with nobody is dropped.
    /// </summary>
    public static KeyPolicyChange Unshare(string policyJson, string region, KeyAudience remove, KeyAudience? stillSharedWith = null)
    {
        ArgumentNullException.ThrowIfNull(remove);
        var removable = remove.Except(stillSharedWith ?? KeyAudience.Empty);
        return Change(policyJson, reading => reading.Audiences.SetItem(region, reading.AudienceIn(region).Except(removable)), organization: null);
    }

    /// <summary>The audience a set of targets needs, by the rules of the issue: roots, given principals, org or OU conditions.</summary>
    /// <param name="principals">IAM principal ARNs; when given they replace the account roots of account targets.</param>
    public static KeyAudience AudienceFor(IEnumerable<ShareTarget> targets, IEnumerable<string> principals, bool asg, OrganizationFacts? organization, string partition = "aws")
    {
        var targetList = targets.ToList();
        var principalList = principals.ToList();
        var accounts = targetList.Where(t => t.IsAccount).Select(t => Arns.AccountRoot(t.Value, partition)).ToList();
        var named = principalList.Count > 0 ? principalList : accounts;
        var orgIds = targetList.Where(t => t.Kind == ShareTargetKind.Organization).Select(t => t.OrganizationId!);
        var paths = targetList.Where(t => t.Kind == ShareTargetKind.OrganizationalUnit).Select(t => OrgPathFor(t, organization));
        return KeyAudience.Of(named, orgIds, paths, asg ? accounts : []);
    }

    /// <summary>
    /// The <c>aws:PrincipalOrgPaths</c> pattern for an OU: the full path when discovery knows it, else
    /// <c>o-x/*/ou-y/*</c>, which matches the same accounts because OU ids are unique within an organization.
    /// </summary>
    public static string OrgPathFor(ShareTarget ou, OrganizationFacts? organization)
    {
        if (ou.Kind != ShareTargetKind.OrganizationalUnit)
        {
            throw new ArgumentException($"{ou.Value} is not an OU target.", nameof(ou));
        }

        if (organization?.OuPaths is { } known && known.TryGetValue(ou.OuId!, out var path))
        {
            return path.EndsWith('/') ? path + "*" : path + "/*";
        }

        return $"{ou.OrganizationId}/*/{ou.OuId}/*";
    }

    /// <summary>"us-east-1" → "UsEast1": Sids must be alphanumeric to be portable (SidRule).</summary>
    public static string RegionToken(string region) =>
        string.Concat(region.Split('-').Select(part => part.Length == 0 ? part : char.ToUpperInvariant(part[0]) + part[1..]));

    /// <summary>"UsEast1" → "us-east-1".</summary>
    public static string RegionFromToken(string token) =>
        RegionTokenBoundary().Replace(token, "-$0").ToLowerInvariant();

    public static int ByteCount(string policyJson) => Encoding.UTF8.GetByteCount(policyJson);

    private static KeyPolicyChange Change(string policyJson, Func<KeyPolicyReading, ImmutableSortedDictionary<string, KeyAudience>> transform, OrganizationFacts? organization)
    {
        if (ParseDocument(policyJson) is not { } parsed)
        {
            return new(policyJson, false, [PlanFinding.Blocking(
                "KeyPolicyUnreadable",
                "key policy",
                "The key policy is not a JSON object with a Statement list, so AmiShare cannot merge into it without risking statements it did not write. Fix the policy with aws kms put-key-policy, then rerun.")]);
        }

        var reading = ReadParsed(parsed.Statements);
        var audiences = transform(reading);
        var findings = ImmutableArray.CreateBuilder<PlanFinding>();
        var composed = Compose(parsed.Root, parsed.Statements, audiences);

        if (ByteCount(composed) > AwsLimits.KeyPolicyMaxBytes)
        {
            var fold = FoldToFit(parsed, audiences, organization, ByteCount(composed));
            if (fold.Refusal is { } refusal)
            {
                return new(policyJson, false, [refusal]);
            }

            findings.Add(fold.Note!);
            composed = fold.Composed!;
        }

        var selfCheck = SelfCheck(composed, parsed.Statements.Count(n => !IsOwned(n, out _, out _, out _)));
        if (selfCheck is not null)
        {
            return new(policyJson, false, [selfCheck]);
        }

        var original = parsed.Root.ToJsonString(PolicyWriter.Compact);
        var changed = !string.Equals(original, composed, StringComparison.Ordinal);
        return new(changed ? composed : policyJson, changed, findings.ToImmutable());
    }

    /// <summary>What AmiShare writes must be valid and never public (design "Principles"); a failure here is a bug, not a user error.</summary>
    private static PlanFinding? SelfCheck(string composed, int foreignCount)
    {
        foreach (var finding in PolicyValidator.Validate(composed, PolicyKind.Key))
        {
            if (finding.Severity is not (Severity.Error or Severity.SecurityWarning) || finding.Code == FindingCodes.KeyPolicyTooLarge)
            {
                continue;
            }

            if (finding.StatementIndex is { } index && index >= foreignCount)
            {
                return PlanFinding.Blocking(
                    "GeneratedKeyPolicyInvalid",
                    "key policy",
                    $"AmiShare produced a key-policy statement that fails its own check ({finding}). Nothing was changed; please report this as a bug.");
            }
        }

        return null;
    }

    [GeneratedRegex("(?<=[a-z])[A-Z]|(?<=[a-z])[0-9]")]
    private static partial Regex RegionTokenBoundary();
}
