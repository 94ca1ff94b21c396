using System.Text;
using AmiShare.Policy.Conditions;
using AmiShare.Policy.Model;

namespace AmiShare.Policy.Validation.Rules;

/// <summary>
/// StringEquals and its relatives compare literally: <c>"arn:aws:iam::*:role/x"</c> only matches that exact
/// text, star included. The author almost always meant StringLike. (Numeric, Date and Bool values with a
/// star are already reported as unparseable by <see cref="ConditionValueTypeRule"/>.)
/// </summary>
internal sealed class WildcardInLiteralOperatorRule : IPolicyRule
{
    public const string Code = "WildcardInLiteralOperator";

    public IEnumerable<Finding> Check(PolicyDocument document, PolicyKind kind)
    {
        foreach (var statement in document.Statements)
        {
            foreach (var clause in statement.Conditions)
            {
                if (!ConditionOperator.TryParse(clause.Operator, out var op) || !IsLiteralStringOperator(op.Family))
                {
                    continue;
                }

                foreach (var value in clause.Values)
                {
                    if (HasWildcard(value, document.SupportsVariables))
                    {
                        var like = op.IsNegated ? "StringNotLike" : "StringLike";
                        yield return new Finding(
                            Code,
                            Severity.Warning,
                            PolicyLocation.Of(statement, clause),
                            $"\"{value}\" contains * or ?, but {op.Family} compares literally and treats them as ordinary characters. Use {like} if you meant a pattern (it is case-sensitive), or ${{*}} / ${{?}} to say a literal character on purpose.");
                        break;
                    }
                }
            }
        }
    }

    private static bool IsLiteralStringOperator(OperatorFamily family) => family is OperatorFamily.StringEquals
        or OperatorFamily.StringNotEquals or OperatorFamily.StringEqualsIgnoreCase or OperatorFamily.StringNotEqualsIgnoreCase;

    /// <summary>Under the current version, <c>${…}</c> is a variable or an escape (<c>${*}</c>), never a wildcard.</summary>
    private static bool HasWildcard(string value, bool supportsVariables)
    {
        if (!supportsVariables || !value.Contains("${", StringComparison.Ordinal))
        {
            return value.AsSpan().IndexOfAny('*', '?') >= 0;
        }

        var outside = new StringBuilder(value.Length);
        var i = 0;
        while (i < value.Length)
        {
            if (value[i] == '$' && i + 1 < value.Length && value[i + 1] == '{')
            {
                var end = value.IndexOf('}', i + 2);
                if (end > 0)
                {
                    i = end + 1;
                    continue;
                }
            }

            outside.Append(value[i]);
            i++;
        }

        return outside.ToString().AsSpan().IndexOfAny('*', '?') >= 0;
    }
}
