using System.Text.Json.Nodes;
using AmiShare.LocalCloud.Protocol;

namespace AmiShare.LocalCloud.Services.Kms;

/// <summary>The JSON shapes KMS answers with that several handlers share: key metadata, grant entries, Limit/Marker pages.</summary>
internal static class KmsResponses
{
    public const string SymmetricDefault = "SYMMETRIC_DEFAULT";

    public static JsonObject Metadata(KmsKeyRecord key)
    {
        var metadata = new JsonObject
        {
            ["AWSAccountId"] = key.AccountId,
            ["KeyId"] = key.KeyId,
            ["Arn"] = key.Arn,
            ["CreationDate"] = KmsJson.Timestamp(key.CreationDate),
            ["Enabled"] = key.KeyState == KmsKeyStates.Enabled,
            ["Description"] = key.Description,
            ["KeyUsage"] = key.Usage,
            ["KeyState"] = key.KeyState,
            ["Origin"] = KmsKeyRecord.Origin,
            ["KeyManager"] = key.KeyManager,
            ["CustomerMasterKeySpec"] = key.Spec,
            ["KeySpec"] = key.Spec,
            ["MultiRegion"] = key.MultiRegion,
        };
        AddAlgorithms(metadata, key);
        if (key.DeletionDate is { } deletion)
        {
            metadata["DeletionDate"] = KmsJson.Timestamp(deletion);
            metadata["PendingDeletionWindowInDays"] = key.PendingDeletionWindowInDays;
        }

        if (key.MultiRegion)
        {
            metadata["MultiRegionConfiguration"] = new JsonObject
            {
                ["MultiRegionKeyType"] = key.IsReplica ? "REPLICA" : "PRIMARY",
                ["PrimaryKey"] = new JsonObject { ["Arn"] = KmsKeyStore.KeyArn(key.PrimaryRegion ?? key.Region, key.AccountId, key.KeyId), ["Region"] = key.PrimaryRegion ?? key.Region },
                ["ReplicaKeys"] = new JsonArray(),
            };
        }

        return metadata;
    }

    /// <summary>
    /// The algorithm lists of a key, as DescribeKey and GetPublicKey show them: EncryptionAlgorithms for
    /// ENCRYPT_DECRYPT keys, SigningAlgorithms for SIGN_VERIFY keys, MacAlgorithms for HMAC keys; never an empty list.
    /// </summary>
    public static void AddAlgorithms(JsonObject target, KmsKeyRecord key)
    {
        ArgumentNullException.ThrowIfNull(target);
        var spec = KmsKeySpecs.Of(key);
        var encryption = spec.EncryptionAlgorithms(key.Usage);
        if (encryption.Count > 0)
        {
            target["EncryptionAlgorithms"] = KmsJson.StringArray(encryption);
        }

        if (key.Usage == KmsKeySpecs.SignVerify)
        {
            target["SigningAlgorithms"] = KmsJson.StringArray(spec.SigningAlgorithms);
        }

        if (key.Usage == KmsKeySpecs.GenerateVerifyMac && spec.MacAlgorithm is { } mac)
        {
            target["MacAlgorithms"] = KmsJson.StringArray([mac]);
        }
    }

    public static JsonObject GrantEntry(KmsGrantRecord grant)
    {
        var entry = new JsonObject
        {
            ["KeyId"] = grant.KeyArn,
            ["GrantId"] = grant.GrantId,
            ["CreationDate"] = KmsJson.Timestamp(grant.CreationDate),
            ["GranteePrincipal"] = grant.GranteePrincipal,
            ["IssuingAccount"] = $"arn:aws:iam::{grant.IssuingAccount}:root",
            ["Operations"] = KmsJson.StringArray(grant.Operations),
        };
        if (grant.Name is not null)
        {
            entry["Name"] = grant.Name;
        }

        if (grant.RetiringPrincipal is not null)
        {
            entry["RetiringPrincipal"] = grant.RetiringPrincipal;
        }

        if (grant.EncryptionContextEquals is not null || grant.EncryptionContextSubset is not null)
        {
            var constraints = new JsonObject();
            if (grant.EncryptionContextSubset is { } subset)
            {
                constraints["EncryptionContextSubset"] = KmsJson.StringMap(subset);
            }

            if (grant.EncryptionContextEquals is { } equals)
            {
                constraints["EncryptionContextEquals"] = KmsJson.StringMap(equals);
            }

            entry["Constraints"] = constraints;
        }

        return entry;
    }

    /// <summary>Limit (1–1000, default 100) and Marker pagination over items sorted by <paramref name="markerOf"/>.</summary>
    public static OperationResponse Page<T>(OperationRequest request, IReadOnlyList<T> items, Func<T, string> markerOf, string member, Func<T, JsonObject> render)
    {
        var limit = KmsJson.Int(request, "Limit") ?? 100;
        if (limit is < 1 or > 1000)
        {
            throw KmsErrors.Validation($"1 validation error detected: Value '{limit}' at 'limit' failed to satisfy constraint: Member must have value between 1 and 1000");
        }

        var start = 0;
        if (KmsJson.String(request, "Marker") is { } marker)
        {
            start = items.Select(markerOf).ToList().IndexOf(marker) + 1;
            if (start == 0)
            {
                throw KmsErrors.InvalidMarker();
            }
        }

        var page = items.Skip(start).Take(limit).ToList();
        var truncated = start + page.Count < items.Count;
        var response = new JsonObject { [member] = new JsonArray([.. page.Select(i => (JsonNode)render(i))]), ["Truncated"] = truncated };
        if (truncated)
        {
            response["NextMarker"] = markerOf(page[^1]);
        }

        return OperationResponse.Json(response);
    }
}
