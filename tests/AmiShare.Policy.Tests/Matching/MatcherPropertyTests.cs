using System.Text.RegularExpressions;
using AmiShare.Policy.Matching;
using CsCheck;

namespace AmiShare.Policy.Tests.Matching;

/// <summary>
/// Property tests: the wildcard and ARN matchers agree with a plain regular-expression reference on
/// random patterns and texts over a small alphabet (small alphabets make matches likely).
/// </summary>
public sealed class MatcherPropertyTests
{
    private static readonly Gen<string> Patterns = Gen.Char["ab*?"].Array[0, 8].Select(chars => new string(chars));
    private static readonly Gen<string> Texts = Gen.Char["abAB"].Array[0, 10].Select(chars => new string(chars));

    [Fact]
    public void Glob_RandomPatterns_AgreesWithRegexReference()
    {
        Gen.Select(Patterns, Texts, Gen.Bool).Sample(
            (pattern, text, ignoreCase) =>
                Glob.IsMatch(pattern, text, ignoreCase) == Reference(pattern, ignoreCase).IsMatch(text),
            iter: 20_000);
    }

    [Fact]
    public void ValuePattern_RandomPatterns_AgreesWithGlob()
    {
        Gen.Select(Patterns, Texts, Gen.Bool).Sample(
            (pattern, text, ignoreCase) =>
                ValuePattern.Compile(pattern, ignoreCase).IsMatch(text) == Glob.IsMatch(pattern, text, ignoreCase),
            iter: 20_000);
    }

    [Fact]
    public void Glob_TextWithPiecesReplacedByStars_StillMatches()
    {
        Gen.Select(Texts, Gen.Int[0, 10], Gen.Int[0, 10]).Sample(
            (text, from, length) =>
            {
                var start = Math.Min(from, text.Length);
                var count = Math.Min(length, text.Length - start);
                var pattern = string.Concat(text.AsSpan(0, start), "*", text.AsSpan(start + count));
                return Glob.IsMatch(pattern, text, ignoreCase: false);
            },
            iter: 10_000);
    }

    [Fact]
    public void Glob_LiteralStarMarker_MatchesOnlyAStar()
    {
        var pattern = "bucket/" + Glob.LiteralStar;

        Assert.True(Glob.IsMatch(pattern, "bucket/*", ignoreCase: false));
        Assert.False(Glob.IsMatch(pattern, "bucket/anything", ignoreCase: false));
    }

    [Fact]
    public void ArnPattern_SixPartPatterns_MatchSegmentBySegment()
    {
        var segments = Gen.Char["a1*?"].Array[0, 4].Select(chars => new string(chars));
        var values = Gen.Char["a1"].Array[0, 4].Select(chars => new string(chars));
        Gen.Select(segments.Array[6], values.Array[6]).Sample(
            (patternParts, valueParts) =>
            {
                var pattern = string.Join(':', patternParts);
                var arn = string.Join(':', valueParts);
                var expected = patternParts.Zip(valueParts).All(p => Reference(p.First, ignoreCase: false).IsMatch(p.Second));
                return ArnPattern.Compile(pattern).IsMatch(arn) == expected;
            },
            iter: 20_000);
    }

    [Theory]
    [InlineData("arn:aws:kms:*:111111111111:key/*", "arn:aws:kms:us-east-1:111111111111:key/abc", true)]
    [InlineData("arn:aws:kms:*:111111111111:key/*", "arn:aws:kms:us-east-1:222222222222:key/abc", false)]
    [InlineData("arn:aws:kms:*:*:key/*", "arn:aws:kms:us-east-1:111111111111:alias/abc", false)]
    [InlineData("arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/a/b:c", true)]
    [InlineData("arn:aws:kms:*", "arn:aws:kms:us-east-1:111111111111:key/abc", true)]
    [InlineData("*", "anything at all", true)]
    [InlineData("arn:aws:iam::111111111111:role/*", "arn:aws:iam::111111111111:role/path/Name", true)]
    [InlineData("arn:aws:iam::111111111111:role/Name", "arn:aws:iam::111111111111:role/name", false)]
    [InlineData("arn:aws:ec2:us-east-1::image/ami-*", "arn:aws:ec2:us-east-1::image/ami-0abc", true)]
    [InlineData("arn:aws:ec2:*:*:image/ami-*", "arn:aws:ec2:us-east-1::image/ami-0abc", true)]
    public void ArnPattern_Examples_MatchAsIamDoes(string pattern, string arn, bool expected) =>
        Assert.Equal(expected, ArnPattern.Compile(pattern).IsMatch(arn));

    private static Regex Reference(string pattern, bool ignoreCase)
    {
        var body = Regex.Escape(pattern).Replace(@"\*", ".*", StringComparison.Ordinal).Replace(@"\?", ".", StringComparison.Ordinal);
        return new Regex("^" + body + "$", RegexOptions.Singleline | RegexOptions.CultureInvariant | (ignoreCase ? RegexOptions.IgnoreCase : RegexOptions.None));
    }
}
