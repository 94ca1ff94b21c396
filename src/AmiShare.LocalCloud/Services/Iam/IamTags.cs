using System.Globalization;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using AmiShare.LocalCloud.Protocol;
using AmiShare.Policy.Catalogue;

namespace AmiShare.LocalCloud.Services.Iam;

/// <summary>
/// IAM tags on users and roles, as the IAM User Guide ("Tagging IAM resources") and the IAM API Reference (Tag,
/// TagRole, TagUser) describe them: at most 50 per entity, keys of 1–128 and values of 0–256 characters, the
/// <c>aws:</c> prefix reserved, and keys unique ignoring case: tagging <c>department=hr</c> where
/// <c>Department=finance</c> is set replaces that tag instead of adding a second one.
/// </summary>
internal static partial class IamTags
{
    public const int MaximumTags = 50;
    private const int MaximumKeyLength = 128;
    private const int MaximumValueLength = 256;

    /// <summary>The request's <c>Tags.member.N.Key/Value</c>, checked; duplicate keys (ignoring case) are refused.</summary>
    public static IReadOnlyList<IamTag> Read(QueryParameters parameters)
    {
        var passed = parameters.GetMemberStructureList("Tags");
        if (passed.Count > MaximumTags)
        {
            throw IamErrors.Validation($"1 validation error detected: Value at 'tags' failed to satisfy constraint: Member must have length less than or equal to {MaximumTags}");
        }

        var tags = new List<IamTag>(passed.Count);
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < passed.Count; i++)
        {
            var at = string.Create(CultureInfo.InvariantCulture, $"tags.{i + 1}.member");
            var key = passed[i].GetString("Key") ?? throw IamErrors.Validation($"1 validation error detected: Value null at '{at}.key' failed to satisfy constraint: Member must not be null");
            var value = passed[i].GetString("Value") ?? throw IamErrors.Validation($"1 validation error detected: Value null at '{at}.value' failed to satisfy constraint: Member must not be null");
            CheckKey(key, $"{at}.key");
            CheckText(value, $"{at}.value", 0, MaximumValueLength);
            if (!seen.Add(key))
            {
                throw IamErrors.InvalidInput("Duplicate tag keys found. Please note that Tag keys are case insensitive.");
            }

            tags.Add(new IamTag(key, value));
        }

        return tags;
    }

    /// <summary>UntagRole/UntagUser's <c>TagKeys.member.N</c>, checked.</summary>
    public static IReadOnlyList<string> ReadKeys(QueryParameters parameters)
    {
        var keys = parameters.GetMemberList("TagKeys");
        if (keys.Count > MaximumTags)
        {
            throw IamErrors.Validation($"1 validation error detected: Value at 'tagKeys' failed to satisfy constraint: Member must have length less than or equal to {MaximumTags}");
        }

        for (var i = 0; i < keys.Count; i++)
        {
            CheckText(keys[i], string.Create(CultureInfo.InvariantCulture, $"tagKeys.{i + 1}.member"), 1, MaximumKeyLength);
        }

        return keys;
    }

    /// <summary>
    /// <paramref name="current"/> with <paramref name="added"/> set: a key already there (ignoring case) takes the
    /// new key spelling and value in its place, as "Tagging IAM resources" says; LimitExceeded past 50 tags.
    /// </summary>
    public static IReadOnlyList<IamTag> With(IReadOnlyList<IamTag> current, IReadOnlyList<IamTag> added)
    {
        var result = new List<IamTag>(current);
        foreach (var tag in added)
        {
            var index = result.FindIndex(t => string.Equals(t.Key, tag.Key, StringComparison.OrdinalIgnoreCase));
            if (index >= 0)
            {
                result[index] = tag;
            }
            else
            {
                result.Add(tag);
            }
        }

        return result.Count <= MaximumTags
            ? result
            : throw IamErrors.LimitExceeded($"The number of tags has reached the maximum limit of {MaximumTags}.");
    }

    /// <summary><paramref name="current"/> without <paramref name="keys"/> (ignoring case); a key not there is no error.</summary>
    public static IReadOnlyList<IamTag> Without(IReadOnlyList<IamTag> current, IReadOnlyList<string> keys) =>
        [.. current.Where(t => !keys.Contains(t.Key, StringComparer.OrdinalIgnoreCase))];

    /// <summary>
    /// The tag condition keys of an action on a user or role: the entity's current tags as <c>aws:ResourceTag/KEY</c>
    /// and <c>iam:ResourceTag/KEY</c> (the Service Authorization Reference lists both for IAM's user and role
    /// resources), and, for actions that set or remove tags, <c>aws:RequestTag/KEY</c> and <c>aws:TagKeys</c>.
    /// </summary>
    public static Dictionary<string, IReadOnlyList<string>> Context(
        IReadOnlyList<IamTag> resourceTags,
        IReadOnlyList<IamTag>? requestTags = null,
        IReadOnlyList<string>? tagKeys = null)
    {
        var context = new Dictionary<string, IReadOnlyList<string>>(StringComparer.OrdinalIgnoreCase);
        foreach (var tag in resourceTags)
        {
            context[ConditionKeys.AwsResourceTag(tag.Key)] = [tag.Value];
            context[ConditionKeys.IamResourceTag(tag.Key)] = [tag.Value];
        }

        foreach (var tag in requestTags ?? [])
        {
            context[ConditionKeys.AwsRequestTag(tag.Key)] = [tag.Value];
        }

        if ((tagKeys ?? requestTags?.Select(t => t.Key).ToList()) is { Count: > 0 } keys)
        {
            context[ConditionKeys.AwsTagKeys] = keys;
        }

        return context;
    }

    /// <summary>
    /// A create with tags is asked with <c>aws:RequestTag</c>/<c>aws:TagKeys</c> (tag-on-create), and also needs the
    /// tagging action itself, so a principal that may not tag cannot tag by creating.
    /// </summary>
    public static void AuthorizeCreate(OperationRequest request, string createAction, string tagAction, string arn, IReadOnlyList<IamTag> tags)
    {
        var context = IamTags.Context([], tags);
        request.Authorize(createAction, arn, context);
        if (tags.Count > 0)
        {
            request.Authorize(tagAction, arn, context);
        }
    }

    /// <summary>The IAM <c>Tags</c> list shape; null when there are none, as AWS leaves the member out then.</summary>
    public static XElement? Element(IReadOnlyList<IamTag> tags) => tags.Count == 0
        ? null
        : List(tags);

    /// <summary>The <c>Tags</c> list shape even when empty, for ListRoleTags and ListUserTags (Tags is required there).</summary>
    public static XElement List(IReadOnlyList<IamTag> tags) => XmlShapes.MemberList(
        "Tags",
        tags.Select(t => (IEnumerable<XElement>)[new XElement("Key", t.Key), new XElement("Value", t.Value)]));

    private static void CheckKey(string key, string at)
    {
        CheckText(key, at, 1, MaximumKeyLength);
        if (key.StartsWith("aws:", StringComparison.OrdinalIgnoreCase))
        {
            // "Tagging IAM resources": the aws: prefix is reserved for AWS's own use.
            throw IamErrors.InvalidInput($"Tag key '{key}' uses the reserved prefix aws:.");
        }
    }

    private static void CheckText(string text, string at, int minimum, int maximum)
    {
        if (text.Length < minimum || text.Length > maximum)
        {
            var bound = text.Length < minimum ? $"greater than or equal to {minimum}" : $"less than or equal to {maximum}";
            throw IamErrors.Validation($"1 validation error detected: Value '{text}' at '{at}' failed to satisfy constraint: Member must have length {bound}");
        }

        if (!TagText().IsMatch(text))
        {
            throw IamErrors.Validation($"1 validation error detected: Value '{text}' at '{at}' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\p{{L}}\\p{{Z}}\\p{{N}}_.:/=+\\-@]*");
        }
    }

    // IAM API Reference, Tag: keys and values are letters, spaces, digits and _.:/=+-@.
    [GeneratedRegex(@"^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$")]
    private static partial Regex TagText();
}
