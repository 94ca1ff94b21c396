using System.Globalization;
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
internal static class IamTags
{
    public const int MaximumTags = TagRules.MaximumTags;

    /// <summary>The request's <c>Tags.member.N.Key/Value</c>, checked; duplicate keys (ignoring case) are refused.</summary>
    public static IReadOnlyList<IamTag> Read(QueryParameters parameters)
    {
        var passed = parameters.GetMemberStructureList("Tags");
        TagRules.CheckCount(passed.Count, "tags");
        var tags = new List<IamTag>(passed.Count);
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in TagRules.ReadPairs(passed, CheckReservedPrefix))
        {
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
        TagRules.CheckCount(keys.Count, "tagKeys");
        for (var i = 0; i < keys.Count; i++)
        {
            TagRules.CheckKey(keys[i], string.Create(CultureInfo.InvariantCulture, $"tagKeys.{i + 1}.member"));
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

    private static void CheckReservedPrefix(string key)
    {
        if (key.StartsWith("aws:", StringComparison.OrdinalIgnoreCase))
        {
            // "Tagging IAM resources": the aws: prefix is reserved for AWS's own use.
            throw IamErrors.InvalidInput($"Tag key '{key}' uses the reserved prefix aws:.");
        }
    }
}
