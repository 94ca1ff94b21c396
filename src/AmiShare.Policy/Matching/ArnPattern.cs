namespace AmiShare.Policy.Matching;

/// <summary>
/// Matches ARNs the way IAM's Resource element and the Arn* operators do: the six colon-separated
/// parts (arn, partition, service, region, account, resource) are compared one by one, each with
/// wildcards, case-sensitively. A pattern with fewer parts (such as <c>*</c> or <c>arn:aws:kms:*</c>)
/// is matched against the whole ARN, so its stars may span colons.
/// </summary>
public sealed class ArnPattern
{
    private readonly ValuePattern? _whole;
    private readonly ValuePattern[]? _parts;

    private ArnPattern(string pattern)
    {
        Pattern = pattern;
        var parts = Split(pattern);

        // Without wildcards before a trailing '*', matching part by part equals matching the whole
        // string exactly or by prefix (the literal colons line the parts up), which is much cheaper.
        var wildcardAt = pattern.AsSpan().IndexOfAny('*', '?');
        var literalMarkers = pattern.Contains(Glob.LiteralStar, StringComparison.Ordinal) || pattern.Contains(Glob.LiteralQuestion, StringComparison.Ordinal);
        if (parts is null || (!literalMarkers && (wildcardAt < 0 || wildcardAt == pattern.Length - 1)))
        {
            _whole = ValuePattern.Compile(pattern, ignoreCase: false);
        }
        else
        {
            _parts = new ValuePattern[ArnParts];
            for (var i = 0; i < ArnParts; i++)
            {
                _parts[i] = ValuePattern.Compile(parts[i], ignoreCase: false);
            }
        }
    }

    public const int ArnParts = 6;

    public string Pattern { get; }

    public bool IsAny => _whole is { IsAny: true };

    public static ArnPattern Compile(string pattern) => new(pattern);

    public bool IsMatch(string arn)
    {
        if (_whole is not null)
        {
            return _whole.IsMatch(arn);
        }

        var span = arn.AsSpan();
        for (var i = 0; i < ArnParts - 1; i++)
        {
            var colon = span.IndexOf(':');
            if (colon < 0)
            {
                return false;
            }

            if (!_parts![i].IsMatch(span[..colon]))
            {
                return false;
            }

            span = span[(colon + 1)..];
        }

        return _parts![ArnParts - 1].IsMatch(span);
    }

    public override string ToString() => Pattern;

    /// <summary>Splits at the first five colons; the resource part keeps any further colons.</summary>
    internal static string[]? Split(string arn)
    {
        var parts = new string[ArnParts];
        var start = 0;
        for (var i = 0; i < ArnParts - 1; i++)
        {
            var colon = arn.IndexOf(':', start);
            if (colon < 0)
            {
                return null;
            }

            parts[i] = arn[start..colon];
            start = colon + 1;
        }

        parts[ArnParts - 1] = arn[start..];
        return parts;
    }
}
