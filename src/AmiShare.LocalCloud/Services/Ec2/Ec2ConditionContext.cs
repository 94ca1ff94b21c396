using AmiShare.Policy.Catalogue;

namespace AmiShare.LocalCloud.Services.Ec2;

/// <summary>The EC2-specific condition keys handlers pass to authorization (owner and tag keys).</summary>
internal static class Ec2ConditionContext
{
    /// <summary>
    /// The <c>ec2:Owner</c> condition key of an image resource, as IAM policies test it: "amazon" for Amazon's
    /// images, else the owner's account id (policies such as "launch only the golden account's images" depend on it).
    /// </summary>
    public static Dictionary<string, IReadOnlyList<string>> ImageOwnerContext(Ec2Image image) =>
        new(StringComparer.OrdinalIgnoreCase) { [ConditionKeys.Ec2Owner] = [image.OwnerAlias ?? image.OwnerId] };

    /// <summary>The tag condition keys of a tagging request: aws:TagKeys, aws:RequestTag/KEY and, on create, ec2:CreateAction.</summary>
    public static Dictionary<string, IReadOnlyList<string>> TagContext(IEnumerable<KeyValuePair<string, string?>> tags, string? createAction = null)
    {
        var context = new Dictionary<string, IReadOnlyList<string>>(StringComparer.OrdinalIgnoreCase);
        var keys = new List<string>();
        foreach (var (key, value) in tags)
        {
            keys.Add(key);
            if (value is not null)
            {
                context[ConditionKeys.AwsRequestTag(key)] = [value];
            }
        }

        context[ConditionKeys.AwsTagKeys] = keys;
        if (createAction is not null)
        {
            context[ConditionKeys.Ec2CreateAction] = [createAction];
        }

        return context;
    }

    public static Dictionary<string, IReadOnlyList<string>> TagContext(Dictionary<string, string> tags, string createAction) =>
        TagContext(tags.Select(t => KeyValuePair.Create(t.Key, (string?)t.Value)), createAction);
}
