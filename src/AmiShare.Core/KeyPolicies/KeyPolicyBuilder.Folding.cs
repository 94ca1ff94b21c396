using System.Collections.Immutable;
using System.Globalization;
using AmiShare.Core.Model;
using AmiShare.Core.Planning;
using AmiShare.Policy.Catalogue;
using AmiShare.Policy.Validation;

namespace AmiShare.Core.KeyPolicies;

/// <summary>What to do when naming every account would pass KMS's key-policy size limit (docs/share-plan.md "fold").</summary>
public static partial class KeyPolicyBuilder
{
    /// <summary>Plan finding: the fold would admit accounts nobody asked for, and <c>--fold-wider</c> was not given.</summary>
    public const string FoldWouldWidenCode = "KeyPolicyFoldWouldWiden";

    /// <summary>Plan finding: the accounts were folded into organization conditions (a warning).</summary>
    public const string FoldedCode = "KeyPolicyFoldedIntoOrganization";

    /// <summary>How many unasked accounts a message lists by id before it says "and N more".</summary>
    private const int ListedAccounts = 5;

    private sealed record FoldOutcome(string? Composed, PlanFinding? Note, PlanFinding? Refusal);

    /// <summary>
    /// The narrowest fold that fits, or the refusal with its fix. Never silently wider than asked: a fold that admits
    /// other accounts needs <see cref="OrganizationFacts.WiderFoldAllowed"/>, and a target outside the organization
    /// (or an organization not read) refuses.
    /// </summary>
    private static FoldOutcome FoldToFit(ParsedDocument parsed, ImmutableSortedDictionary<string, KeyAudience> audiences, OrganizationFacts? organization, int bytes)
    {
        if (organization is null || !organization.MembershipKnown)
        {
            return new(null, null, TooLarge(bytes, "Share with an organization or OU ARN instead of account by account, or let AmiShare read the organization (Organizations ListRoots, ListOrganizationalUnitsForParent and ListAccountsForParent, from the management account or a delegated administrator) so it can fold the accounts into an aws:PrincipalOrgID or aws:PrincipalOrgPaths condition."));
        }

        var outsiders = KeyPolicyFold.NonMembers(audiences, organization);
        if (!outsiders.IsEmpty)
        {
            return new(null, null, TooLarge(bytes, $"Folding into an organization condition needs every target in {organization.OrganizationId}, and {Listed(outsiders)} {(outsiders.Count == 1 ? "is" : "are")} not; share with those in another run or under another key, or share with an organization or OU ARN."));
        }

        var smallest = bytes;
        foreach (var candidate in KeyPolicyFold.Candidates(audiences, organization))
        {
            var text = Compose(parsed.Root, parsed.Statements, candidate.Audiences);
            var size = ByteCount(text);
            smallest = Math.Min(smallest, size);
            if (size > AwsLimits.KeyPolicyMaxBytes)
            {
                continue;
            }

            var conditions = string.Join(" and ", candidate.Conditions);
            var why = $"Naming every account would take the key policy past KMS's {AwsLimits.KeyPolicyMaxBytes.ToString("N0", CultureInfo.InvariantCulture)}-byte limit, so the accounts (all members of {organization.OrganizationId}) are admitted with Principal \"*\" and {conditions} instead";
            if (candidate.Unasked.IsEmpty)
            {
                return new(text, PlanFinding.Warning(FoldedCode, "key policy", $"{why}; that admits exactly the accounts asked for."), null);
            }

            if (!organization.WiderFoldAllowed)
            {
                return new(null, null, PlanFinding.Blocking(
                    FoldWouldWidenCode,
                    "key policy",
                    $"{why.Replace("are admitted", "would be admitted", StringComparison.Ordinal)}, which would also admit {Listed(candidate.Unasked)}, not asked for. AmiShare never widens a share on its own: rerun with --fold-wider to accept that, add those accounts to --with, or share with fewer accounts under this key."));
            }

            return new(text, PlanFinding.Warning(FoldedCode, "key policy", $"{why}; as --fold-wider allowed, that also admits {Listed(candidate.Unasked)}, not asked for."), null);
        }

        return new(null, null, TooLarge(smallest, "Even folded into organization conditions the policy does not fit; share with an organization or OU ARN, or split the accounts over several keys."));
    }

    private static PlanFinding TooLarge(int bytes, string fix) => PlanFinding.Blocking(
        FindingCodes.KeyPolicyTooLarge,
        "key policy",
        string.Create(CultureInfo.InvariantCulture, $"The key policy would grow to {bytes:N0} bytes; KMS accepts at most {AwsLimits.KeyPolicyMaxBytes:N0} and never more. AmiShare will not drop statements to fit. {fix}"));

    private static string Listed(ImmutableSortedSet<string> accounts) =>
        accounts.Count <= ListedAccounts
            ? $"{(accounts.Count == 1 ? "account" : "accounts")} {string.Join(", ", accounts)}"
            : $"{accounts.Count} accounts ({string.Join(", ", accounts.Take(ListedAccounts))} and {accounts.Count - ListedAccounts} more)";
}
