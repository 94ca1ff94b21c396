using System.Collections.Frozen;
using System.Collections.Immutable;

namespace AmiShare.Policy.Catalogue;

/// <summary>
/// KMS action names as IAM and key policies spell them (<c>kms:Operation</c>). This is the only place in src/ they
/// are written; a test fails on a stray copy. The operation part (<see cref="OperationOf"/>) is what grants list.
/// </summary>
public static class KmsActions
{
    public const string Prefix = "kms:";
    public const string All = "kms:*";

    public const string Encrypt = "kms:Encrypt";
    public const string Decrypt = "kms:Decrypt";
    public const string ReEncryptFrom = "kms:ReEncryptFrom";
    public const string ReEncryptTo = "kms:ReEncryptTo";

    /// <summary>Both re-encryption halves, as key policies usually write them.</summary>
    public const string ReEncryptAny = "kms:ReEncrypt*";
    public const string GenerateDataKey = "kms:GenerateDataKey";
    public const string GenerateDataKeyWithoutPlaintext = "kms:GenerateDataKeyWithoutPlaintext";
    public const string GenerateDataKeyAny = "kms:GenerateDataKey*";
    public const string GenerateDataKeyPair = "kms:GenerateDataKeyPair";
    public const string GenerateDataKeyPairWithoutPlaintext = "kms:GenerateDataKeyPairWithoutPlaintext";
    public const string GenerateMac = "kms:GenerateMac";
    public const string VerifyMac = "kms:VerifyMac";
    public const string GenerateRandom = "kms:GenerateRandom";
    public const string Sign = "kms:Sign";
    public const string Verify = "kms:Verify";
    public const string GetPublicKey = "kms:GetPublicKey";
    public const string DeriveSharedSecret = "kms:DeriveSharedSecret";

    public const string CreateKey = "kms:CreateKey";
    public const string DescribeKey = "kms:DescribeKey";
    public const string DescribeAny = "kms:Describe*";
    public const string GetAny = "kms:Get*";
    public const string ListAny = "kms:List*";
    public const string ListKeys = "kms:ListKeys";
    public const string EnableKey = "kms:EnableKey";
    public const string DisableKey = "kms:DisableKey";
    public const string ScheduleKeyDeletion = "kms:ScheduleKeyDeletion";
    public const string CancelKeyDeletion = "kms:CancelKeyDeletion";
    public const string ReplicateKey = "kms:ReplicateKey";
    public const string UpdateKeyDescription = "kms:UpdateKeyDescription";
    public const string TagResource = "kms:TagResource";
    public const string UntagResource = "kms:UntagResource";
    public const string ListResourceTags = "kms:ListResourceTags";
    public const string GetKeyRotationStatus = "kms:GetKeyRotationStatus";
    public const string EnableKeyRotation = "kms:EnableKeyRotation";
    public const string DisableKeyRotation = "kms:DisableKeyRotation";
    public const string RotateKeyOnDemand = "kms:RotateKeyOnDemand";

    public const string CreateAlias = "kms:CreateAlias";
    public const string UpdateAlias = "kms:UpdateAlias";
    public const string DeleteAlias = "kms:DeleteAlias";
    public const string ListAliases = "kms:ListAliases";

    public const string GetKeyPolicy = "kms:GetKeyPolicy";
    public const string PutKeyPolicy = "kms:PutKeyPolicy";
    public const string ListKeyPolicies = "kms:ListKeyPolicies";

    public const string CreateGrant = "kms:CreateGrant";
    public const string ListGrants = "kms:ListGrants";
    public const string ListRetirableGrants = "kms:ListRetirableGrants";
    public const string RetireGrant = "kms:RetireGrant";
    public const string RevokeGrant = "kms:RevokeGrant";

    /// <summary>
    /// The operations a grant may allow (the KMS API's GrantOperation enum), by operation name, not action.
    /// </summary>
    public static readonly FrozenSet<string> GrantableOperations = new[]
    {
        "Decrypt", "Encrypt", "GenerateDataKey", "GenerateDataKeyWithoutPlaintext", "ReEncryptFrom", "ReEncryptTo", "Sign", "Verify",
        "GetPublicKey", "CreateGrant", "RetireGrant", "DescribeKey", "GenerateDataKeyPair", "GenerateDataKeyPairWithoutPlaintext",
        "GenerateMac", "VerifyMac", "DeriveSharedSecret",
    }.ToFrozenSet(StringComparer.Ordinal);

    /// <summary>The only KMS operations that work on a key in another account (KMS Developer Guide, "Allowing users in other accounts to use a KMS key").</summary>
    public static readonly FrozenSet<string> CrossAccountOperations = new[]
    {
        "Decrypt", "Encrypt", "GenerateDataKey", "GenerateDataKeyPair", "GenerateDataKeyPairWithoutPlaintext",
        "GenerateDataKeyWithoutPlaintext", "GenerateMac", "ReEncryptFrom", "ReEncryptTo", "Sign", "Verify", "VerifyMac",
        "DeriveSharedSecret", "CreateGrant", "DescribeKey", "GetKeyRotationStatus", "GetPublicKey", "ListGrants",
        "RetireGrant", "RevokeGrant",
    }.ToFrozenSet(StringComparer.Ordinal);

    /// <summary>
    /// Operations a grant constraint (EncryptionContextEquals/Subset) applies to: those that take an encryption
    /// context, and CreateGrant, whose child grants must be as strict.
    /// </summary>
    public static readonly FrozenSet<string> ContextConstrainedOperations = new[]
    {
        "Encrypt", "Decrypt", "GenerateDataKey", "GenerateDataKeyWithoutPlaintext", "GenerateDataKeyPair",
        "GenerateDataKeyPairWithoutPlaintext", "ReEncryptFrom", "ReEncryptTo", "CreateGrant",
    }.ToFrozenSet(StringComparer.Ordinal);

    /// <summary><c>kms:Decrypt</c> → <c>Decrypt</c>: the name a grant lists.</summary>
    public static string OperationOf(string action)
    {
        ArgumentNullException.ThrowIfNull(action);
        return action.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase) ? action[Prefix.Length..] : action;
    }

    /// <summary><c>Decrypt</c> → <c>kms:Decrypt</c>.</summary>
    public static string ActionOf(string operation)
    {
        ArgumentNullException.ThrowIfNull(operation);
        return Prefix + operation;
    }

    /// <summary>The actions of a list of grant operations, in order.</summary>
    public static ImmutableArray<string> ActionsOf(IEnumerable<string> operations) => [.. operations.Select(ActionOf)];
}
