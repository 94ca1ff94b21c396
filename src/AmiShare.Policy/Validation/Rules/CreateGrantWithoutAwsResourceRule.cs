using AmiShare.Policy.Conditions;
using AmiShare.Policy.Evaluation;
using AmiShare.Policy.Matching;
using AmiShare.Policy.Model;
using AmiShare.Policy.Catalogue;

namespace AmiShare.Policy.Validation.Rules;

/// <summary>
/// A grant can hand a key's use on to anyone the grantee chooses. EBS needs kms:CreateGrant only for grants
/// to AWS services, which <c>kms:GrantIsForAWSResource = true</c> enforces. Letting another account create
/// arbitrary grants is what Auto Scaling's service-linked role requires, and AmiShare writes it only
/// deliberately for that case; anywhere else it is worth a second look.
/// </summary>
/// <remarks>
/// The key's own account is not in the policy, so it is inferred: the accounts that the policy gives
/// kms:* (the root delegation and key administrators of the default key policy) are treated as home.
/// With no such statement, only a <c>"*"</c> principal counts as foreign.
/// </remarks>
internal sealed class CreateGrantWithoutAwsResourceRule : IPolicyRule
{
    public const string Code = "CreateGrantWithoutAwsResourceCondition";

    private const string GrantIsForAwsResource = ConditionKeys.KmsGrantIsForAwsResource;

    public IEnumerable<Finding> Check(PolicyDocument document, PolicyKind kind)
    {
        if (kind != PolicyKind.Key)
        {
            yield break;
        }

        var home = HomeAccounts(document);
        foreach (var statement in document.Statements)
        {
            if (statement.Effect != Effect.Allow
                || statement.Action is not { } actions
                || !actions.Any(a => Glob.IsMatch(a, KmsActions.CreateGrant, ignoreCase: true))
                || RequiresAwsResource(statement)
                || ForeignPrincipal(statement.Principal, home) is not { } foreign)
            {
                continue;
            }

            yield return new Finding(
                Code,
                Severity.Warning,
                PolicyLocation.Of(statement),
                $"This statement lets {foreign} call {KmsActions.CreateGrant} without \"Bool\": {{\"{GrantIsForAwsResource}\": \"true\"}}, so it can grant this key's use to any principal it likes. Add that condition unless the grant is meant for Auto Scaling's service-linked role in the target account.");
        }
    }

    private static HashSet<string> HomeAccounts(PolicyDocument document)
    {
        var accounts = new HashSet<string>(StringComparer.Ordinal);
        foreach (var statement in document.Statements)
        {
            if (statement.Effect == Effect.Allow
                && statement.Action is { } actions
                && actions.Any(a => a == "*" || a.Equals(KmsActions.All, StringComparison.OrdinalIgnoreCase))
                && statement.Principal is { IsWildcard: false } principal)
            {
                foreach (var entry in principal.Entries)
                {
                    if (AccountOf(entry) is { } account)
                    {
                        accounts.Add(account);
                    }
                }
            }
        }

        return accounts;
    }

    private static string? ForeignPrincipal(PrincipalSet? principal, HashSet<string> home)
    {
        if (principal is null)
        {
            return null;
        }

        if (principal.IsWildcard)
        {
            return "any principal";
        }

        foreach (var entry in principal.Entries)
        {
            if (entry.Type != PrincipalEntry.Aws)
            {
                continue;
            }

            if (entry.Value == "*")
            {
                return "any principal";
            }

            if (home.Count > 0 && AccountOf(entry) is { } account && !home.Contains(account))
            {
                return $"account {account}";
            }
        }

        return null;
    }

    private static bool RequiresAwsResource(PolicyStatement statement)
    {
        foreach (var clause in statement.Conditions)
        {
            if (clause.Key.Equals(GrantIsForAwsResource, StringComparison.OrdinalIgnoreCase)
                && ConditionOperator.TryParse(clause.Operator, out var op)
                && op is { Family: OperatorFamily.Bool, IfExists: false }
                && clause.Values.All(v => v.Equals("true", StringComparison.OrdinalIgnoreCase)))
            {
                return true;
            }
        }

        return false;
    }

    private static string? AccountOf(PrincipalEntry entry)
    {
        if (entry.Type != PrincipalEntry.Aws)
        {
            return null;
        }

        return CallerPrincipal.IsAccountId(entry.Value) ? entry.Value : CallerPrincipal.Parse(entry.Value)?.AccountId;
    }
}
