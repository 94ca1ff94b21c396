using AmiShare.Policy.Catalogue;
using AmiShare.Policy.Conditions;
using AmiShare.Policy.Model;

namespace AmiShare.Policy.Validation.Rules;

/// <summary>
/// A <c>"*"</c> principal in an Allow is anyone on the internet unless a condition pins the caller down
/// (organization, account, source, network). Conditions on other things (encryption context, time,
/// transport) do not make it private, nor do negated or absent-friendly tests of a scoping key.
/// </summary>
internal sealed class PublicAccessRule : IPolicyRule
{
    public const string Code = "PublicAccess";

    public IEnumerable<Finding> Check(PolicyDocument document, PolicyKind kind)
    {
        if (kind is not (PolicyKind.Resource or PolicyKind.Key))
        {
            yield break;
        }

        foreach (var statement in document.Statements)
        {
            if (statement.Effect != Effect.Allow || !IsEveryone(statement.Principal) || HasCallerScopingCondition(statement))
            {
                continue;
            }

            var why = statement.Conditions.IsEmpty
                ? "it has no condition"
                : "none of its conditions limits who the caller is";
            yield return new Finding(
                Code,
                Severity.SecurityWarning,
                PolicyLocation.Of(statement, "Principal"),
                $"This statement allows any principal (\"*\") and {why}, so anyone, in any account, can use it. Name the accounts in Principal, or add a condition such as {ConditionKeys.AwsPrincipalOrgId}, {ConditionKeys.AwsPrincipalAccount} or {ConditionKeys.KmsCallerAccount}.");
        }
    }

    private static bool IsEveryone(PrincipalSet? principal)
    {
        if (principal is null)
        {
            return false;
        }

        if (principal.IsWildcard)
        {
            return true;
        }

        foreach (var entry in principal.Entries)
        {
            if (entry.Type == PrincipalEntry.Aws && entry.Value == "*")
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Only a positive test narrows the caller: StringNotEquals excludes a few, IfExists and ForAllValues
    /// pass when the key is missing, and Null tests presence, not identity.
    /// </summary>
    private static bool HasCallerScopingCondition(PolicyStatement statement)
    {
        foreach (var clause in statement.Conditions)
        {
            if (ConditionKeyKinds.ScopesCaller(clause.Key)
                && ConditionOperator.TryParse(clause.Operator, out var op)
                && !op.IsNegated
                && !op.IfExists
                && op.Qualifier != SetQualifier.ForAllValues
                && op.Family != OperatorFamily.Null)
            {
                return true;
            }
        }

        return false;
    }
}
