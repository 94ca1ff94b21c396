using System.Globalization;
using AmiShare.Policy.Model;

namespace AmiShare.Policy.Validation;

/// <summary>
/// Where a finding points: its path in the parser's style (so parser and rule findings read alike), and the index of
/// the statement it is in, when it is in one, so callers need not parse the path back.
/// </summary>
public readonly record struct PolicyLocation(string Path, int? StatementIndex)
{
    public const string Document = "$";

    public const string Version = "Version";

    public static PolicyLocation Of(PolicyStatement statement)
    {
        ArgumentNullException.ThrowIfNull(statement);
        return new("Statement[" + statement.Index.ToString(CultureInfo.InvariantCulture) + "]", statement.Index);
    }

    public static PolicyLocation Of(PolicyStatement statement, string element) => Of(statement).Below("." + element);

    public static PolicyLocation Of(PolicyStatement statement, string element, int index) =>
        Of(statement, element).Below("[" + index.ToString(CultureInfo.InvariantCulture) + "]");

    public static PolicyLocation Of(PolicyStatement statement, ConditionClause clause)
    {
        ArgumentNullException.ThrowIfNull(clause);
        return Of(statement).Below(".Condition." + clause.Operator + "." + clause.Key);
    }

    public static PolicyLocation OfOperator(PolicyStatement statement, string conditionOperator) =>
        Of(statement).Below(".Condition." + conditionOperator);

    /// <summary>The path, as findings print it.</summary>
    public static implicit operator string(PolicyLocation location) => location.Path;

    public override string ToString() => Path;

    private PolicyLocation Below(string suffix) => this with { Path = Path + suffix };
}
