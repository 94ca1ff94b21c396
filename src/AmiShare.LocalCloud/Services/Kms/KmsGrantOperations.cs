using System.Text.Json.Nodes;
using AmiShare.LocalCloud.Protocol;
using AmiShare.Policy;
using AmiShare.Policy.Catalogue;
using AmiShare.Policy.Evaluation;
using static AmiShare.LocalCloud.Protocol.OperationHandlers;

namespace AmiShare.LocalCloud.Services.Kms;

/// <summary>Grants: create (with constraints and grant condition keys), list, list retirable, retire, revoke.</summary>
internal sealed class KmsGrantOperations(LocalCloudContext cloud, KmsKeyAccess access) : IServiceOperations
{
    public AwsServiceDescriptor Service => AwsServices.Kms;

    public IReadOnlyDictionary<string, OperationHandler> Operations => new Dictionary<string, OperationHandler>
    {
        ["CreateGrant"] = Sync(CreateGrant),
        ["ListGrants"] = Sync(ListGrants),
        ["ListRetirableGrants"] = Sync(ListRetirableGrants),
        ["RetireGrant"] = Sync(RetireGrant),
        ["RevokeGrant"] = Sync(RevokeGrant),
    };

    private OperationResponse CreateGrant(OperationRequest request)
    {
        var key = access.Resolve(request, "KeyId", allowAlias: false);
        var grantee = KmsJson.RequiredString(request, "GranteePrincipal");
        var retiring = KmsJson.String(request, "RetiringPrincipal");
        var operations = KmsJson.StringList(request, "Operations") ?? throw request.Service.MissingParameter("operations");
        var name = KmsJson.String(request, "Name");
        if (operations.Count == 0 || operations.Any(o => !KmsActions.GrantableOperations.Contains(o)))
        {
            throw KmsErrors.Validation(operations.Count == 0
                ? "1 validation error detected: Value '[]' at 'operations' failed to satisfy constraint: Member must have length greater than or equal to 1"
                : $"1 validation error detected: Value '[{string.Join(", ", operations)}]' at 'operations' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [{string.Join(", ", KmsActions.GrantableOperations.Order(StringComparer.Ordinal))}]]");
        }

        foreach (var principal in new[] { grantee, retiring })
        {
            if (principal is not null && CallerPrincipal.Parse(principal) is not { Kind: not PrincipalKind.Anonymous })
            {
                throw KmsErrors.Validation($"{principal} is not a valid principal: use an account root, user, role, assumed-role ARN or a service principal.");
            }
        }

        if (name is not null && (name.Length > 256 || !KmsNames.AliasNamePattern().IsMatch(name)))
        {
            throw KmsErrors.Validation($"1 validation error detected: Value '{name}' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9:/_-]+$");
        }

        Dictionary<string, string>? equals = null;
        Dictionary<string, string>? subset = null;
        if (KmsJson.TryGet(request, "Constraints", out var constraints))
        {
            if (constraints.TryGetProperty("EncryptionContextEquals", out var e) && e.ValueKind != System.Text.Json.JsonValueKind.Null)
            {
                equals = KmsJson.Map(e, "Constraints.EncryptionContextEquals");
            }

            if (constraints.TryGetProperty("EncryptionContextSubset", out var s) && s.ValueKind != System.Text.Json.JsonValueKind.Null)
            {
                subset = KmsJson.Map(s, "Constraints.EncryptionContextSubset");
            }
        }

        // The constraint pairs are the encryption context of a CreateGrant request: key-policy conditions on
        // kms:EncryptionContext:* and a parent grant's constraints both apply to them.
        var constraintContext = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in (subset ?? []).Concat(equals ?? []))
        {
            constraintContext[pair.Key] = pair.Value;
        }

        var keys = KmsKeyStore.ContextKeys(request.Caller.AccountId, constraintContext);
        keys[ConditionKeys.KmsGrantOperations] = [.. operations];
        keys[ConditionKeys.KmsGranteePrincipal] = [grantee];
        if (retiring is not null)
        {
            keys[ConditionKeys.KmsRetiringPrincipal] = [retiring];
        }

        if (equals is not null || subset is not null)
        {
            keys[ConditionKeys.KmsGrantConstraintType] = equals is not null ? ["EncryptionContextEquals"] : ["EncryptionContextSubset"];
        }

        access.AuthorizeOn(request, KmsActions.CreateGrant, key, keys);
        KmsKeyAccess.RequireUsable(key);
        request.StopIfDryRun();
        var grant = cloud.Kms.CreateGrant(key, grantee, retiring, operations, equals, subset, name, request.Caller.AccountId, reuseIdentical: name is not null);
        request.Trail.ResponseElements["grantId"] = grant.GrantId;
        return OperationResponse.Json(new JsonObject { ["GrantToken"] = grant.GrantToken, ["GrantId"] = grant.GrantId });
    }

    private OperationResponse ListGrants(OperationRequest request)
    {
        var key = access.Resolve(request, "KeyId", allowAlias: false);
        access.AuthorizeOn(request, KmsActions.ListGrants, key);
        var grantId = KmsJson.String(request, "GrantId");
        var grantee = KmsJson.String(request, "GranteePrincipal");
        var grants = cloud.Kms.GrantsOf(key)
            .Where(g => (grantId is null || g.GrantId == grantId) && (grantee is null || g.GranteePrincipal == grantee))
            .OrderBy(g => g.CreationDate)
            .ThenBy(g => g.GrantId, StringComparer.Ordinal)
            .ToList();
        return KmsResponses.Page(request, grants, g => g.GrantId, "Grants", KmsResponses.GrantEntry);
    }

    private OperationResponse ListRetirableGrants(OperationRequest request)
    {
        var retiring = KmsJson.RequiredString(request, "RetiringPrincipal");
        request.Authorize(KmsActions.ListRetirableGrants, "*", KmsKeyStore.ContextKeys(request.Caller.AccountId, null));
        var grants = cloud.State.Read(view => view.List(KmsEntityKinds.Grant, region: request.Region))
            .Where(g => g.RetiringPrincipal == retiring)
            .OrderBy(g => g.CreationDate)
            .ThenBy(g => g.GrantId, StringComparer.Ordinal)
            .ToList();
        return KmsResponses.Page(request, grants, g => g.GrantId, "Grants", KmsResponses.GrantEntry);
    }

    private OperationResponse RetireGrant(OperationRequest request)
    {
        var token = KmsJson.String(request, "GrantToken");
        var keyId = KmsJson.String(request, "KeyId");
        var grantId = KmsJson.String(request, "GrantId");
        KmsGrantRecord grant;
        KmsKeyRecord key;
        if (token is not null)
        {
            grant = cloud.State.Read(view => view.List(KmsEntityKinds.Grant)).FirstOrDefault(g => g.GrantToken == token)
                ?? throw KmsErrors.InvalidGrantToken();
            key = cloud.Kms.FindKeyByArn(grant.KeyArn) ?? throw KmsErrors.KeyNotFound(grant.KeyArn);
        }
        else if (keyId is not null && grantId is not null)
        {
            key = access.Resolve(request, "KeyId", allowAlias: false);
            grant = cloud.Kms.GrantsOf(key).FirstOrDefault(g => g.GrantId == grantId)
                ?? throw KmsErrors.InvalidGrantId(grantId, key.Arn);
        }
        else
        {
            throw KmsErrors.Validation("Either GrantToken, or both KeyId and GrantId, must be specified.");
        }

        // Only this grant can make its retiring principal (or its grantee with RetireGrant) eligible.
        access.AuthorizeOn(request, KmsActions.RetireGrant, key, grants: [grant.ToPolicyGrant()]);
        request.StopIfDryRun();
        cloud.State.Write(tx => tx.Delete(KmsEntityKinds.Grant, KmsEntityKinds.GrantKey(key.AccountId, key.Region, key.KeyId, grant.GrantId)));
        return OperationResponse.Empty;
    }

    private OperationResponse RevokeGrant(OperationRequest request)
    {
        var key = access.Resolve(request, "KeyId", allowAlias: false);
        var grantId = KmsJson.RequiredString(request, "GrantId");
        access.AuthorizeOn(request, KmsActions.RevokeGrant, key);
        var grant = cloud.Kms.GrantsOf(key).FirstOrDefault(g => g.GrantId == grantId)
            ?? throw KmsErrors.InvalidGrantId(grantId, key.Arn);
        request.StopIfDryRun();
        cloud.State.Write(tx => tx.Delete(KmsEntityKinds.Grant, KmsEntityKinds.GrantKey(key.AccountId, key.Region, key.KeyId, grant.GrantId)));
        return OperationResponse.Empty;
    }
}
