using System.Globalization;
using AmiShare.Policy.Conditions;
using AmiShare.Policy.Model;

namespace AmiShare.Policy.Validation.Rules;

/// <summary>
/// Typed operators compare parsed values. A value that does not parse never matches: an Allow grants
/// nothing and, worse, a Deny protects nothing. The checks use the evaluator's own parsers so the
/// validator and the evaluator agree on what is valid. Variables are not substituted for these
/// operators, so a <c>${…}</c> here is an error too.
/// </summary>
internal sealed class ConditionValueTypeRule : IPolicyRule
{
    public const string InvalidBoolValue = "InvalidBoolValue";
    public const string InvalidNumericValue = "InvalidNumericValue";
    public const string InvalidDateValue = "InvalidDateValue";
    public const string InvalidIpAddressValue = "InvalidIpAddressValue";
    public const string InvalidBinaryValue = "InvalidBinaryValue";

    public static bool IsBoolean(string value) =>
        value.Equals("true", StringComparison.OrdinalIgnoreCase) || value.Equals("false", StringComparison.OrdinalIgnoreCase);

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

                foreach (var value in clause.Values)
                {
                    if (Problem(op.Family, value) is { } problem)
                    {
                        yield return Finding.Error(problem.Code, PolicyLocation.Of(statement, clause), problem.Message);
                    }
                }
            }
        }
    }

    private static (string Code, string Message)? Problem(OperatorFamily family, string value)
    {
        switch (family)
        {
            case OperatorFamily.Bool when !IsBoolean(value):
                return (InvalidBoolValue, $"Bool compares with true or false, not \"{value}\". Use \"true\" or \"false\".");
            case >= OperatorFamily.NumericEquals and <= OperatorFamily.NumericGreaterThanEquals when CompiledCondition.TryParseNumber(value) is null:
                return (InvalidNumericValue, $"\"{value}\" is not a number, so this Numeric comparison never matches. Use a decimal number such as \"3600\".");
            case >= OperatorFamily.DateEquals and <= OperatorFamily.DateGreaterThanEquals when CompiledCondition.TryParseDate(value) is null:
                return (InvalidDateValue, $"\"{value}\" is not a date, so this Date comparison never matches. Use ISO 8601 (\"2026-01-31T00:00:00Z\") or epoch seconds.");
            case OperatorFamily.IpAddress or OperatorFamily.NotIpAddress when IpNetwork.TryParse(value) is null:
                return (InvalidIpAddressValue, $"\"{value}\" is not an IP address or CIDR block, so this comparison never matches. Use a form such as \"203.0.113.0/24\" or \"2001:db8::/32\".");
            case OperatorFamily.BinaryEquals when !IsBase64(value):
                return (InvalidBinaryValue, $"\"{value}\" is not base64, so BinaryEquals never matches. Encode the bytes as base64, for example \"QmluYXJ5\".");
            default:
                return null;
        }
    }

    private static bool IsBase64(string value)
    {
        if (value.Length == 0)
        {
            return false;
        }

        var buffer = new byte[(value.Length * 3 / 4) + 3];
        return Convert.TryFromBase64String(value, buffer, out _);
    }
}
