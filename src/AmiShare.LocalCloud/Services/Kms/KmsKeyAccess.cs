using AmiShare.LocalCloud.Protocol;
using AmiShare.Policy.Catalogue;
using AmiShare.Policy.Kms;

namespace AmiShare.LocalCloud.Services.Kms;

/// <summary>
/// How every KMS handler reaches a key: resolve the request's key member (or NotFound), note it for CloudTrail and
/// authorize the action with the key's policy and grants; plus the state checks usage and changes share.
/// </summary>
internal sealed class KmsKeyAccess(LocalCloudContext cloud)
{
    private KmsKeyStore Store => cloud.Kms;

    public KmsKeyRecord Resolve(OperationRequest request, string member, bool allowAlias) =>
        Store.Require(request, KmsJson.RequiredString(request, member), allowAlias);

    /// <summary>Notes the key for CloudTrail (both accounts see cross-account use) and authorizes the action on it.</summary>
    public void AuthorizeOn(
        OperationRequest request,
        string action,
        KmsKeyRecord key,
        Dictionary<string, IReadOnlyList<string>>? keys = null,
        IReadOnlyList<KmsGrant>? grants = null)
    {
        if (!request.Trail.Resources.Any(r => r.Arn == key.Arn))
        {
            request.Trail.AddResource("AWS::KMS::Key", key.Arn, key.AccountId);
        }

        // The key's own properties are condition keys of every operation on it (KMS: kms:KeySpec, kms:KeyUsage, kms:KeyOrigin).
        var conditionKeys = keys ?? KmsKeyStore.ContextKeys(request.Caller.AccountId, null);
        conditionKeys.TryAdd(ConditionKeys.KmsKeySpec, [key.Spec]);
        conditionKeys.TryAdd(ConditionKeys.KmsKeyUsage, [key.Usage]);
        conditionKeys.TryAdd(ConditionKeys.KmsKeyOrigin, [KmsKeyRecord.Origin]);
        request.Authorize(action, key.Arn, conditionKeys, Store.EffectivePolicyOf(key), grants ?? Store.PolicyGrantsOf(key));
    }

    /// <summary>AWS managed keys' policies and states belong to AWS; their fixed policy already refuses this, this is the backstop.</summary>
    public static void RefuseAwsManaged(OperationRequest request, string action, KmsKeyRecord key)
    {
        if (key.IsAwsManaged)
        {
            throw KmsErrors.AccessDenied($"User: {request.Caller.PrincipalArn} is not authorized to perform: {action} on resource: {key.Arn} because it is an AWS managed key");
        }
    }

    public static void RequireUsable(KmsKeyRecord key)
    {
        switch (key.KeyState)
        {
            case KmsKeyStates.Disabled:
                throw KmsErrors.Disabled(key.Arn);
            case KmsKeyStates.PendingDeletion:
                throw KmsErrors.PendingDeletion(key.Arn);
        }
    }
}
