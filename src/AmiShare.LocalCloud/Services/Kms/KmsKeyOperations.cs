using System.Text.Json.Nodes;
using AmiShare.LocalCloud.Protocol;
using AmiShare.Policy.Catalogue;
using static AmiShare.LocalCloud.Protocol.OperationHandlers;

namespace AmiShare.LocalCloud.Services.Kms;

/// <summary>Keys: create, describe, list, enable and disable, schedule and cancel deletion.</summary>
internal sealed class KmsKeyOperations(LocalCloudContext cloud, KmsKeyAccess access) : IServiceOperations
{
    public AwsServiceDescriptor Service => AwsServices.Kms;

    public IReadOnlyDictionary<string, OperationHandler> Operations => new Dictionary<string, OperationHandler>
    {
        ["CreateKey"] = Sync(CreateKey),
        ["DescribeKey"] = Sync(DescribeKey),
        ["ListKeys"] = Sync(ListKeys),
        ["EnableKey"] = Sync(EnableKey),
        ["DisableKey"] = Sync(DisableKey),
        ["ScheduleKeyDeletion"] = Sync(ScheduleKeyDeletion),
        ["CancelKeyDeletion"] = Sync(CancelKeyDeletion),
    };

    private OperationResponse CreateKey(OperationRequest request)
    {
        var account = request.Caller.AccountId;
        var (spec, usage) = KmsKeySpecs.ForCreateKey(KmsJson.String(request, "KeySpec"), KmsJson.String(request, "CustomerMasterKeySpec"), KmsJson.String(request, "KeyUsage"));
        var origin = KmsJson.String(request, "Origin") ?? KmsKeyRecord.Origin;
        if (origin != KmsKeyRecord.Origin)
        {
            throw KmsErrors.UnsupportedOperation($"LocalCloud emulates keys with KMS-generated material only (Origin {KmsKeyRecord.Origin}), not Origin {origin}.");
        }

        var description = KmsJson.String(request, "Description") ?? string.Empty;
        if (description.Length > 8192)
        {
            throw KmsErrors.Validation("1 validation error detected: Value at 'description' failed to satisfy constraint: Member must have length less than or equal to 8192");
        }

        var multiRegion = KmsJson.Bool(request, "MultiRegion");
        var tags = KmsTagOperations.ReadTags(request);
        var createKeys = KmsKeyStore.ContextKeys(account, null);
        createKeys[ConditionKeys.KmsKeySpec] = [spec.Name];
        createKeys[ConditionKeys.KmsKeyUsage] = [usage];
        createKeys[ConditionKeys.KmsKeyOrigin] = [origin];
        request.Authorize(KmsActions.CreateKey, "*", createKeys);

        var policy = KmsJson.String(request, "Policy");
        if (policy is null)
        {
            policy = KmsKeyStore.DefaultKeyPolicy(account);
        }
        else
        {
            KmsKeyPolicyRules.CheckPolicy(policy);
            if (!KmsJson.Bool(request, "BypassPolicyLockoutSafetyCheck"))
            {
                // The key does not exist yet: ask about a key ARN of this account, which a "Resource": "*" policy covers.
                KmsKeyPolicyRules.CheckLockout(request, KmsKeyStore.KeyArn(request.Region, account, "00000000-0000-4000-8000-000000000000"), account, policy);
            }
        }

        var key = cloud.Kms.CreateKey(account, request.Region, description, policy, multiRegion, spec: spec.Name, usage: usage);
        if (tags is { Count: > 0 })
        {
            cloud.State.Write(tx => KmsTagOperations.Apply(tx, key, tags));
        }

        request.Trail.AddResource("AWS::KMS::Key", key.Arn, key.AccountId);
        request.Trail.ResponseElements["keyId"] = key.KeyId;
        return OperationResponse.Json(new JsonObject { ["KeyMetadata"] = KmsResponses.Metadata(key) });
    }

    private OperationResponse DescribeKey(OperationRequest request)
    {
        var key = access.Resolve(request, "KeyId", allowAlias: true);
        access.AuthorizeOn(request, KmsActions.DescribeKey, key);
        return OperationResponse.Json(new JsonObject { ["KeyMetadata"] = KmsMultiRegionKeys.WithReplicas(cloud, KmsResponses.Metadata(key), key) });
    }

    private OperationResponse ListKeys(OperationRequest request)
    {
        var account = request.Caller.AccountId;
        request.Authorize(KmsActions.ListKeys, "*", KmsKeyStore.ContextKeys(account, null));
        var now = request.Time.GetUtcNow();
        var keys = cloud.State.Read(view => view.List(KmsEntityKinds.Key, account, request.Region))
            .Where(k => !k.IsDeletedAt(now))
            .OrderBy(k => k.KeyId, StringComparer.Ordinal)
            .ToList();
        return KmsResponses.Page(request, keys, k => k.KeyId, "Keys", k => new JsonObject { ["KeyId"] = k.KeyId, ["KeyArn"] = k.Arn });
    }

    private OperationResponse EnableKey(OperationRequest request) => ChangeState(request, KmsActions.EnableKey, key => key.KeyState switch
    {
        KmsKeyStates.PendingDeletion => throw KmsErrors.PendingDeletion(key.Arn),
        _ => key with { KeyState = KmsKeyStates.Enabled },
    });

    private OperationResponse DisableKey(OperationRequest request) => ChangeState(request, KmsActions.DisableKey, key => key.KeyState switch
    {
        KmsKeyStates.PendingDeletion => throw KmsErrors.PendingDeletion(key.Arn),
        _ => key with { KeyState = KmsKeyStates.Disabled },
    });

    private OperationResponse ScheduleKeyDeletion(OperationRequest request)
    {
        var days = KmsJson.Int(request, "PendingWindowInDays") ?? 30;
        if (days is < 7 or > 30)
        {
            throw KmsErrors.Validation($"1 validation error detected: Value '{days}' at 'pendingWindowInDays' failed to satisfy constraint: Member must have value between 7 and 30 (inclusive)");
        }

        var deletionDate = request.Time.GetUtcNow().AddDays(days);
        var updated = Change(request, KmsActions.ScheduleKeyDeletion, key => key.KeyState == KmsKeyStates.PendingDeletion
            ? throw KmsErrors.PendingDeletion(key.Arn)
            : key with { KeyState = KmsKeyStates.PendingDeletion, DeletionDate = deletionDate, PendingDeletionWindowInDays = days });
        return OperationResponse.Json(new JsonObject
        {
            ["KeyId"] = updated.Arn,
            ["DeletionDate"] = KmsJson.Timestamp(deletionDate),
            ["KeyState"] = updated.KeyState,
            ["PendingWindowInDays"] = days,
        });
    }

    private OperationResponse CancelKeyDeletion(OperationRequest request)
    {
        // As on AWS, a key whose deletion is cancelled comes back Disabled.
        var updated = Change(request, KmsActions.CancelKeyDeletion, key => key.KeyState != KmsKeyStates.PendingDeletion
            ? throw KmsErrors.NotPendingDeletion(key.Arn)
            : key with { KeyState = KmsKeyStates.Disabled, DeletionDate = null, PendingDeletionWindowInDays = null });
        return OperationResponse.Json(new JsonObject { ["KeyId"] = updated.Arn });
    }

    private OperationResponse ChangeState(OperationRequest request, string action, Func<KmsKeyRecord, KmsKeyRecord> change)
    {
        Change(request, action, change);
        return OperationResponse.Empty;
    }

    /// <summary>Authorizes <paramref name="action"/> on the KeyId (id or ARN, no alias) and stores the changed key.</summary>
    private KmsKeyRecord Change(OperationRequest request, string action, Func<KmsKeyRecord, KmsKeyRecord> change)
    {
        var key = access.Resolve(request, "KeyId", allowAlias: false);
        access.AuthorizeOn(request, action, key);
        KmsKeyAccess.RefuseAwsManaged(request, action, key);
        return cloud.State.Write(tx =>
        {
            var current = tx.Find(KmsEntityKinds.Key, KmsEntityKinds.KeyKey(key.AccountId, key.Region, key.KeyId)) ?? key;
            var updated = change(current);
            tx.Put(KmsEntityKinds.Key, KmsEntityKinds.KeyKey(key.AccountId, key.Region, key.KeyId), updated);
            return updated;
        });
    }
}
