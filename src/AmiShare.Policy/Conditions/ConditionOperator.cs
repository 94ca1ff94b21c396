namespace AmiShare.Policy.Conditions;

public enum OperatorFamily
{
    StringEquals,
    StringNotEquals,
    StringEqualsIgnoreCase,
    StringNotEqualsIgnoreCase,
    StringLike,
    StringNotLike,
    NumericEquals,
    NumericNotEquals,
    NumericLessThan,
    NumericLessThanEquals,
    NumericGreaterThan,
    NumericGreaterThanEquals,
    DateEquals,
    DateNotEquals,
    DateLessThan,
    DateLessThanEquals,
    DateGreaterThan,
    DateGreaterThanEquals,
    Bool,
    BinaryEquals,
    IpAddress,
    NotIpAddress,
    ArnEquals,
    ArnLike,
    ArnNotEquals,
    ArnNotLike,
    Null,
}

public enum SetQualifier
{
    None,
    ForAnyValue,
    ForAllValues,
}

/// <summary>A condition operator as written: family, optional set qualifier prefix and IfExists suffix.</summary>
public readonly record struct ConditionOperator(OperatorFamily Family, SetQualifier Qualifier, bool IfExists)
{
    private const string IfExistsSuffix = "IfExists";

    /// <summary>Negated operators match when no policy value matches (NOR), and when the key is absent.</summary>
    public bool IsNegated => Family is OperatorFamily.StringNotEquals or OperatorFamily.StringNotEqualsIgnoreCase
        or OperatorFamily.StringNotLike or OperatorFamily.NumericNotEquals or OperatorFamily.DateNotEquals
        or OperatorFamily.NotIpAddress or OperatorFamily.ArnNotEquals or OperatorFamily.ArnNotLike;

    public bool IsStringFamily => Family is OperatorFamily.StringEquals or OperatorFamily.StringNotEquals
        or OperatorFamily.StringEqualsIgnoreCase or OperatorFamily.StringNotEqualsIgnoreCase
        or OperatorFamily.StringLike or OperatorFamily.StringNotLike;

    /// <summary>Operators that interpret <c>*</c> and <c>?</c> as wildcards.</summary>
    public bool SupportsWildcards => Family is OperatorFamily.StringLike or OperatorFamily.StringNotLike
        or OperatorFamily.ArnLike or OperatorFamily.ArnNotLike or OperatorFamily.ArnEquals or OperatorFamily.ArnNotEquals;

    /// <summary>Parses <c>ForAnyValue:StringLikeIfExists</c> and the like. Operator names are matched exactly, as IAM does.</summary>
    public static bool TryParse(string? text, out ConditionOperator result)
    {
        result = default;
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }

        var qualifier = SetQualifier.None;
        var name = text.AsSpan();
        if (name.StartsWith("ForAnyValue:", StringComparison.Ordinal))
        {
            qualifier = SetQualifier.ForAnyValue;
            name = name["ForAnyValue:".Length..];
        }
        else if (name.StartsWith("ForAllValues:", StringComparison.Ordinal))
        {
            qualifier = SetQualifier.ForAllValues;
            name = name["ForAllValues:".Length..];
        }

        var ifExists = false;
        if (name.EndsWith(IfExistsSuffix, StringComparison.Ordinal) && name.Length > IfExistsSuffix.Length)
        {
            ifExists = true;
            name = name[..^IfExistsSuffix.Length];
        }

        // Enum names mirror IAM's operator names exactly; reject numeric forms Enum.TryParse would take.
        if (name.Length == 0 || char.IsDigit(name[0]) || !Enum.TryParse(name, ignoreCase: false, out OperatorFamily family))
        {
            return false;
        }

        result = new ConditionOperator(family, qualifier, ifExists);
        return true;
    }

    public override string ToString()
    {
        var prefix = Qualifier switch
        {
            SetQualifier.ForAnyValue => "ForAnyValue:",
            SetQualifier.ForAllValues => "ForAllValues:",
            _ => string.Empty,
        };
        return prefix + Family + (IfExists ? IfExistsSuffix : string.Empty);
    }
}
