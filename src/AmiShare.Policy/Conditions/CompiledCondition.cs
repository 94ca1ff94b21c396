using System.Globalization;
using System.Net;
using System.Net.Sockets;
using AmiShare.Policy.Evaluation;
using AmiShare.Policy.Matching;
using AmiShare.Policy.Model;

namespace AmiShare.Policy.Conditions;

/// <summary>
/// One condition clause compiled for fast evaluation. Semantics follow IAM: values of one key are
/// ORed (NORed for negated operators), keys and operators are ANDed by the caller; an absent key makes
/// positive operators false and negated ones true, IfExists makes it true; ForAllValues is true and
/// ForAnyValue false for an absent or empty key.
/// </summary>
public sealed class CompiledCondition
{
    private readonly PolicyValue[] _values;
    private readonly bool _known;

    private CompiledCondition(ConditionClause clause, ConditionOperator op, bool known, PolicyValue[] values)
    {
        Clause = clause;
        Operator = op;
        _known = known;
        _values = values;
    }

    public ConditionClause Clause { get; }

    public ConditionOperator Operator { get; }

    public static CompiledCondition Compile(ConditionClause clause, bool supportsVariables)
    {
        ArgumentNullException.ThrowIfNull(clause);
        var known = ConditionOperator.TryParse(clause.Operator, out var op);
        var values = new PolicyValue[clause.Values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = PolicyValue.Compile(clause.Values[i], op.Family, known && supportsVariables);
        }

        return new CompiledCondition(clause, op, known, values);
    }

    public bool Evaluate(RequestContext context)
    {
        if (!_known)
        {
            // AWS refuses such a policy; evaluating it as "never matches" keeps a bad Allow inert.
            return false;
        }

        var present = context.TryGet(Clause.Key, out var requestValues);
        if (Operator.Family == OperatorFamily.Null)
        {
            var isNull = !present || requestValues.Length == 0;
            foreach (var value in _values)
            {
                if ((value.Text.Equals("true", StringComparison.OrdinalIgnoreCase) && isNull)
                    || (value.Text.Equals("false", StringComparison.OrdinalIgnoreCase) && !isNull))
                {
                    return true;
                }
            }

            return false;
        }

        if (!present || requestValues.Length == 0)
        {
            if (Operator.IfExists)
            {
                return true;
            }

            return Operator.Qualifier switch
            {
                SetQualifier.ForAllValues => true,
                SetQualifier.ForAnyValue => false,
                _ => Operator.IsNegated,
            };
        }

        var negated = Operator.IsNegated;
        switch (Operator.Qualifier)
        {
            case SetQualifier.ForAllValues:
                foreach (var requestValue in requestValues)
                {
                    if (MatchesAnyPolicyValue(requestValue, context) == negated)
                    {
                        return false;
                    }
                }

                return true;
            case SetQualifier.ForAnyValue:
                foreach (var requestValue in requestValues)
                {
                    if (MatchesAnyPolicyValue(requestValue, context) != negated)
                    {
                        return true;
                    }
                }

                return false;
            default:
                foreach (var requestValue in requestValues)
                {
                    if (MatchesAnyPolicyValue(requestValue, context))
                    {
                        return !negated;
                    }
                }

                return negated;
        }
    }

    private bool MatchesAnyPolicyValue(string requestValue, RequestContext context)
    {
        foreach (var value in _values)
        {
            if (value.Matches(Operator.Family, requestValue, context))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>A policy value prepared for its operator family; values with variables resolve per request.</summary>
    private sealed class PolicyValue
    {
        private ValuePattern? _pattern;
        private ArnPattern? _arn;
        private decimal? _number;
        private DateTimeOffset? _date;
        private IpNetwork? _network;
        private byte[]? _binary;
        private VariableTemplate? _template;

        private PolicyValue(string text) => Text = text;

        public string Text { get; }

        public static PolicyValue Compile(string text, OperatorFamily family, bool supportsVariables)
        {
            var value = new PolicyValue(text);
            if (supportsVariables && IsVariableCapable(family))
            {
                value._template = VariableTemplate.TryCompile(text);
            }

            if (value._template is null)
            {
                value.Prepare(text, family);
            }

            return value;
        }

        public bool Matches(OperatorFamily family, string requestValue, RequestContext context)
        {
            if (_template is not null)
            {
                var asPattern = family is OperatorFamily.StringLike or OperatorFamily.StringNotLike
                    or OperatorFamily.ArnLike or OperatorFamily.ArnNotLike or OperatorFamily.ArnEquals or OperatorFamily.ArnNotEquals;
                var resolved = _template.Resolve(context, asPattern);
                if (resolved is null)
                {
                    return false;
                }

                var prepared = new PolicyValue(resolved);
                prepared.Prepare(resolved, family);
                return prepared.Matches(family, requestValue, context);
            }

            switch (family)
            {
                case OperatorFamily.StringEquals:
                case OperatorFamily.StringNotEquals:
                    return string.Equals(requestValue, Text, StringComparison.Ordinal);
                case OperatorFamily.StringEqualsIgnoreCase:
                case OperatorFamily.StringNotEqualsIgnoreCase:
                    return string.Equals(requestValue, Text, StringComparison.OrdinalIgnoreCase);
                case OperatorFamily.StringLike:
                case OperatorFamily.StringNotLike:
                    return _pattern!.IsMatch(requestValue);
                case OperatorFamily.ArnEquals:
                case OperatorFamily.ArnNotEquals:
                case OperatorFamily.ArnLike:
                case OperatorFamily.ArnNotLike:
                    return _arn!.IsMatch(requestValue);
                case OperatorFamily.Bool:
                    return string.Equals(requestValue, Text, StringComparison.OrdinalIgnoreCase);
                case OperatorFamily.BinaryEquals:
                    return _binary is not null && TryDecodeBase64(requestValue) is { } bytes && bytes.AsSpan().SequenceEqual(_binary);
                case OperatorFamily.IpAddress:
                case OperatorFamily.NotIpAddress:
                    return _network is { } network && IPAddress.TryParse(requestValue, out var address) && network.Contains(address);
                case OperatorFamily.Null:
                    return false;
                default:
                    if (family <= OperatorFamily.NumericGreaterThanEquals)
                    {
                        return _number is { } policyNumber && TryParseNumber(requestValue) is { } number && Compare(family, number.CompareTo(policyNumber));
                    }

                    return _date is { } policyDate && TryParseDate(requestValue) is { } date && Compare(family, date.CompareTo(policyDate));
            }
        }

        private static bool IsVariableCapable(OperatorFamily family) => family is OperatorFamily.StringEquals
            or OperatorFamily.StringNotEquals or OperatorFamily.StringEqualsIgnoreCase or OperatorFamily.StringNotEqualsIgnoreCase
            or OperatorFamily.StringLike or OperatorFamily.StringNotLike or OperatorFamily.ArnEquals or OperatorFamily.ArnNotEquals
            or OperatorFamily.ArnLike or OperatorFamily.ArnNotLike;

        /// <summary>Maps a comparison result onto the operator, for the Numeric and Date families alike.</summary>
        private static bool Compare(OperatorFamily family, int order) => family switch
        {
            OperatorFamily.NumericEquals or OperatorFamily.NumericNotEquals or OperatorFamily.DateEquals or OperatorFamily.DateNotEquals => order == 0,
            OperatorFamily.NumericLessThan or OperatorFamily.DateLessThan => order < 0,
            OperatorFamily.NumericLessThanEquals or OperatorFamily.DateLessThanEquals => order <= 0,
            OperatorFamily.NumericGreaterThan or OperatorFamily.DateGreaterThan => order > 0,
            OperatorFamily.NumericGreaterThanEquals or OperatorFamily.DateGreaterThanEquals => order >= 0,
            _ => false,
        };

        private void Prepare(string text, OperatorFamily family)
        {
            switch (family)
            {
                case OperatorFamily.StringLike:
                case OperatorFamily.StringNotLike:
                    _pattern = ValuePattern.Compile(text, ignoreCase: false);
                    break;
                case OperatorFamily.ArnEquals:
                case OperatorFamily.ArnNotEquals:
                case OperatorFamily.ArnLike:
                case OperatorFamily.ArnNotLike:
                    _arn = ArnPattern.Compile(text);
                    break;
                case OperatorFamily.BinaryEquals:
                    _binary = TryDecodeBase64(text);
                    break;
                case OperatorFamily.IpAddress:
                case OperatorFamily.NotIpAddress:
                    _network = IpNetwork.TryParse(text);
                    break;
                default:
                    if (family is >= OperatorFamily.NumericEquals and <= OperatorFamily.NumericGreaterThanEquals)
                    {
                        _number = TryParseNumber(text);
                    }
                    else if (family is >= OperatorFamily.DateEquals and <= OperatorFamily.DateGreaterThanEquals)
                    {
                        _date = TryParseDate(text);
                    }

                    break;
            }
        }
    }

    internal static decimal? TryParseNumber(string text) =>
        decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) ? number : null;

    /// <summary>IAM dates are ISO 8601 (date, or date and time) or epoch seconds.</summary>
    internal static DateTimeOffset? TryParseDate(string text)
    {
        if (long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var epoch))
        {
            return epoch is >= -62135596800 and <= 253402300799 ? DateTimeOffset.FromUnixTimeSeconds(epoch) : null;
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var date)
            ? date
            : null;
    }

    private static byte[]? TryDecodeBase64(string text)
    {
        var buffer = new byte[(text.Length * 3 / 4) + 3];
        return Convert.TryFromBase64String(text, buffer, out var written) ? buffer[..written] : null;
    }
}

/// <summary>An IPv4 or IPv6 CIDR block; a bare address is a /32 or /128.</summary>
public sealed class IpNetwork
{
    private readonly byte[] _prefix;
    private readonly int _bits;
    private readonly AddressFamily _family;

    private IpNetwork(byte[] prefix, int bits, AddressFamily family)
    {
        _prefix = prefix;
        _bits = bits;
        _family = family;
    }

    public static IpNetwork? TryParse(string text)
    {
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        var addressText = slash < 0 ? text : text[..slash];
        if (!IPAddress.TryParse(addressText, out var address))
        {
            return null;
        }

        var bytes = address.GetAddressBytes();
        var bits = bytes.Length * 8;
        if (slash >= 0 && (!int.TryParse(text.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out bits) || bits > bytes.Length * 8))
        {
            return null;
        }

        return new IpNetwork(bytes, bits, address.AddressFamily);
    }

    public bool Contains(IPAddress address)
    {
        if (address.AddressFamily != _family)
        {
            if (_family == AddressFamily.InterNetwork && address.IsIPv4MappedToIPv6)
            {
                address = address.MapToIPv4();
            }
            else
            {
                return false;
            }
        }

        var bytes = address.GetAddressBytes();
        var whole = _bits / 8;
        for (var i = 0; i < whole; i++)
        {
            if (bytes[i] != _prefix[i])
            {
                return false;
            }
        }

        var rest = _bits % 8;
        if (rest == 0)
        {
            return true;
        }

        var mask = (byte)(0xFF << (8 - rest));
        return (bytes[whole] & mask) == (_prefix[whole] & mask);
    }
}
