using AmiShare.Policy.Conditions;
using AmiShare.Policy.Model;

namespace AmiShare.Policy.Validation.Rules;

/// <summary>
/// IAM rejects a policy with an operator it does not know. Names are case-sensitive, so
/// <c>stringEquals</c> is as wrong as <c>StringEqual</c>.
/// </summary>
internal sealed class ConditionOperatorRule : IPolicyRule
{
    public const string InvalidConditionOperator = "InvalidConditionOperator";

    public IEnumerable<Finding> Check(PolicyDocument document, PolicyKind kind)
    {
        foreach (var statement in document.Statements)
        {
            // One finding per operator, however many keys sit under it.
            var reported = new HashSet<string>(StringComparer.Ordinal);
            foreach (var clause in statement.Conditions)
            {
                if (!ConditionOperator.TryParse(clause.Operator, out _) && reported.Add(clause.Operator))
                {
                    yield return Finding.Error(
                        InvalidConditionOperator,
                        PolicyLocation.OfOperator(statement, clause.Operator),
                        $"\"{clause.Operator}\" is not a condition operator. Use one of IAM's operators, spelled exactly (for example StringEquals, ArnLike, Bool, IpAddress), optionally with a ForAnyValue:/ForAllValues: prefix or an IfExists suffix.");
                }
            }
        }
    }
}
