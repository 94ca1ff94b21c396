using AmiShare.Policy.Conditions;
using AmiShare.Policy.Model;

namespace AmiShare.Policy.Validation.Rules;

/// <summary>
/// <c>Null</c> tests whether a key is present. <c>NullIfExists</c> is self-contradictory and IAM rejects it;
/// values other than true/false have no meaning.
/// </summary>
internal sealed class NullOperatorRule : IPolicyRule
{
    public const string NullWithIfExists = "NullWithIfExists";
    public const string InvalidNullValue = "InvalidNullValue";

    public IEnumerable<Finding> Check(PolicyDocument document, PolicyKind kind)
    {
        foreach (var statement in document.Statements)
        {
            foreach (var clause in statement.Conditions)
            {
                if (!ConditionOperator.TryParse(clause.Operator, out var op) || op.Family != OperatorFamily.Null)
                {
                    continue;
                }

                var location = PolicyLocation.Of(statement, clause);
                if (op.IfExists)
                {
                    yield return Finding.Error(
                        NullWithIfExists,
                        location,
                        "Null already tests whether the key exists, so IfExists cannot be combined with it. Use \"Null\" without the IfExists suffix.");
                }

                foreach (var value in clause.Values)
                {
                    if (!ConditionValueTypeRule.IsBoolean(value))
                    {
                        yield return Finding.Error(
                            InvalidNullValue,
                            location,
                            $"Null takes true (the key is absent) or false (the key is present), not \"{value}\". Use \"true\" or \"false\".");
                    }
                }
            }
        }
    }
}
