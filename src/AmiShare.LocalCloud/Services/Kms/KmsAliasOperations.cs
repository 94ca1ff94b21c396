using System.Text.Json.Nodes;
using AmiShare.LocalCloud.Protocol;
using AmiShare.Policy.Catalogue;
using static AmiShare.LocalCloud.Protocol.OperationHandlers;

namespace AmiShare.LocalCloud.Services.Kms;

/// <summary>Aliases: create, delete, list; names under <c>alias/aws/</c> belong to AWS managed keys.</summary>
internal sealed class KmsAliasOperations(LocalCloudContext cloud, KmsKeyAccess access) : IServiceOperations
{
    public AwsServiceDescriptor Service => AwsServices.Kms;

    public IReadOnlyDictionary<string, OperationHandler> Operations => new Dictionary<string, OperationHandler>
    {
        ["CreateAlias"] = Sync(CreateAlias),
        ["DeleteAlias"] = Sync(DeleteAlias),
        ["ListAliases"] = Sync(ListAliases),
    };

    private OperationResponse CreateAlias(OperationRequest request)
    {
        var account = request.Caller.AccountId;
        var aliasName = AliasName(request);
        var key = access.Resolve(request, "TargetKeyId", allowAlias: false);
        var aliasArn = KmsKeyStore.AliasArn(request.Region, account, aliasName);
        request.Authorize(KmsActions.CreateAlias, aliasArn, KmsKeyStore.ContextKeys(account, null));
        access.AuthorizeOn(request, KmsActions.CreateAlias, key);
        if (key.AccountId != account)
        {
            throw KmsErrors.KeyNotFound(KmsKeyStore.KeyArn(request.Region, account, key.KeyId));
        }

        if (key.KeyState == KmsKeyStates.PendingDeletion)
        {
            throw KmsErrors.PendingDeletion(key.Arn);
        }

        var now = request.Time.GetUtcNow();
        cloud.State.Write(tx =>
        {
            var entityKey = KmsEntityKinds.AliasKey(account, request.Region, aliasName);
            if (tx.Find(KmsEntityKinds.Alias, entityKey) is not null)
            {
                throw KmsErrors.AliasExists(aliasArn);
            }

            tx.Put(KmsEntityKinds.Alias, entityKey, new KmsAliasRecord(account, request.Region, aliasName, aliasArn, key.KeyId, now, now));
        });
        return OperationResponse.Empty;
    }

    private OperationResponse DeleteAlias(OperationRequest request)
    {
        var account = request.Caller.AccountId;
        var aliasName = AliasName(request);
        var aliasArn = KmsKeyStore.AliasArn(request.Region, account, aliasName);
        var alias = cloud.Kms.FindAlias(account, request.Region, aliasName)
            ?? throw KmsErrors.AliasNotFound(aliasArn);
        request.Authorize(KmsActions.DeleteAlias, aliasArn, KmsKeyStore.ContextKeys(account, null));
        if (cloud.Kms.FindKey(account, request.Region, alias.TargetKeyId) is { } key)
        {
            access.AuthorizeOn(request, KmsActions.DeleteAlias, key);
        }

        cloud.State.Write(tx => tx.Delete(KmsEntityKinds.Alias, KmsEntityKinds.AliasKey(account, request.Region, aliasName)));
        return OperationResponse.Empty;
    }

    private OperationResponse ListAliases(OperationRequest request)
    {
        var account = request.Caller.AccountId;
        request.Authorize(KmsActions.ListAliases, "*", KmsKeyStore.ContextKeys(account, null));
        string? keyId = null;
        if (KmsJson.String(request, "KeyId") is { } filter)
        {
            var key = cloud.Kms.Resolve(account, request.Region, filter, allowAlias: false, out var message);
            if (key is null || key.AccountId != account)
            {
                throw KmsErrors.NotFound(message);
            }

            keyId = key.KeyId;
        }

        var aliases = cloud.State.Read(view => view.List(KmsEntityKinds.Alias, account, request.Region))
            .Where(a => keyId is null || a.TargetKeyId == keyId)
            .OrderBy(a => a.AliasName, StringComparer.Ordinal)
            .ToList();
        return KmsResponses.Page(request, aliases, a => a.AliasName, "Aliases", a => new JsonObject
        {
            ["AliasName"] = a.AliasName,
            ["AliasArn"] = a.AliasArn,
            ["TargetKeyId"] = a.TargetKeyId,
            ["CreationDate"] = KmsJson.Timestamp(a.CreationDate),
            ["LastUpdatedDate"] = KmsJson.Timestamp(a.LastUpdatedDate),
        });
    }

    private static string AliasName(OperationRequest request)
    {
        var name = KmsJson.RequiredString(request, "AliasName");

        // Request validation comes first and speaks AWS's generic form: the AliasNameType length and pattern.
        if (name.Length > 256)
        {
            throw KmsErrors.Validation($"1 validation error detected: Value '{name}' at 'aliasName' failed to satisfy constraint: Member must have length less than or equal to 256");
        }

        if (!KmsNames.AliasNamePattern().IsMatch(name))
        {
            throw KmsErrors.Validation($"1 validation error detected: Value '{name}' at 'aliasName' failed to satisfy constraint: Member must satisfy regular expression pattern: {KmsNames.AliasNamePattern()}");
        }

        if (!name.StartsWith("alias/", StringComparison.Ordinal))
        {
            throw KmsErrors.Validation("Alias must start with the prefix \"alias/\". Please see https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html");
        }

        // The pattern lets ':' through, but an alias name is letters, digits, '/', '_' and '-' only (CreateAlias reference).
        if (name.Contains(':', StringComparison.Ordinal))
        {
            throw KmsErrors.Validation($"{name} contains invalid characters for an alias");
        }

        if (name.StartsWith(KmsKeyStore.AwsManagedAliasPrefix, StringComparison.Ordinal))
        {
            // KMS answers a reserved name with the bare code and no message.
            throw KmsErrors.NotAuthorized(string.Empty);
        }

        return name;
    }
}
