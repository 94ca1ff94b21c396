namespace AmiShare.Policy.Matching;

/// <summary>
/// A wildcard pattern compiled once: most policy values are exact names, <c>*</c>, or a prefix
/// such as <c>kms:ReEncrypt*</c>, and those are matched without the general algorithm.
/// </summary>
public sealed class ValuePattern
{
    private readonly Shape _shape;
    private readonly string _text;
    private readonly StringComparison _comparison;
    private readonly bool _ignoreCase;
    private readonly string _suffix = string.Empty;

    private ValuePattern(string pattern, bool ignoreCase)
    {
        _ignoreCase = ignoreCase;
        _comparison = ignoreCase ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        Pattern = pattern;
        if (pattern == "*")
        {
            _shape = Shape.Any;
            _text = string.Empty;
        }
        else if (!Glob.HasWildcards(pattern) && pattern.IndexOf(Glob.LiteralStar) < 0 && pattern.IndexOf(Glob.LiteralQuestion) < 0)
        {
            _shape = Shape.Exact;
            _text = pattern;
        }
        else if (pattern.Length > 1 && pattern[^1] == '*' && !Glob.HasWildcards(pattern.AsSpan(0, pattern.Length - 1))
                 && pattern.IndexOf(Glob.LiteralStar) < 0 && pattern.IndexOf(Glob.LiteralQuestion) < 0)
        {
            _shape = Shape.Prefix;
            _text = pattern[..^1];
        }
        else if (IsSingleInnerStar(pattern, out var star))
        {
            _shape = Shape.PrefixSuffix;
            _text = pattern[..star];
            _suffix = pattern[(star + 1)..];
        }
        else
        {
            _shape = Shape.General;
            _text = pattern;
        }
    }

    private enum Shape
    {
        Any,
        Exact,
        Prefix,
        PrefixSuffix,
        General,
    }

    public string Pattern { get; }

    public bool IsAny => _shape == Shape.Any;

    public static ValuePattern Compile(string pattern, bool ignoreCase) => new(pattern, ignoreCase);

    public bool IsMatch(ReadOnlySpan<char> value) => _shape switch
    {
        Shape.Any => true,
        Shape.Exact => value.Equals(_text, _comparison),
        Shape.Prefix => value.StartsWith(_text, _comparison),
        Shape.PrefixSuffix => value.Length >= _text.Length + _suffix.Length && value.StartsWith(_text, _comparison) && value.EndsWith(_suffix, _comparison),
        _ => Glob.IsMatch(_text, value, _ignoreCase),
    };

    public override string ToString() => Pattern;

    /// <summary>One '*' with text on both sides and no other wildcard: <c>ec2.*.amazonaws.com</c>.</summary>
    private static bool IsSingleInnerStar(string pattern, out int star)
    {
        star = pattern.IndexOf('*', StringComparison.Ordinal);
        return star > 0 && star < pattern.Length - 1
            && pattern.IndexOf('*', star + 1) < 0 && pattern.IndexOf('?', StringComparison.Ordinal) < 0
            && pattern.IndexOf(Glob.LiteralStar) < 0 && pattern.IndexOf(Glob.LiteralQuestion) < 0;
    }
}
