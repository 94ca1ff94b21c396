using System.Globalization;
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
internal sealed record SessionTags(IReadOnlyDictionary<string, string> Tags, IReadOnlyList<string> TransitiveKeys, IReadOnlyList<string> PassedTransitiveKeys)
{
    public bool IsEmpty => Tags.Count == 0;

    /// <summary>Reads and checks the request's tags; <paramref name="caller"/>'s transitive tags are inherited.</summary>
    public static SessionTags Read(QueryParameters parameters, CallerIdentity caller)
    {
        var passed = parameters.GetMemberStructureList("Tags");
        var transitive = parameters.GetMemberList("TransitiveTagKeys");
        TagRules.CheckCount(passed.Count, "tags");
        TagRules.CheckCount(transitive.Count, "transitiveTagKeys");

        // Keys compare ignoring case everywhere: IAM and STS tag keys are case-insensitive.
        var tags = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in TagRules.ReadPairs(passed))
        {
            if (!tags.TryAdd(key, value))
            {
                throw StsErrors.InvalidParameterValue("Duplicate tag keys found. Please note that Tag keys are case insensitive.");
            }
        }

        for (var i = 0; i < transitive.Count; i++)
        {
            TagRules.CheckKey(transitive[i], string.Create(CultureInfo.InvariantCulture, $"transitiveTagKeys.{i + 1}.member"));
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
}
