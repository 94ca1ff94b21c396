using System.Text.Json.Nodes;

namespace AmiShare.LocalCloud.Services.Kms;

/// <summary>
/// Multi-Region keys (<c>mrk-</c> ids): a primary and its replicas share key id and key material, each with its
/// own ARN, policy and grants, so a ciphertext made under one opens under any related key (docs/aws-facts.md §10).
/// </summary>
internal static class KmsMultiRegionKeys
{
    public const string MultiRegionKeyIdPrefix = "mrk-";

    /// <summary>
    /// Whether <paramref name="keyId"/> has the form of a KMS key id: a UUID, or <c>mrk-</c> and 32 hex digits for a
    /// multi-Region key. KMS answers anything else with "Invalid keyId", not with "does not exist".
    /// </summary>
    public static bool IsWellFormedKeyId(string keyId) =>
        keyId.StartsWith(MultiRegionKeyIdPrefix, StringComparison.Ordinal)
            ? keyId.Length == MultiRegionKeyIdPrefix.Length + 32 && keyId[MultiRegionKeyIdPrefix.Length..].All(char.IsAsciiHexDigit)
            : Guid.TryParseExact(keyId, "D", out _);

    /// <summary>Whether a ciphertext naming <paramref name="namedArn"/> may be opened by <paramref name="key"/>: a related multi-Region key.</summary>
    public static bool AreRelated(string namedArn, KmsKeyRecord key) =>
        key.MultiRegion
        && KmsKeyStore.ParseKeyArn(namedArn) is { } named
        && named.AccountId == key.AccountId
        && named.KeyId == key.KeyId;

    /// <summary>The key that opens a ciphertext naming <paramref name="namedArn"/> in <paramref name="region"/>: itself, or its replica there.</summary>
    public static KmsKeyRecord? InRegion(KmsKeyStore store, string namedArn, string region)
    {
        var named = KmsKeyStore.ParseKeyArn(namedArn);
        if (named is null)
        {
            return null;
        }

        if (named.Value.Region == region || !named.Value.KeyId.StartsWith(MultiRegionKeyIdPrefix, StringComparison.Ordinal))
        {
            return store.FindKeyByArn(namedArn);
        }

        return store.FindKey(named.Value.AccountId, region, named.Value.KeyId) is { MultiRegion: true } related ? related : null;
    }

    /// <summary>Every Region's copy of a multi-Region key (primary first), read from state.</summary>
    public static List<KmsKeyRecord> Family(LocalCloudContext cloud, KmsKeyRecord key) =>
        [.. cloud.Seed.Regions
            .Select(region => cloud.Kms.FindKey(key.AccountId, region, key.KeyId))
            .OfType<KmsKeyRecord>()
            .Where(k => k.MultiRegion)
            .OrderBy(k => k.IsReplica)
            .ThenBy(k => k.Region, StringComparer.Ordinal)];

    /// <summary>DescribeKey's MultiRegionConfiguration with the replicas that exist.</summary>
    public static JsonObject WithReplicas(LocalCloudContext cloud, JsonObject metadata, KmsKeyRecord key)
    {
        if (!key.MultiRegion || metadata["MultiRegionConfiguration"] is not JsonObject configuration)
        {
            return metadata;
        }

        configuration["ReplicaKeys"] = new JsonArray([.. Family(cloud, key)
            .Where(k => k.IsReplica)
            .Select(k => (JsonNode)new JsonObject { ["Arn"] = k.Arn, ["Region"] = k.Region })]);
        return metadata;
    }
}
