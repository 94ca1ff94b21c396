using System.Text.Json.Nodes;
using AmiShare.LocalCloud.Protocol;
using AmiShare.Policy.Catalogue;
using static AmiShare.LocalCloud.Protocol.OperationHandlers;

namespace AmiShare.LocalCloud.Services.Kms;

/// <summary>GenerateRandom (1 to 1024 bytes) and UpdateKeyDescription: key-independent or single-field operations.</summary>
internal sealed class KmsRandomOperations(LocalCloudContext cloud, KmsKeyAccess access) : IServiceOperations
{
    public AwsServiceDescriptor Service => AwsServices.Kms;

    public IReadOnlyDictionary<string, OperationHandler> Operations => new Dictionary<string, OperationHandler>
    {
        ["GenerateRandom"] = Sync(GenerateRandom),
        ["UpdateKeyDescription"] = Sync(UpdateKeyDescription),
    };

    private OperationResponse GenerateRandom(OperationRequest request)
    {
        var count = KmsJson.Int(request, "NumberOfBytes") ?? throw KmsErrors.Validation("NumberOfBytes is required.");
        if (count is < 1 or > 1024)
        {
            throw KmsErrors.Validation($"1 validation error detected: Value '{count}' at 'numberOfBytes' failed to satisfy constraint: Member must have value between 1 and 1024 (inclusive)");
        }

        request.Authorize(KmsActions.GenerateRandom, "*", KmsKeyStore.ContextKeys(request.Caller.AccountId, null));
        return OperationResponse.Json(new JsonObject { ["Plaintext"] = Convert.ToBase64String(cloud.Ids.Bytes(count)) });
    }

    private OperationResponse UpdateKeyDescription(OperationRequest request)
    {
        var description = KmsJson.String(request, "Description") ?? throw KmsErrors.Validation("Description is required.");
        if (description.Length > 8192)
        {
            throw KmsErrors.Validation("1 validation error detected: Value at 'description' failed to satisfy constraint: Member must have length less than or equal to 8192");
        }

        var key = access.Resolve(request, "KeyId", allowAlias: false);
        access.AuthorizeOn(request, KmsActions.UpdateKeyDescription, key);
        KmsKeyAccess.RefuseAwsManaged(request, KmsActions.UpdateKeyDescription, key);
        if (key.KeyState == KmsKeyStates.PendingDeletion)
        {
            throw KmsErrors.PendingDeletion(key.Arn);
        }

        cloud.State.Write(tx =>
        {
            var entityKey = KmsEntityKinds.KeyKey(key.AccountId, key.Region, key.KeyId);
            var current = tx.Find(KmsEntityKinds.Key, entityKey) ?? key;
            tx.Put(KmsEntityKinds.Key, entityKey, current with { Description = description });
        });
        return OperationResponse.Empty;
    }
}
