using System.Text.Json.Nodes;
using AmiShare.LocalCloud.Protocol;
using AmiShare.Policy.Catalogue;
using static AmiShare.LocalCloud.Protocol.OperationHandlers;

namespace AmiShare.LocalCloud.Services.Kms;

/// <summary>Key policies: get, list, put (validated and lockout-checked as KMS does).</summary>
internal sealed class KmsKeyPolicyOperations(LocalCloudContext cloud, KmsKeyAccess access) : IServiceOperations
{
    public AwsServiceDescriptor Service => AwsServices.Kms;

    public IReadOnlyDictionary<string, OperationHandler> Operations => new Dictionary<string, OperationHandler>
    {
        ["GetKeyPolicy"] = Sync(GetKeyPolicy),
        ["PutKeyPolicy"] = Sync(PutKeyPolicy),
        ["ListKeyPolicies"] = Sync(ListKeyPolicies),
    };

    private OperationResponse GetKeyPolicy(OperationRequest request)
    {
        var key = access.Resolve(request, "KeyId", allowAlias: false);
        var policyName = PolicyName(request);
        access.AuthorizeOn(request, KmsActions.GetKeyPolicy, key);
        return OperationResponse.Json(new JsonObject { ["Policy"] = key.Policy, ["PolicyName"] = policyName });
    }

    private OperationResponse ListKeyPolicies(OperationRequest request)
    {
        var key = access.Resolve(request, "KeyId", allowAlias: false);
        access.AuthorizeOn(request, KmsActions.ListKeyPolicies, key);
        return OperationResponse.Json(new JsonObject { ["PolicyNames"] = KmsJson.StringArray([KmsKeyPolicyRules.DefaultPolicyName]), ["Truncated"] = false });
    }

    private OperationResponse PutKeyPolicy(OperationRequest request)
    {
        var key = access.Resolve(request, "KeyId", allowAlias: false);
        PolicyName(request);
        var policy = KmsJson.RequiredString(request, "Policy");
        access.AuthorizeOn(request, KmsActions.PutKeyPolicy, key);
        KmsKeyAccess.RefuseAwsManaged(request, KmsActions.PutKeyPolicy, key);
        KmsKeyPolicyRules.CheckPolicy(policy);
        if (!KmsJson.Bool(request, "BypassPolicyLockoutSafetyCheck"))
        {
            KmsKeyPolicyRules.CheckLockout(request, key.Arn, key.AccountId, policy);
        }

        cloud.State.Write(tx =>
        {
            var entityKey = KmsEntityKinds.KeyKey(key.AccountId, key.Region, key.KeyId);
            var current = tx.Find(KmsEntityKinds.Key, entityKey) ?? key;
            cloud.Kms.NotePolicyChange(current);
            tx.Put(KmsEntityKinds.Key, entityKey, current with { Policy = policy });
        });
        return OperationResponse.Empty;
    }

    private static string PolicyName(OperationRequest request)
    {
        var name = KmsJson.String(request, "PolicyName") ?? KmsKeyPolicyRules.DefaultPolicyName;
        return name == KmsKeyPolicyRules.DefaultPolicyName
            ? name
            : throw KmsErrors.PolicyNotFound(name, KmsKeyPolicyRules.DefaultPolicyName);
    }
}
