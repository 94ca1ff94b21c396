using System.Collections.Immutable;
using System.Globalization;
using AmiShare.LocalCloud.Authorization;
using AmiShare.LocalCloud.Protocol;
using AmiShare.Policy.Catalogue;
using AmiShare.Policy.Kms;

namespace AmiShare.LocalCloud.Services.Kms;

/// <summary>
/// Keys, aliases and grants of every account and region, shared by the KMS API and the calls EC2 makes:
/// key-id/alias/ARN resolution with KMS's account rules, creation (including AWS managed <c>aws/ebs</c> on first
/// use), the key-policy and grant inputs of an authorization, and envelope encryption with each key's material.
/// </summary>
public sealed class KmsKeyStore(LocalCloudContext cloud)
{
    public const string AwsEbsAliasName = "alias/aws/ebs";
    public const string AwsManagedAliasPrefix = "alias/aws/";
    public const string AwsEbsKeyDescription = "Default key that protects my EBS volumes when no other key is defined";
    public const int MaxGrantsPerKey = AwsLimits.GrantsPerKey;

    private readonly Lock _awsManagedGate = new();

    public static string KeyArn(string region, string accountId, string keyId) => $"arn:aws:kms:{region}:{accountId}:key/{keyId}";

    public static string AliasArn(string region, string accountId, string aliasName) => $"arn:aws:kms:{region}:{accountId}:{aliasName}";

    /// <summary>The policy KMS gives a key created through the API without one: the account delegates to IAM.</summary>
    public static string DefaultKeyPolicy(string accountId) => $$"""
        {
          "Version" : "2012-10-17",
          "Id" : "key-default-1",
          "Statement" : [ {
            "Sid" : "Enable IAM User Permissions",
            "Effect" : "Allow",
            "Principal" : {
              "AWS" : "arn:aws:iam::{{accountId}}:root"
            },
            "Action" : "{{KmsActions.All}}",
            "Resource" : "*"
          } ]
        }
        """;

    /// <summary>
    /// AWS's fixed policy of the AWS managed EBS key: anyone in the owning account, only through EC2 in that
    /// region, plus read-only metadata access for the account.
    /// </summary>
    public static string AwsEbsKeyPolicy(string accountId, string region) => $$"""
        {
          "Version" : "2012-10-17",
          "Id" : "auto-ebs-2",
          "Statement" : [ {
            "Sid" : "Allow access through EBS for all principals in the account that are authorized to use EBS",
            "Effect" : "Allow",
            "Principal" : {
              "AWS" : "*"
            },
            "Action" : [ "{{KmsActions.Encrypt}}", "{{KmsActions.Decrypt}}", "{{KmsActions.ReEncryptAny}}", "{{KmsActions.GenerateDataKeyAny}}", "{{KmsActions.CreateGrant}}", "{{KmsActions.DescribeKey}}" ],
            "Resource" : "*",
            "Condition" : {
              "StringEquals" : {
                "{{ConditionKeys.KmsCallerAccount}}" : "{{accountId}}",
                "{{ConditionKeys.KmsViaService}}" : "{{Ec2KmsUse.ViaService(region)}}"
              }
            }
          }, {
            "Sid" : "Allow direct access to key metadata to the account",
            "Effect" : "Allow",
            "Principal" : {
              "AWS" : "arn:aws:iam::{{accountId}}:root"
            },
            "Action" : [ "{{KmsActions.DescribeAny}}", "{{KmsActions.GetAny}}", "{{KmsActions.ListAny}}", "{{KmsActions.RevokeGrant}}" ],
            "Resource" : "*"
          } ]
        }
        """;

    /// <summary>Creates a key of <paramref name="spec"/> (a KMS KeySpec LocalCloud emulates) and <paramref name="usage"/>, with fresh material.</summary>
    public KmsKeyRecord CreateKey(
        string accountId,
        string region,
        string description,
        string policy,
        bool multiRegion,
        string keyManager = "CUSTOMER",
        string spec = KmsKeyRecord.KeySpec,
        string usage = KmsKeyRecord.KeyUsage)
    {
        var material = (KmsKeySpecs.Find(spec) ?? throw new ArgumentException($"{spec} is not an emulated key spec.", nameof(spec))).NewMaterial(cloud.Ids.Bytes);
        var keyId = NewKeyId(multiRegion);
        var key = new KmsKeyRecord(
            accountId,
            region,
            keyId,
            KeyArn(region, accountId, keyId),
            cloud.Time.GetUtcNow(),
            description,
            keyManager,
            KmsKeyStates.Enabled,
            policy,
            multiRegion,
            material,
            Spec: spec,
            Usage: usage);
        cloud.State.Write(tx => tx.Put(KmsEntityKinds.Key, KmsEntityKinds.KeyKey(accountId, region, keyId), key));
        return key;
    }

    /// <summary>The account's <c>aws/ebs</c> key in the region, created (key, alias, fixed policy) the first time anyone needs it.</summary>
    public KmsKeyRecord AwsManagedEbsKey(string accountId, string region)
    {
        lock (_awsManagedGate)
        {
            if (FindAlias(accountId, region, AwsEbsAliasName) is { } alias && FindKey(accountId, region, alias.TargetKeyId) is { } existing)
            {
                return existing;
            }

            var keyId = NewKeyId(multiRegion: false);
            var now = cloud.Time.GetUtcNow();
            var key = new KmsKeyRecord(
                accountId,
                region,
                keyId,
                KeyArn(region, accountId, keyId),
                now,
                AwsEbsKeyDescription,
                "AWS",
                KmsKeyStates.Enabled,
                AwsEbsKeyPolicy(accountId, region),
                MultiRegion: false,
                cloud.Ids.Bytes(32));
            cloud.State.Write(tx =>
            {
                tx.Put(KmsEntityKinds.Key, KmsEntityKinds.KeyKey(accountId, region, keyId), key);
                tx.Put(
                    KmsEntityKinds.Alias,
                    KmsEntityKinds.AliasKey(accountId, region, AwsEbsAliasName),
                    new KmsAliasRecord(accountId, region, AwsEbsAliasName, AliasArn(region, accountId, AwsEbsAliasName), keyId, now, now));
            });
            return key;
        }
    }

    /// <summary>A key that exists now (a key past its deletion date does not), or null.</summary>
    public KmsKeyRecord? FindKey(string accountId, string region, string keyId)
    {
        var key = cloud.State.Read(view => view.Find(KmsEntityKinds.Key, KmsEntityKinds.KeyKey(accountId, region, keyId)));
        return key is null || key.IsDeletedAt(cloud.Time.GetUtcNow()) ? null : key;
    }

    public KmsAliasRecord? FindAlias(string accountId, string region, string aliasName) =>
        cloud.State.Read(view => view.Find(KmsEntityKinds.Alias, KmsEntityKinds.AliasKey(accountId, region, aliasName)));

    public KmsKeyRecord? FindKeyByArn(string keyArn) =>
        ParseKeyArn(keyArn) is { } parts ? FindKey(parts.AccountId, parts.Region, parts.KeyId) : null;

    /// <summary>
    /// Resolves a KeyId parameter as KMS does: a key id or alias name in the caller's own account and this
    /// region; a key ARN or (when <paramref name="allowAlias"/>) an alias ARN in any account. Null when unknown;
    /// <paramref name="notFoundMessage"/> then holds KMS's wording.
    /// </summary>
    public KmsKeyRecord? Resolve(string callerAccountId, string region, string keyIdOrAlias, bool allowAlias, out string notFoundMessage)
    {
        notFoundMessage = string.Empty;
        if (keyIdOrAlias.StartsWith("arn:", StringComparison.Ordinal))
        {
            var parts = keyIdOrAlias.Split(':', 6);
            if (parts.Length != 6 || parts[2] != "kms")
            {
                notFoundMessage = $"Invalid arn {keyIdOrAlias}";
                return null;
            }

            var (arnRegion, account, resource) = (parts[3], parts[4], parts[5]);
            if (resource.StartsWith("key/", StringComparison.Ordinal))
            {
                var key = arnRegion == region ? FindKey(account, region, resource["key/".Length..]) : null;
                notFoundMessage = $"Key '{keyIdOrAlias}' does not exist";
                return key;
            }

            if (allowAlias && resource.StartsWith("alias/", StringComparison.Ordinal))
            {
                var key = arnRegion == region ? ResolveAlias(account, region, resource) : null;
                notFoundMessage = $"Alias {keyIdOrAlias} is not found.";
                return key;
            }

            notFoundMessage = $"Invalid arn {keyIdOrAlias}";
            return null;
        }

        if (keyIdOrAlias.StartsWith("alias/", StringComparison.Ordinal))
        {
            if (!allowAlias)
            {
                notFoundMessage = $"Invalid keyId {keyIdOrAlias}";
                return null;
            }

            notFoundMessage = $"Alias {AliasArn(region, callerAccountId, keyIdOrAlias)} is not found.";
            return ResolveAlias(callerAccountId, region, keyIdOrAlias);
        }

        // A name that cannot be a key id (not a UUID, nor mrk- and 32 hex digits) is refused as such, before any lookup.
        if (!KmsMultiRegionKeys.IsWellFormedKeyId(keyIdOrAlias))
        {
            notFoundMessage = $"Invalid keyId {keyIdOrAlias}";
            return null;
        }

        notFoundMessage = $"Key '{KeyArn(region, callerAccountId, keyIdOrAlias)}' does not exist";
        return FindKey(callerAccountId, region, keyIdOrAlias);
    }

    /// <summary>Resolve, or KMS's NotFoundException.</summary>
    public KmsKeyRecord Require(OperationRequest request, string keyIdOrAlias, bool allowAlias)
    {
        ArgumentNullException.ThrowIfNull(request);
        return Resolve(request.Caller.AccountId, request.Region, keyIdOrAlias, allowAlias, out var message)
            ?? throw KmsErrors.NotFound(message);
    }

    public IReadOnlyList<KmsGrantRecord> GrantsOf(KmsKeyRecord key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return cloud.State.Read(view => view.List(KmsEntityKinds.Grant, key.AccountId, key.Region))
            .Where(g => g.KeyId == key.KeyId)
            .ToList();
    }

    /// <summary>
    /// Stores a grant, or returns the existing one when an identical grant (same grantee, retiring principal,
    /// operations, constraints and name) exists and <paramref name="reuseIdentical"/> is set, as KMS does for
    /// retried CreateGrant calls with a name. LimitExceededException past 50,000 grants on the key.
    /// </summary>
    public KmsGrantRecord CreateGrant(
        KmsKeyRecord key,
        string granteePrincipal,
        string? retiringPrincipal,
        IReadOnlyList<string> operations,
        IReadOnlyDictionary<string, string>? encryptionContextEquals,
        IReadOnlyDictionary<string, string>? encryptionContextSubset,
        string? name,
        string issuingAccount,
        bool reuseIdentical)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(operations);
        var equals = encryptionContextEquals is null ? null : ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, encryptionContextEquals);
        var subset = encryptionContextSubset is null ? null : ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, encryptionContextSubset);
        var ops = operations.Distinct(StringComparer.Ordinal).ToImmutableArray();
        return cloud.State.Write(tx =>
        {
            var existing = tx.List(KmsEntityKinds.Grant, key.AccountId, key.Region).Where(g => g.KeyId == key.KeyId).ToList();
            if (reuseIdentical && existing.FirstOrDefault(g =>
                    g.GranteePrincipal == granteePrincipal
                    && g.RetiringPrincipal == retiringPrincipal
                    && g.Name == name
                    && g.Operations.Order(StringComparer.Ordinal).SequenceEqual(ops.Order(StringComparer.Ordinal), StringComparer.Ordinal)
                    && SameContext(g.EncryptionContextEquals, equals)
                    && SameContext(g.EncryptionContextSubset, subset)) is { } same)
            {
                return same;
            }

            if (existing.Count >= MaxGrantsPerKey)
            {
                throw KmsErrors.LimitExceeded($"The request was rejected because the key {key.Arn} already has {MaxGrantsPerKey.ToString("N0", CultureInfo.InvariantCulture)} grants, the most KMS allows.");
            }

            var grant = new KmsGrantRecord(
                key.AccountId,
                key.Region,
                key.KeyId,
                key.Arn,
                cloud.Ids.Hex(32),
                Convert.ToBase64String(cloud.Ids.Bytes(96)).TrimEnd('=').Replace('+', '-').Replace('/', '_'),
                name,
                granteePrincipal,
                retiringPrincipal,
                ops,
                equals,
                subset,
                issuingAccount,
                cloud.Time.GetUtcNow());
            tx.Put(KmsEntityKinds.Grant, KmsEntityKinds.GrantKey(key.AccountId, key.Region, key.KeyId, grant.GrantId), grant);
            return grant;
        });
    }

    /// <summary>The key policy as the authorizer needs it.</summary>
    public static ResourcePolicy PolicyOf(KmsKeyRecord key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return new ResourcePolicy(ResourcePolicyKind.KeyPolicy, key.AccountId, key.Policy);
    }

    /// <summary>
    /// The grants the authorizer counts: with a fault plan's grant delay, a grant takes effect that long after its
    /// creation (eventual consistency, as in AWS); ListGrants still shows it at once. EC2's own calls pass
    /// <paramref name="withGrantTokens"/>: EC2 uses the grant tokens of the grants it makes, which work at once.
    /// </summary>
    public IReadOnlyList<KmsGrant> PolicyGrantsOf(KmsKeyRecord key, bool withGrantTokens = false)
    {
        var delay = withGrantTokens ? TimeSpan.Zero : TimeSpan.FromMilliseconds(cloud.Faults.Plan.GrantDelayMs);
        var now = cloud.Time.GetUtcNow();
        return [.. GrantsOf(key).Where(g => delay == TimeSpan.Zero || g.CreationDate + delay <= now).Select(g => g.ToPolicyGrant())];
    }

    // Key-policy eventual consistency: the policy a PutKeyPolicy replaced, and when the new one takes effect.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, (string Policy, DateTimeOffset Until)> replacedPolicies = new(StringComparer.Ordinal);

    /// <summary>Called before a key's policy is replaced: with a key-policy delay, the old one keeps applying until then.</summary>
    public void NotePolicyChange(KmsKeyRecord before)
    {
        ArgumentNullException.ThrowIfNull(before);
        var delay = cloud.Faults.Plan.KeyPolicyDelayMs;
        if (delay > 0)
        {
            // A second change inside the window keeps the policy that was in force, not an intermediate one.
            var now = cloud.Time.GetUtcNow();
            var inForce = EffectivePolicyOf(before).Document;
            replacedPolicies[before.Arn] = (inForce, now.AddMilliseconds(delay));
        }
    }

    /// <summary>The key policy as the authorizer sees it now (the previous one while a change propagates).</summary>
    public ResourcePolicy EffectivePolicyOf(KmsKeyRecord key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return replacedPolicies.TryGetValue(key.Arn, out var replaced) && cloud.Time.GetUtcNow() < replaced.Until
            ? new ResourcePolicy(ResourcePolicyKind.KeyPolicy, key.AccountId, replaced.Policy)
            : PolicyOf(key);
    }

    /// <summary>Encrypts under the key with a fresh nonce.</summary>
    public byte[] Encrypt(KmsKeyRecord key, ReadOnlySpan<byte> plaintext, IReadOnlyDictionary<string, string>? context)
    {
        ArgumentNullException.ThrowIfNull(key);
        return KmsCiphertext.Seal(key.Arn, key.KeyMaterial, cloud.Ids.Bytes(12), plaintext, context);
    }

    /// <summary>
    /// Emulator backdoor for the admin content digest (<c>GET /_localcloud/content/{id}</c>) only: unwraps an EBS
    /// data key with the key material directly, with no caller, no authorization, no CloudTrail record and no
    /// logging. Never reachable through the AWS APIs. Works whatever the key's state (a disabled key's content
    /// still has a digest); null when the key is gone or the blob does not open under this key and context.
    /// </summary>
    internal byte[]? UnwrapDataKeyForAdminDigest(string keyArn, byte[] ciphertextBlob, IReadOnlyDictionary<string, string> encryptionContext)
    {
        ArgumentNullException.ThrowIfNull(ciphertextBlob);
        if (FindKeyByArn(keyArn) is not { } key || KmsCiphertext.ReadKeyArn(ciphertextBlob) != key.Arn)
        {
            return null;
        }

        return KmsCiphertext.Open(key.KeyMaterial, ciphertextBlob, encryptionContext);
    }

    /// <summary>Condition keys every KMS request carries: the encryption context pairs and their keys.</summary>
    public static Dictionary<string, IReadOnlyList<string>> ContextKeys(string callerAccountId, IReadOnlyDictionary<string, string>? encryptionContext)
    {
        var keys = new Dictionary<string, IReadOnlyList<string>>(StringComparer.OrdinalIgnoreCase)
        {
            [ConditionKeys.KmsCallerAccount] = [callerAccountId],
        };
        if (encryptionContext is { Count: > 0 })
        {
            foreach (var (name, value) in encryptionContext)
            {
                keys[ConditionKeys.KmsEncryptionContextPrefix + name] = [value];
            }

            keys[ConditionKeys.KmsEncryptionContextKeys] = [.. encryptionContext.Keys];
        }

        return keys;
    }

    public static (string Region, string AccountId, string KeyId)? ParseKeyArn(string keyArn)
    {
        if (string.IsNullOrEmpty(keyArn))
        {
            return null;
        }

        var parts = keyArn.Split(':', 6);
        return parts.Length == 6 && parts[0] == "arn" && parts[2] == "kms" && parts[5].StartsWith("key/", StringComparison.Ordinal)
            ? (parts[3], parts[4], parts[5]["key/".Length..])
            : null;
    }

    private static bool SameContext(ImmutableSortedDictionary<string, string>? a, ImmutableSortedDictionary<string, string>? b) =>
        a is null || b is null ? a is null && b is null : a.Count == b.Count && a.All(p => b.TryGetValue(p.Key, out var v) && v == p.Value);

    private KmsKeyRecord? ResolveAlias(string accountId, string region, string aliasName)
    {
        if (aliasName == AwsEbsAliasName)
        {
            return AwsManagedEbsKey(accountId, region);
        }

        return FindAlias(accountId, region, aliasName) is { } alias ? FindKey(accountId, region, alias.TargetKeyId) : null;
    }

    private string NewKeyId(bool multiRegion)
    {
        // A version-4 UUID, as KMS key ids are.
        var bytes = cloud.Ids.Bytes(16);
        bytes[7] = (byte)((bytes[7] & 0x0F) | 0x40);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        var id = new Guid(bytes).ToString("D", CultureInfo.InvariantCulture);
        return multiRegion ? "mrk-" + id.Replace("-", string.Empty, StringComparison.Ordinal) : id;
    }
}
