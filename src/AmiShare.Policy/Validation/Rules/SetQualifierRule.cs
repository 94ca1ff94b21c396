using AmiShare.Policy.Catalogue;
using AmiShare.Policy.Conditions;
using AmiShare.Policy.Model;

namespace AmiShare.Policy.Validation.Rules;

/// <summary>
/// Set qualifiers belong on keys whose request value is a set. <c>ForAllValues</c> on a single-valued key
/// is the classic over-grant: it is true when the key is absent, so an Allow "for callers in my org"
/// also lets in every caller that carries no org id. Conversely, a set key tested without a qualifier is
/// compared in ways that are easy to misread, so say which of "any" or "all" is meant.
/// </summary>
internal sealed class SetQualifierRule : IPolicyRule
{
    public const string ForAllValuesWithSingleValuedKey = "ForAllValuesWithSingleValuedKey";
    public const string ForAnyValueWithSingleValuedKey = "ForAnyValueWithSingleValuedKey";
    public const string MultivaluedKeyWithoutQualifier = "MultivaluedKeyWithoutQualifier";

    public IEnumerable<Finding> Check(PolicyDocument document, PolicyKind kind)
    {
        foreach (var statement in document.Statements)
        {
            foreach (var clause in statement.Conditions)
            {
                if (!ConditionOperator.TryParse(clause.Operator, out var op))
                {
                    continue;
                }

                var location = PolicyLocation.Of(statement, clause);
                var bare = op with { Qualifier = SetQualifier.None };
                if (op.Qualifier == SetQualifier.ForAllValues && ConditionKeyKinds.IsSingleValued(clause.Key))
                {
                    yield return statement.Effect == Effect.Allow
                        ? new Finding(
                            ForAllValuesWithSingleValuedKey,
                            Severity.SecurityWarning,
                            location,
                            $"{clause.Key} is single-valued, and ForAllValues is true when the key is absent, so this Allow also applies to requests without {clause.Key}. Remove ForAllValues: and use \"{bare}\".")
                        : new Finding(
                            ForAllValuesWithSingleValuedKey,
                            Severity.Warning,
                            location,
                            $"{clause.Key} is single-valued; ForAllValues is meant for keys that carry a set, and it behaves surprisingly when the key is absent. Remove ForAllValues: and use \"{bare}\".");
                }
                else if (op.Qualifier == SetQualifier.ForAnyValue && ConditionKeyKinds.IsSingleValued(clause.Key))
                {
                    yield return new Finding(
                        ForAnyValueWithSingleValuedKey,
                        Severity.Warning,
                        location,
                        $"{clause.Key} is single-valued; ForAnyValue is meant for keys that carry a set. Remove ForAnyValue: and use \"{bare}\".");
                }
                else if (op.Qualifier == SetQualifier.None && op.Family != OperatorFamily.Null && ConditionKeyKinds.IsMultivalued(clause.Key))
                {
                    yield return new Finding(
                        MultivaluedKeyWithoutQualifier,
                        Severity.Warning,
                        location,
                        $"{clause.Key} carries a set of values, and without a set qualifier it is unclear whether any or every value must match. Use \"ForAnyValue:{op}\" (at least one matches) or \"ForAllValues:{op}\" (every one matches).");
                }
            }
        }
    }
}
