namespace AmiShare.Policy.Matching;

/// <summary>
/// IAM's wildcard match: <c>*</c> matches any run of characters (also none), <c>?</c> exactly one.
/// A policy variable such as <c>${*}</c> stands for a literal <c>*</c>; substitution writes those as
/// <see cref="LiteralStar"/> and <see cref="LiteralQuestion"/> so they match only themselves.
/// </summary>
public static class Glob
{
    /// <summary>A private-use character that matches only a literal '*'.</summary>
    public const char LiteralStar = '\uE000';

    /// <summary>A private-use character that matches only a literal '?'.</summary>
    public const char LiteralQuestion = '\uE001';

    public static bool HasWildcards(ReadOnlySpan<char> pattern) => pattern.IndexOfAny('*', '?') >= 0;

    /// <summary>Linear-time on typical patterns: backtracks only to the last star, never recursively.</summary>
    public static bool IsMatch(ReadOnlySpan<char> pattern, ReadOnlySpan<char> text, bool ignoreCase)
    {
        int p = 0, t = 0, starP = -1, starT = 0;
        while (t < text.Length)
        {
            if (p < pattern.Length)
            {
                var pc = pattern[p];
                if (pc == '*')
                {
                    starP = p++;
                    starT = t;
                    continue;
                }

                if (pc == '?' || CharEquals(pc, text[t], ignoreCase))
                {
                    p++;
                    t++;
                    continue;
                }
            }

            if (starP < 0)
            {
                return false;
            }

            p = starP + 1;
            t = ++starT;
        }

        while (p < pattern.Length && pattern[p] == '*')
        {
            p++;
        }

        return p == pattern.Length;
    }

    private static bool CharEquals(char pattern, char text, bool ignoreCase)
    {
        if (pattern == LiteralStar)
        {
            return text == '*';
        }

        if (pattern == LiteralQuestion)
        {
            return text == '?';
        }

        return pattern == text || (ignoreCase && char.ToUpperInvariant(pattern) == char.ToUpperInvariant(text));
    }
}
