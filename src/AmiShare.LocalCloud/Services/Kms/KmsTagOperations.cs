using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Nodes;
using AmiShare.LocalCloud.Protocol;
using AmiShare.LocalCloud.State;
using AmiShare.Policy.Catalogue;
using static AmiShare.LocalCloud.Protocol.OperationHandlers;

namespace AmiShare.LocalCloud.Services.Kms;

/// <summary>One tag of a key; KMS spells the members TagKey and TagValue.</summary>
public sealed record KmsTag(string TagKey, string TagValue);

/// <summary>A key's tags, in the order they were first set (ListResourceTags returns them so).</summary>
public sealed record KmsKeyTagsRecord(string AccountId, string Region, string KeyId, ImmutableArray<KmsTag> Tags);

/// <summary>Key tags: TagResource, UntagResource, ListResourceTags; CreateKey's <c>Tags</c> land here too.</summary>
internal sealed class KmsTagOperations(LocalCloudContext cloud, KmsKeyAccess access) : IServiceOperations
{
    /// <summary>Stored by name; never rename.</summary>
    public static readonly EntityKind<KmsKeyTagsRecord> Tags = new("kms.key-tags");

    public AwsServiceDescriptor Service => AwsServices.Kms;

    public IReadOnlyDictionary<string, OperationHandler> Operations => new Dictionary<string, OperationHandler>
    {
        ["TagResource"] = Sync(TagResource),
        ["UntagResource"] = Sync(UntagResource),
        ["ListResourceTags"] = Sync(ListResourceTags),
    };

    /// <summary>Reads the request's <c>Tags</c> member (a list of TagKey/TagValue), or null when absent.</summary>
    public static List<KmsTag>? ReadTags(OperationRequest request)
    {
        if (!KmsJson.TryGet(request, "Tags", out var value))
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Array)
        {
            throw KmsErrors.Serialization("Tags", "a list of tags");
        }

        var tags = new List<KmsTag>();
        foreach (var tag in value.EnumerateArray())
        {
            if (tag.ValueKind != JsonValueKind.Object
                || !tag.TryGetProperty("TagKey", out var key) || key.ValueKind != JsonValueKind.String
                || !tag.TryGetProperty("TagValue", out var tagValue) || tagValue.ValueKind != JsonValueKind.String)
            {
                throw KmsErrors.Serialization("Tags", "a list of objects with string TagKey and TagValue");
            }

            var keyText = key.GetString()!;
            if (keyText.Length is 0 or > 128 || tagValue.GetString()!.Length > 256)
            {
                throw KmsErrors.TagException($"Tag key must be 1-128 and tag value 0-256 characters long; got key '{keyText}'.");
            }

            if (keyText.StartsWith("aws:", StringComparison.Ordinal))
            {
                throw KmsErrors.TagException("Tag keys beginning with 'aws:' are reserved for AWS.");
            }

            tags.Add(new KmsTag(keyText, tagValue.GetString()!));
        }

        return tags;
    }

    /// <summary>Sets tags on a key: a tag key already present gets the new value in its old place.</summary>
    public static void Apply(StateTransaction tx, KmsKeyRecord key, IEnumerable<KmsTag> tags)
    {
        var entityKey = KmsEntityKinds.KeyKey(key.AccountId, key.Region, key.KeyId);
        var current = tx.Find(Tags, entityKey)?.Tags ?? [];
        var merged = current.ToList();
        foreach (var tag in tags)
        {
            var index = merged.FindIndex(t => t.TagKey == tag.TagKey);
            if (index >= 0)
            {
                merged[index] = tag;
            }
            else
            {
                merged.Add(tag);
            }
        }

        if (merged.Count > AwsLimitsForTags)
        {
            throw KmsErrors.TagException($"A key can have at most {AwsLimitsForTags} tags.");
        }

        tx.Put(Tags, entityKey, new KmsKeyTagsRecord(key.AccountId, key.Region, key.KeyId, [.. merged]));
    }

    // KMS documents 50 tags per key.
    private const int AwsLimitsForTags = 50;

    private OperationResponse TagResource(OperationRequest request)
    {
        var key = Writable(request, KmsActions.TagResource);
        var tags = ReadTags(request) ?? throw KmsErrors.Validation("1 validation error detected: Value null at 'tags' failed to satisfy constraint: Member must not be null");
        cloud.State.Write(tx => Apply(tx, key, tags));
        return OperationResponse.Empty;
    }

    private OperationResponse UntagResource(OperationRequest request)
    {
        var key = Writable(request, KmsActions.UntagResource);
        var remove = (KmsJson.StringList(request, "TagKeys") ?? []).ToHashSet(StringComparer.Ordinal);
        cloud.State.Write(tx =>
        {
            var entityKey = KmsEntityKinds.KeyKey(key.AccountId, key.Region, key.KeyId);
            if (tx.Find(Tags, entityKey) is { } current)
            {
                tx.Put(Tags, entityKey, current with { Tags = [.. current.Tags.Where(t => !remove.Contains(t.TagKey))] });
            }
        });
        return OperationResponse.Empty;
    }

    private OperationResponse ListResourceTags(OperationRequest request)
    {
        // As on AWS, the key must be named by id or ARN and be in the caller's account (no cross-account tags).
        var key = access.Resolve(request, "KeyId", allowAlias: false);
        access.AuthorizeOn(request, KmsActions.ListResourceTags, key);
        RequireOwnAccount(request, key);
        var tags = cloud.State.Read(view => view.Find(Tags, KmsEntityKinds.KeyKey(key.AccountId, key.Region, key.KeyId)))?.Tags ?? [];
        return OperationResponse.Json(new JsonObject
        {
            ["Tags"] = new JsonArray([.. tags.Select(t => (JsonNode)new JsonObject { ["TagKey"] = t.TagKey, ["TagValue"] = t.TagValue })]),
            ["Truncated"] = false,
        });
    }

    private KmsKeyRecord Writable(OperationRequest request, string action)
    {
        var key = access.Resolve(request, "KeyId", allowAlias: false);
        access.AuthorizeOn(request, action, key);
        RequireOwnAccount(request, key);
        KmsKeyAccess.RefuseAwsManaged(request, action, key);

        // KMS lets tags change in every key state, pending deletion included.
        return key;
    }

    private static void RequireOwnAccount(OperationRequest request, KmsKeyRecord key)
    {
        if (key.AccountId != request.Caller.AccountId)
        {
            throw KmsErrors.KeyNotFound(key.Arn);
        }
    }
}
