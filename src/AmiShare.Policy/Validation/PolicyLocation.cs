using System.Globalization;
using AmiShare.Policy.Model;

namespace AmiShare.Policy.Validation;

/// <summary>Builds finding locations in the parser's path style, so parser and rule findings read alike.</summary>
internal static class PolicyLocation
{
    public const string Document = "$";

    public const string Version = "Version";

    public static string Of(PolicyStatement statement) =>
        "Statement[" + statement.Index.ToString(CultureInfo.InvariantCulture) + "]";

    public static string Of(PolicyStatement statement, string element) => Of(statement) + "." + element;

    public static string Of(PolicyStatement statement, string element, int index) =>
        Of(statement, element) + "[" + index.ToString(CultureInfo.InvariantCulture) + "]";

    public static string Of(PolicyStatement statement, ConditionClause clause) =>
        Of(statement) + ".Condition." + clause.Operator + "." + clause.Key;

    public static string OfOperator(PolicyStatement statement, string conditionOperator) =>
        Of(statement) + ".Condition." + conditionOperator;
}
