using System.Globalization;
using System.Text.RegularExpressions;

namespace AmiShare.LocalCloud.Protocol;

/// <summary>
/// The tag rules IAM and STS share (IAM and STS API References, Tag): at most 50 tags a request, keys of 1–128 and
/// values of 0–256 characters of letters, spaces, digits and <c>_.:/=+-@</c>, each refused as a ValidationError
/// naming the member. What differs between the services (the code for a duplicate key, IAM's reserved <c>aws:</c>
/// prefix, STS's transitive keys) stays with each.
/// </summary>
internal static partial class TagRules
{
    public const int MaximumTags = 50;
    public const int MaximumKeyLength = 128;
    public const int MaximumValueLength = 256;

    /// <summary>At most <see cref="MaximumTags"/> members in the list the wire calls <paramref name="member"/> (e.g. <c>tags</c>).</summary>
    public static void CheckCount(int count, string member)
    {
        if (count > MaximumTags)
        {
            throw Validation($"1 validation error detected: Value at '{member}' failed to satisfy constraint: Member must have length less than or equal to {MaximumTags}");
        }
    }

    /// <summary>
    /// Each <c>Tags.member.N</c>'s key and value, present and checked, in request order; <paramref name="checkKey"/>
    /// adds a service's own rule on the key before the value is checked. Lazy, so
    /// a caller's own check on each pair (a duplicate key) runs in request order with these.
    /// </summary>
    public static IEnumerable<KeyValuePair<string, string>> ReadPairs(IReadOnlyList<QueryParameters> passed, Action<string>? checkKey = null)
    {
        for (var i = 0; i < passed.Count; i++)
        {
            var at = string.Create(CultureInfo.InvariantCulture, $"tags.{i + 1}.member");
            var key = passed[i].GetString("Key") ?? throw Validation($"1 validation error detected: Value null at '{at}.key' failed to satisfy constraint: Member must not be null");
            var value = passed[i].GetString("Value") ?? throw Validation($"1 validation error detected: Value null at '{at}.value' failed to satisfy constraint: Member must not be null");
            CheckKey(key, $"{at}.key");
            checkKey?.Invoke(key);
            CheckText(value, $"{at}.value", 0, MaximumValueLength);
            yield return new(key, value);
        }
    }

    /// <summary>A tag key: 1–128 characters of the allowed set.</summary>
    public static void CheckKey(string key, string at) => CheckText(key, at, 1, MaximumKeyLength);

    private static void CheckText(string text, string at, int minimum, int maximum)
    {
        if (text.Length < minimum || text.Length > maximum)
        {
            var bound = text.Length < minimum ? $"greater than or equal to {minimum}" : $"less than or equal to {maximum}";
            throw Validation($"1 validation error detected: Value '{text}' at '{at}' failed to satisfy constraint: Member must have length {bound}");
        }

        if (!TagText().IsMatch(text))
        {
            throw Validation($"1 validation error detected: Value '{text}' at '{at}' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\p{{L}}\\p{{Z}}\\p{{N}}_.:/=+\\-@]*");
        }
    }

    // IAM and STS answer a broken constraint with the same code and status.
    private static AwsServiceException Validation(string message) => new("ValidationError", message, 400);

    [GeneratedRegex(@"^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$")]
    private static partial Regex TagText();
}
