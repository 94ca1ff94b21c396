using System.Text;
using AmiShare.LocalCloud.Authorization;
using AmiShare.LocalCloud.Protocol;
using AmiShare.Policy;
using AmiShare.Policy.Catalogue;
using AmiShare.Policy.Evaluation;
using AmiShare.Policy.Validation;

namespace AmiShare.LocalCloud.Services.Kms;

/// <summary>What KMS requires of a key policy, at CreateKey and PutKeyPolicy alike.</summary>
internal static class KmsKeyPolicyRules
{
    public const int MaxKeyPolicyBytes = AwsLimits.KeyPolicyMaxBytes;

    /// <summary>A key has exactly one policy, and this is its name.</summary>
    public const string DefaultPolicyName = "default";

    /// <summary>Size (fixed 32 KB quota), then the validator's errors, as KMS refuses what it cannot use.</summary>
    public static void CheckPolicy(string policy)
    {
        var bytes = Encoding.UTF8.GetByteCount(policy);
        if (bytes > MaxKeyPolicyBytes)
        {
            throw KmsErrors.LimitExceeded($"The key policy is {bytes} bytes; a key policy may have at most {MaxKeyPolicyBytes} bytes.");
        }

        var errors = PolicyValidator.Validate(policy, PolicyKind.Key).Where(f => f.Severity == Severity.Error).ToList();
        if (errors.Count > 0)
        {
            throw KmsErrors.MalformedPolicyDocument("The key policy is not valid: " + string.Join("; ", errors.Select(e => $"{e.Message} ({e.Location})")));
        }
    }

    /// <summary>KMS's lockout safety check: the caller must still be able to PutKeyPolicy under the new policy.</summary>
    public static void CheckLockout(OperationRequest request, string keyArn, string owner, string policy)
    {
        var decision = request.Check(
            KmsActions.PutKeyPolicy,
            keyArn,
            KmsKeyStore.ContextKeys(request.Caller.AccountId, null),
            new ResourcePolicy(ResourcePolicyKind.KeyPolicy, owner, policy));
        if (!decision.IsAllowed)
        {
            throw KmsErrors.MalformedPolicyDocument("The new key policy will not allow you to update the key policy in the future.");
        }
    }
}
