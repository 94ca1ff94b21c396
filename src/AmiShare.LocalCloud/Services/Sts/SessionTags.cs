using System.Globalization;
using System.Text.RegularExpressions;
using AmiShare.LocalCloud.Auth;
using AmiShare.LocalCloud.Protocol;
using AmiShare.Policy.Catalogue;

namespace AmiShare.LocalCloud.Services.Sts;

/// <summary>
/// The session tags a new role session gets: those AssumeRole passes (<c>Tags.member.N.Key/Value</c>) and the
/// transitive ones inherited from the calling session, with the keys that stay transitive. Rules from the IAM User
/// Guide, "Passing session tags in AWS STS", and the STS API Reference (AssumeRole, Tag): at most 50 tags, keys of
/// 1–128 and values of 0–256 characters, keys unique ignoring case, TransitiveTagKeys among the passed keys, and an
/// inherited transitive tag cannot be passed again ("If you try to pass the Heart = 3 session tag, the operation will fail").
/// </summary>
internal sealed partial record SessionTags(IReadOnlyDictionary<string, string> Tags, IReadOnlyList<string> TransitiveKeys, IReadOnlyList<string> PassedTransitiveKeys)
{
    private const int MaximumTags = 50;
    private const int MaximumKeyLength = 128;
    private const int MaximumValueLength = 256;

    public bool IsEmpty => Tags.Count == 0;

    /// <summary>Reads and checks the request's tags; <paramref name="caller"/>'s transitive tags are inherited.</summary>
    public static SessionTags Read(QueryParameters parameters, CallerIdentity caller)
    {
        var passed = parameters.GetMemberStructureList("Tags");
        var transitive = parameters.GetMemberList("TransitiveTagKeys");
        if (passed.Count > MaximumTags)
        {
            throw StsErrors.Validation($"1 validation error detected: Value at 'tags' failed to satisfy constraint: Member must have length less than or equal to {MaximumTags}");
        }

        if (transitive.Count > MaximumTags)
        {
            throw StsErrors.Validation($"1 validation error detected: Value at 'transitiveTagKeys' failed to satisfy constraint: Member must have length less than or equal to {MaximumTags}");
        }

        // Keys compare ignoring case everywhere: IAM and STS tag keys are case-insensitive.
        var tags = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < passed.Count; i++)
        {
            var at = string.Create(CultureInfo.InvariantCulture, $"tags.{i + 1}.member");
            var key = passed[i].GetString("Key") ?? throw StsErrors.Validation($"1 validation error detected: Value null at '{at}.key' failed to satisfy constraint: Member must not be null");
            var value = passed[i].GetString("Value") ?? throw StsErrors.Validation($"1 validation error detected: Value null at '{at}.value' failed to satisfy constraint: Member must not be null");
            CheckText(key, $"{at}.key", 1, MaximumKeyLength);
            CheckText(value, $"{at}.value", 0, MaximumValueLength);
            if (!tags.TryAdd(key, value))
            {
                throw StsErrors.InvalidParameterValue("Duplicate tag keys found. Please note that Tag keys are case insensitive.");
            }
        }

        for (var i = 0; i < transitive.Count; i++)
        {
            CheckText(transitive[i], string.Create(CultureInfo.InvariantCulture, $"transitiveTagKeys.{i + 1}.member"), 1, MaximumKeyLength);
            if (!tags.ContainsKey(transitive[i]))
            {
                throw StsErrors.InvalidParameterValue($"The specified transitive tag key must be included in the requested tags: {transitive[i]}");
            }
        }

        var transitiveKeys = new List<string>(transitive.Distinct(StringComparer.OrdinalIgnoreCase));
        if (caller.Session is { Tags: { } previousTags, TransitiveTagKeys: { Count: > 0 } inheritedKeys })
        {
            foreach (var (key, value) in previousTags)
            {
                if (!inheritedKeys.Contains(key, StringComparer.OrdinalIgnoreCase))
                {
                    continue;
                }

                // An inherited transitive tag keeps its value down the chain; passing the key again is refused.
                if (tags.ContainsKey(key))
                {
                    throw StsErrors.InvalidParameterValue($"The session tag '{key}' was set as transitive by a previous session in the role chain and cannot be overridden.");
                }

                tags[key] = value;
                transitiveKeys.Add(key);
            }
        }

        return new SessionTags(tags, transitiveKeys, transitive);
    }

    /// <summary>
    /// Adds the tag condition keys the AssumeRole and sts:TagSession authorization sees: <c>aws:RequestTag/KEY</c>,
    /// <c>aws:TagKeys</c> and <c>sts:TransitiveTagKeys</c>. Inherited transitive tags count as requested: they become
    /// tags of the new session, so the role's trust policy decides on them too.
    /// </summary>
    public void AddConditionKeys(Dictionary<string, IReadOnlyList<string>> context)
    {
        foreach (var (key, value) in Tags)
        {
            context[ConditionKeys.AwsRequestTag(key)] = [value];
        }

        context[ConditionKeys.AwsTagKeys] = [.. Tags.Keys];
        if (PassedTransitiveKeys.Count > 0)
        {
            context[ConditionKeys.StsTransitiveTagKeys] = PassedTransitiveKeys;
        }
    }

    /// <summary>Plain-text size, for AssumeRole's PackedPolicySize.</summary>
    public int PlainTextLength => Tags.Sum(t => t.Key.Length + t.Value.Length);

    private static void CheckText(string text, string at, int minimum, int maximum)
    {
        if (text.Length < minimum || text.Length > maximum)
        {
            var bound = text.Length < minimum ? $"greater than or equal to {minimum}" : $"less than or equal to {maximum}";
            throw StsErrors.Validation($"1 validation error detected: Value '{text}' at '{at}' failed to satisfy constraint: Member must have length {bound}");
        }

        if (!TagText().IsMatch(text))
        {
            throw StsErrors.Validation($"1 validation error detected: Value '{text}' at '{at}' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\p{{L}}\\p{{Z}}\\p{{N}}_.:/=+\\-@]*");
        }
    }

    // STS API Reference, Tag: keys and values are letters, spaces, digits and _.:/=+-@.
    [GeneratedRegex(@"^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$")]
    private static partial Regex TagText();
}
