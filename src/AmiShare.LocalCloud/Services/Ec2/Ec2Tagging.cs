using AmiShare.LocalCloud.Protocol;

namespace AmiShare.LocalCloud.Services.Ec2;

/// <summary>Tag parsing and the per-resource tag limit, shared by CreateTags/DeleteTags and tag-on-create.</summary>
internal static class Ec2Tagging
{
    private const int TagsPerResource = 50;

    /// <summary><c>TagSpecification.N.ResourceType</c> + <c>TagSpecification.N.Tag.M.Key/Value</c> of CopyImage.</summary>
    public static Dictionary<string, string> CopyImageTags(QueryParameters p)
    {
        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var specification in p.GetStructureList("TagSpecification"))
        {
            var type = specification.GetString("ResourceType");
            if (type != "image")
            {
                throw Ec2Errors.InvalidParameterValue($"'{type}' is not a valid taggable resource type for this operation; LocalCloud tags the new image only (ResourceType=image).");
            }

            foreach (var (key, value) in ParseTags(specification.GetStructureList("Tag"), valueRequired: false))
            {
                tags[key] = value ?? string.Empty;
            }
        }

        return CheckTagCount(tags);
    }

    /// <summary>
    /// The tags a create call's <c>TagSpecification.N</c> sets on its new resource of <paramref name="resourceType"/>;
    /// a specification for a type the call does not create is refused, as EC2 does.
    /// </summary>
    public static Dictionary<string, string> SpecifiedTags(QueryParameters p, string resourceType, params string[] allowedTypes)
    {
        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var specification in p.GetStructureList("TagSpecification"))
        {
            var type = specification.GetString("ResourceType");
            if (type is null || !allowedTypes.Contains(type))
            {
                throw Ec2Errors.InvalidParameterValue($"'{type}' is not a valid taggable resource type for this operation.");
            }

            if (type != resourceType)
            {
                continue;
            }

            foreach (var (key, value) in ParseTags(specification.GetStructureList("Tag"), valueRequired: false))
            {
                tags[key] = value ?? string.Empty;
            }
        }

        return CheckTagCount(tags);
    }

    /// <summary>The tag filters every Describe* of a taggable resource takes ("tag:" stands for tag:KEY).</summary>
    public static readonly string[] TagFilterNames = ["tag-key", "tag-value", "tag:"];

    /// <summary>The values a tag filter matches against, or null when <paramref name="name"/> is not a tag filter.</summary>
    public static string?[]? TagFilterValues(IReadOnlyDictionary<string, string> tags, string name) => name switch
    {
        "tag-key" => [.. tags.Keys],
        "tag-value" => [.. tags.Values],
        _ when name.StartsWith("tag:", StringComparison.Ordinal) => tags.TryGetValue(name[4..], out var value) ? [value] : [],
        _ => null,
    };

    public static List<(string Key, string? Value)> ParseTags(IReadOnlyList<QueryParameters> entries, bool valueRequired)
    {
        var tags = new List<(string, string?)>();
        foreach (var entry in entries)
        {
            var key = entry.GetString("Key") ?? throw Ec2Errors.InvalidParameterValue("Tag keys must not be empty.");
            var value = entry.GetString("Value");
            if (key.Length is 0 or > 128)
            {
                throw Ec2Errors.InvalidParameterValue($"Tag key '{key}' must be 1 to 128 characters long.");
            }

            if (key.StartsWith("aws:", StringComparison.OrdinalIgnoreCase))
            {
                throw Ec2Errors.InvalidParameterValue($"Tag keys starting with 'aws:' are reserved for internal use ('{key}').");
            }

            if (value is { Length: > 256 })
            {
                throw Ec2Errors.InvalidParameterValue($"The value of tag '{key}' must be at most 256 characters long.");
            }

            if (valueRequired && value is null)
            {
                value = string.Empty;
            }

            if (tags.Any(t => t.Item1 == key))
            {
                throw Ec2Errors.InvalidParameterValue($"Duplicate tag key '{key}' specified.");
            }

            tags.Add((key, value));
        }

        return tags;
    }

    public static Dictionary<string, string> CheckTagCount(Dictionary<string, string> tags) => tags.Count <= TagsPerResource ? tags
        : throw Ec2Errors.TagLimitExceeded($"The maximum number of tags for a resource ({TagsPerResource}) has been reached.");
}
