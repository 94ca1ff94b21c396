using System.Collections.Immutable;
using AmiShare.LocalCloud.State;
using AmiShare.Policy.Kms;

namespace AmiShare.LocalCloud.Services.Kms;

/// <summary>Key states as DescribeKey reports them (only those LocalCloud reaches).</summary>
public static class KmsKeyStates
{
    public const string Enabled = "Enabled";
    public const string Disabled = "Disabled";
    public const string PendingDeletion = "PendingDeletion";
}

/// <summary>
/// A KMS key of one account and region. <see cref="KeyMaterial"/> is the 256-bit AES key that protects
/// ciphertexts (a symmetric encryption key), the PKCS#8 private key (RSA, ECC) or the HMAC key, by
/// <see cref="Spec"/>: it lives in state only, never in a response, a log line or a trail note.
/// Keys stored before asymmetric keys existed deserialize with the symmetric defaults.
/// </summary>
public sealed record KmsKeyRecord(
    string AccountId,
    string Region,
    string KeyId,
    string Arn,
    DateTimeOffset CreationDate,
    string Description,
    string KeyManager,
    string KeyState,
    string Policy,
    bool MultiRegion,
    byte[] KeyMaterial,
    DateTimeOffset? DeletionDate = null,
    int? PendingDeletionWindowInDays = null,
    string? PrimaryRegion = null,
    string Spec = KmsKeyRecord.KeySpec,
    string Usage = KmsKeyRecord.KeyUsage)
{
    public const string KeyUsage = "ENCRYPT_DECRYPT";
    public const string KeySpec = "SYMMETRIC_DEFAULT";
    public const string Origin = "AWS_KMS";

    public bool IsAwsManaged => KeyManager == "AWS";

    /// <summary>A multi-Region replica (ReplicateKey): same key id and material as the primary in <see cref="PrimaryRegion"/>.</summary>
    public bool IsReplica => PrimaryRegion is not null;

    /// <summary>A key past its scheduled deletion date no longer exists, whether or not anyone removed the row.</summary>
    public bool IsDeletedAt(DateTimeOffset now) => KeyState == KmsKeyStates.PendingDeletion && DeletionDate is { } date && date <= now;

    public override string ToString() => $"KmsKey {{ Arn = {Arn}, KeyState = {KeyState}, KeyManager = {KeyManager} }}";
}

/// <summary>An alias (<c>alias/NAME</c>) of one account and region, pointing at a key of the same account and region.</summary>
public sealed record KmsAliasRecord(
    string AccountId,
    string Region,
    string AliasName,
    string AliasArn,
    string TargetKeyId,
    DateTimeOffset CreationDate,
    DateTimeOffset LastUpdatedDate);

/// <summary>A grant on a key, as ListGrants shows it, plus its token (returned once, by CreateGrant).</summary>
public sealed record KmsGrantRecord(
    string KeyAccountId,
    string KeyRegion,
    string KeyId,
    string KeyArn,
    string GrantId,
    string GrantToken,
    string? Name,
    string GranteePrincipal,
    string? RetiringPrincipal,
    ImmutableArray<string> Operations,
    ImmutableSortedDictionary<string, string>? EncryptionContextEquals,
    ImmutableSortedDictionary<string, string>? EncryptionContextSubset,
    string IssuingAccount,
    DateTimeOffset CreationDate)
{
    /// <summary>The grant as the policy engine evaluates it.</summary>
    public KmsGrant ToPolicyGrant() => new(
        GranteePrincipal,
        Operations,
        EncryptionContextEquals is null && EncryptionContextSubset is null
            ? null
            : new GrantConstraints(
                EncryptionContextEquals?.ToImmutableDictionary(StringComparer.OrdinalIgnoreCase),
                EncryptionContextSubset?.ToImmutableDictionary(StringComparer.OrdinalIgnoreCase)),
        RetiringPrincipal,
        KeyArn,
        GrantId,
        Name);

    public override string ToString() => $"KmsGrant {{ KeyArn = {KeyArn}, GrantId = {GrantId}, GranteePrincipal = {GranteePrincipal} }}";
}

/// <summary>The persisted kinds of the KMS service; never rename them (they are stored by name).</summary>
public static class KmsEntityKinds
{
    public static readonly EntityKind<KmsKeyRecord> Key = new("kms.key");

    public static readonly EntityKind<KmsAliasRecord> Alias = new("kms.alias");

    /// <summary>Grants are keyed <c>KEYID/GRANTID</c> in the key's account and region.</summary>
    public static readonly EntityKind<KmsGrantRecord> Grant = new("kms.grant");

    public static EntityKey KeyKey(string accountId, string region, string keyId) => new(accountId, region, keyId);

    public static EntityKey AliasKey(string accountId, string region, string aliasName) => new(accountId, region, aliasName);

    public static EntityKey GrantKey(string accountId, string region, string keyId, string grantId) => new(accountId, region, keyId + "/" + grantId);
}
