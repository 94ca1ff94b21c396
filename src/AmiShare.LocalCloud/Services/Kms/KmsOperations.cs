using System.Collections.Frozen;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using AmiShare.LocalCloud.Authorization;
using AmiShare.LocalCloud.Protocol;
using AmiShare.Policy;
using AmiShare.Policy.Evaluation;
using AmiShare.Policy.Kms;
using AmiShare.Policy.Validation;

namespace AmiShare.LocalCloud.Services.Kms;

/// <summary>
/// KMS over JSON 1.1 (<c>TrentService.Op</c>): keys, aliases, key policies, key states, envelope cryptography
/// and grants. Every operation authorizes <c>kms:Op</c> through the policy engine with the key's policy and
/// grants, so cross-account rules, key-policy consent, grants and explicit denies decide as on AWS.
/// </summary>
public sealed partial class KmsOperations(LocalCloudContext cloud) : IServiceOperations
{
    public const int MaxKeyPolicyBytes = 32_768;

    private const string SymmetricDefault = "SYMMETRIC_DEFAULT";
    private const string DefaultPolicyName = "default";

    /// <summary>The operations a grant may allow (the GrantOperation enum of the KMS API).</summary>
    private static readonly FrozenSet<string> GrantOperations = new[]
    {
        "Decrypt", "Encrypt", "GenerateDataKey", "GenerateDataKeyWithoutPlaintext", "ReEncryptFrom", "ReEncryptTo", "Sign", "Verify",
        "GetPublicKey", "CreateGrant", "RetireGrant", "DescribeKey", "GenerateDataKeyPair", "GenerateDataKeyPairWithoutPlaintext",
        "GenerateMac", "VerifyMac", "DeriveSharedSecret",
    }.ToFrozenSet(StringComparer.Ordinal);

    private KmsKeyStore Store => cloud.Kms;

    public AwsServiceDescriptor Service => AwsServices.Kms;

    public IReadOnlyDictionary<string, OperationHandler> Operations => new Dictionary<string, OperationHandler>
    {
        ["CreateKey"] = Sync(CreateKey),
        ["DescribeKey"] = Sync(DescribeKey),
        ["ListKeys"] = Sync(ListKeys),
        ["CreateAlias"] = Sync(CreateAlias),
        ["DeleteAlias"] = Sync(DeleteAlias),
        ["ListAliases"] = Sync(ListAliases),
        ["GetKeyPolicy"] = Sync(GetKeyPolicy),
        ["PutKeyPolicy"] = Sync(PutKeyPolicy),
        ["ListKeyPolicies"] = Sync(ListKeyPolicies),
        ["EnableKey"] = Sync(EnableKey),
        ["DisableKey"] = Sync(DisableKey),
        ["ScheduleKeyDeletion"] = Sync(ScheduleKeyDeletion),
        ["CancelKeyDeletion"] = Sync(CancelKeyDeletion),
        ["Encrypt"] = Sync(Encrypt),
        ["Decrypt"] = Sync(Decrypt),
        ["ReEncrypt"] = Sync(ReEncrypt),
        ["GenerateDataKey"] = Sync(request => GenerateDataKey(request, withPlaintext: true)),
        ["GenerateDataKeyWithoutPlaintext"] = Sync(request => GenerateDataKey(request, withPlaintext: false)),
        ["CreateGrant"] = Sync(CreateGrant),
        ["ListGrants"] = Sync(ListGrants),
        ["ListRetirableGrants"] = Sync(ListRetirableGrants),
        ["RetireGrant"] = Sync(RetireGrant),
        ["RevokeGrant"] = Sync(RevokeGrant),
    };

    // KMS work is in-memory and synchronous; the adapter keeps handler signatures uniform.
    private static OperationHandler Sync(Func<OperationRequest, OperationResponse> handler) => request => Task.FromResult(handler(request));

    // ---- keys ----

    private OperationResponse CreateKey(OperationRequest request)
    {
        var account = request.Caller.AccountId;
        var usage = KmsJson.String(request, "KeyUsage") ?? KmsKeyRecord.KeyUsage;
        var spec = KmsJson.String(request, "KeySpec") ?? KmsJson.String(request, "CustomerMasterKeySpec") ?? SymmetricDefault;
        var origin = KmsJson.String(request, "Origin") ?? KmsKeyRecord.Origin;
        if (usage != KmsKeyRecord.KeyUsage || spec != SymmetricDefault || origin != KmsKeyRecord.Origin)
        {
            throw new AwsServiceException(
                "UnsupportedOperationException",
                $"LocalCloud emulates symmetric encryption keys only (KeySpec {SymmetricDefault}, KeyUsage {KmsKeyRecord.KeyUsage}, Origin {KmsKeyRecord.Origin}).",
                400);
        }

        var description = KmsJson.String(request, "Description") ?? string.Empty;
        if (description.Length > 8192)
        {
            throw KmsJson.Validation("1 validation error detected: Value at 'description' failed to satisfy constraint: Member must have length less than or equal to 8192");
        }

        var multiRegion = KmsJson.Bool(request, "MultiRegion");
        request.Authorize("kms:CreateKey", "*", KmsKeyStore.ContextKeys(account, null));

        var policy = KmsJson.String(request, "Policy");
        if (policy is null)
        {
            policy = KmsKeyStore.DefaultKeyPolicy(account);
        }
        else
        {
            CheckPolicy(policy);
            if (!KmsJson.Bool(request, "BypassPolicyLockoutSafetyCheck"))
            {
                // The key does not exist yet: ask about a key ARN of this account, which a "Resource": "*" policy covers.
                CheckLockout(request, KmsKeyStore.KeyArn(request.Region, account, "00000000-0000-4000-8000-000000000000"), account, policy);
            }
        }

        var key = Store.CreateKey(account, request.Region, description, policy, multiRegion);
        request.Trail.AddResource("AWS::KMS::Key", key.Arn, key.AccountId);
        request.Trail.ResponseElements["keyId"] = key.KeyId;
        return OperationResponse.Json(new JsonObject { ["KeyMetadata"] = Metadata(key) });
    }

    private OperationResponse DescribeKey(OperationRequest request)
    {
        var key = Resolve(request, "KeyId", allowAlias: true);
        AuthorizeOn(request, "kms:DescribeKey", key);
        return OperationResponse.Json(new JsonObject { ["KeyMetadata"] = Metadata(key) });
    }

    private OperationResponse ListKeys(OperationRequest request)
    {
        var account = request.Caller.AccountId;
        request.Authorize("kms:ListKeys", "*", KmsKeyStore.ContextKeys(account, null));
        var now = request.Time.GetUtcNow();
        var keys = cloud.State.Read(view => view.List(KmsEntityKinds.Key, account, request.Region))
            .Where(k => !k.IsDeletedAt(now))
            .OrderBy(k => k.KeyId, StringComparer.Ordinal)
            .ToList();
        return Page(request, keys, k => k.KeyId, "Keys", k => new JsonObject { ["KeyId"] = k.KeyId, ["KeyArn"] = k.Arn });
    }

    private OperationResponse EnableKey(OperationRequest request) => ChangeState(request, "kms:EnableKey", key => key.KeyState switch
    {
        KmsKeyStates.PendingDeletion => throw PendingDeletion(key),
        _ => key with { KeyState = KmsKeyStates.Enabled },
    });

    private OperationResponse DisableKey(OperationRequest request) => ChangeState(request, "kms:DisableKey", key => key.KeyState switch
    {
        KmsKeyStates.PendingDeletion => throw PendingDeletion(key),
        _ => key with { KeyState = KmsKeyStates.Disabled },
    });

    private OperationResponse ScheduleKeyDeletion(OperationRequest request)
    {
        var days = KmsJson.Int(request, "PendingWindowInDays") ?? 30;
        if (days is < 7 or > 30)
        {
            throw KmsJson.Validation($"1 validation error detected: Value '{days}' at 'pendingWindowInDays' failed to satisfy constraint: Member must have value between 7 and 30 (inclusive)");
        }

        var deletionDate = request.Time.GetUtcNow().AddDays(days);
        var updated = Change(request, "kms:ScheduleKeyDeletion", key => key.KeyState == KmsKeyStates.PendingDeletion
            ? throw PendingDeletion(key)
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
        var updated = Change(request, "kms:CancelKeyDeletion", key => key.KeyState != KmsKeyStates.PendingDeletion
            ? throw new AwsServiceException("KMSInvalidStateException", $"{key.Arn} is not pending deletion.", 400)
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
        var key = Resolve(request, "KeyId", allowAlias: false);
        AuthorizeOn(request, action, key);
        RefuseAwsManaged(request, action, key);
        return cloud.State.Write(tx =>
        {
            var current = tx.Find(KmsEntityKinds.Key, KmsEntityKinds.KeyKey(key.AccountId, key.Region, key.KeyId)) ?? key;
            var updated = change(current);
            tx.Put(KmsEntityKinds.Key, KmsEntityKinds.KeyKey(key.AccountId, key.Region, key.KeyId), updated);
            return updated;
        });
    }

    // ---- aliases ----

    private OperationResponse CreateAlias(OperationRequest request)
    {
        var account = request.Caller.AccountId;
        var aliasName = AliasName(request);
        var key = Resolve(request, "TargetKeyId", allowAlias: false);
        var aliasArn = KmsKeyStore.AliasArn(request.Region, account, aliasName);
        request.Authorize("kms:CreateAlias", aliasArn, KmsKeyStore.ContextKeys(account, null));
        AuthorizeOn(request, "kms:CreateAlias", key);
        if (key.AccountId != account)
        {
            throw new AwsServiceException("NotFoundException", $"Key '{KmsKeyStore.KeyArn(request.Region, account, key.KeyId)}' does not exist", 400);
        }

        if (key.KeyState == KmsKeyStates.PendingDeletion)
        {
            throw PendingDeletion(key);
        }

        var now = request.Time.GetUtcNow();
        cloud.State.Write(tx =>
        {
            var entityKey = KmsEntityKinds.AliasKey(account, request.Region, aliasName);
            if (tx.Find(KmsEntityKinds.Alias, entityKey) is not null)
            {
                throw new AwsServiceException("AlreadyExistsException", $"An alias with the name {aliasArn} already exists", 400);
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
        var alias = Store.FindAlias(account, request.Region, aliasName)
            ?? throw new AwsServiceException("NotFoundException", $"Alias {aliasArn} is not found.", 400);
        request.Authorize("kms:DeleteAlias", aliasArn, KmsKeyStore.ContextKeys(account, null));
        if (Store.FindKey(account, request.Region, alias.TargetKeyId) is { } key)
        {
            AuthorizeOn(request, "kms:DeleteAlias", key);
        }

        cloud.State.Write(tx => tx.Delete(KmsEntityKinds.Alias, KmsEntityKinds.AliasKey(account, request.Region, aliasName)));
        return OperationResponse.Empty;
    }

    private OperationResponse ListAliases(OperationRequest request)
    {
        var account = request.Caller.AccountId;
        request.Authorize("kms:ListAliases", "*", KmsKeyStore.ContextKeys(account, null));
        string? keyId = null;
        if (KmsJson.String(request, "KeyId") is { } filter)
        {
            var key = Store.Resolve(account, request.Region, filter, allowAlias: false, out var message);
            if (key is null || key.AccountId != account)
            {
                throw new AwsServiceException("NotFoundException", message, 400);
            }

            keyId = key.KeyId;
        }

        var aliases = cloud.State.Read(view => view.List(KmsEntityKinds.Alias, account, request.Region))
            .Where(a => keyId is null || a.TargetKeyId == keyId)
            .OrderBy(a => a.AliasName, StringComparer.Ordinal)
            .ToList();
        return Page(request, aliases, a => a.AliasName, "Aliases", a => new JsonObject
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
        if (!name.StartsWith("alias/", StringComparison.Ordinal) || name.Length > 256 || !AliasNamePattern().IsMatch(name))
        {
            throw KmsJson.Validation($"Alias must start with the prefix \"alias/\" and contain only alphanumeric characters, '/', '_', '-' or ':'; got '{name}'.");
        }

        if (name.StartsWith(KmsKeyStore.AwsManagedAliasPrefix, StringComparison.Ordinal))
        {
            throw new AwsServiceException(
                "NotAuthorizedException",
                $"The alias {name} is reserved: names beginning with {KmsKeyStore.AwsManagedAliasPrefix} belong to AWS managed keys.",
                400);
        }

        return name;
    }

    // ---- key policies ----

    private OperationResponse GetKeyPolicy(OperationRequest request)
    {
        var key = Resolve(request, "KeyId", allowAlias: false);
        var policyName = PolicyName(request);
        AuthorizeOn(request, "kms:GetKeyPolicy", key);
        return OperationResponse.Json(new JsonObject { ["Policy"] = key.Policy, ["PolicyName"] = policyName });
    }

    private OperationResponse ListKeyPolicies(OperationRequest request)
    {
        var key = Resolve(request, "KeyId", allowAlias: false);
        AuthorizeOn(request, "kms:ListKeyPolicies", key);
        return OperationResponse.Json(new JsonObject { ["PolicyNames"] = KmsJson.StringArray([DefaultPolicyName]), ["Truncated"] = false });
    }

    private OperationResponse PutKeyPolicy(OperationRequest request)
    {
        var key = Resolve(request, "KeyId", allowAlias: false);
        PolicyName(request);
        var policy = KmsJson.RequiredString(request, "Policy");
        AuthorizeOn(request, "kms:PutKeyPolicy", key);
        RefuseAwsManaged(request, "kms:PutKeyPolicy", key);
        CheckPolicy(policy);
        if (!KmsJson.Bool(request, "BypassPolicyLockoutSafetyCheck"))
        {
            CheckLockout(request, key.Arn, key.AccountId, policy);
        }

        cloud.State.Write(tx =>
        {
            var entityKey = KmsEntityKinds.KeyKey(key.AccountId, key.Region, key.KeyId);
            var current = tx.Find(KmsEntityKinds.Key, entityKey) ?? key;
            tx.Put(KmsEntityKinds.Key, entityKey, current with { Policy = policy });
        });
        return OperationResponse.Empty;
    }

    private static string PolicyName(OperationRequest request)
    {
        var name = KmsJson.String(request, "PolicyName") ?? DefaultPolicyName;
        return name == DefaultPolicyName
            ? name
            : throw new AwsServiceException("NotFoundException", $"Policy '{name}' does not exist; a key has one policy, named \"{DefaultPolicyName}\".", 400);
    }

    /// <summary>Size (fixed 32 KB quota), then the validator's errors, as KMS refuses what it cannot use.</summary>
    private static void CheckPolicy(string policy)
    {
        var bytes = Encoding.UTF8.GetByteCount(policy);
        if (bytes > MaxKeyPolicyBytes)
        {
            throw new AwsServiceException(
                "LimitExceededException",
                $"The key policy is {bytes} bytes; a key policy may have at most {MaxKeyPolicyBytes} bytes.",
                400);
        }

        var errors = PolicyValidator.Validate(policy, PolicyKind.Key).Where(f => f.Severity == Severity.Error).ToList();
        if (errors.Count > 0)
        {
            throw new AwsServiceException(
                "MalformedPolicyDocumentException",
                "The key policy is not valid: " + string.Join("; ", errors.Select(e => $"{e.Message} ({e.Location})")),
                400);
        }
    }

    /// <summary>KMS's lockout safety check: the caller must still be able to PutKeyPolicy under the new policy.</summary>
    private void CheckLockout(OperationRequest request, string keyArn, string owner, string policy)
    {
        var decision = request.Check(
            "kms:PutKeyPolicy",
            keyArn,
            KmsKeyStore.ContextKeys(request.Caller.AccountId, null),
            new ResourcePolicy(ResourcePolicyKind.KeyPolicy, owner, policy));
        if (!decision.IsAllowed)
        {
            throw new AwsServiceException(
                "MalformedPolicyDocumentException",
                "The new key policy will not allow you to update the key policy in the future.",
                400);
        }
    }

    // ---- cryptography ----

    private OperationResponse Encrypt(OperationRequest request)
    {
        var key = Resolve(request, "KeyId", allowAlias: true);
        var plaintext = KmsJson.Blob(request, "Plaintext") ?? throw request.Service.MissingParameter("plaintext");
        if (plaintext.Length is 0 or > 4096)
        {
            throw KmsJson.Validation("1 validation error detected: Value at 'plaintext' failed to satisfy constraint: Member must have length between 1 and 4096");
        }

        var context = KmsJson.Map(request, "EncryptionContext");
        CheckAlgorithm(request, "EncryptionAlgorithm", key);
        AuthorizeOn(request, "kms:Encrypt", key, KmsKeyStore.ContextKeys(request.Caller.AccountId, context));
        RequireUsable(key);
        request.StopIfDryRun();
        var blob = Store.Encrypt(key, plaintext, context);
        return OperationResponse.Json(new JsonObject
        {
            ["CiphertextBlob"] = Convert.ToBase64String(blob),
            ["KeyId"] = key.Arn,
            ["EncryptionAlgorithm"] = SymmetricDefault,
        });
    }

    private OperationResponse Decrypt(OperationRequest request)
    {
        var blob = KmsJson.Blob(request, "CiphertextBlob") ?? throw request.Service.MissingParameter("ciphertextBlob");
        var context = KmsJson.Map(request, "EncryptionContext");
        var key = KeyOfCiphertext(request, blob, KmsJson.String(request, "KeyId"));
        CheckAlgorithm(request, "EncryptionAlgorithm", key);
        AuthorizeOn(request, "kms:Decrypt", key, KmsKeyStore.ContextKeys(request.Caller.AccountId, context));
        RequireUsable(key);
        request.StopIfDryRun();
        var plaintext = KmsCiphertext.Open(key.KeyMaterial, blob, context) ?? throw InvalidCiphertext();
        try
        {
            return OperationResponse.Json(new JsonObject
            {
                ["KeyId"] = key.Arn,
                ["Plaintext"] = Convert.ToBase64String(plaintext),
                ["EncryptionAlgorithm"] = SymmetricDefault,
            });
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }

    private OperationResponse ReEncrypt(OperationRequest request)
    {
        var blob = KmsJson.Blob(request, "CiphertextBlob") ?? throw request.Service.MissingParameter("ciphertextBlob");
        var sourceContext = KmsJson.Map(request, "SourceEncryptionContext");
        var destinationContext = KmsJson.Map(request, "DestinationEncryptionContext");
        var source = KeyOfCiphertext(request, blob, KmsJson.String(request, "SourceKeyId"));
        var destination = Resolve(request, "DestinationKeyId", allowAlias: true);
        CheckAlgorithm(request, "SourceEncryptionAlgorithm", source);
        CheckAlgorithm(request, "DestinationEncryptionAlgorithm", destination);

        var sameKey = source.Arn == destination.Arn ? "true" : "false";
        var fromKeys = KmsKeyStore.ContextKeys(request.Caller.AccountId, sourceContext);
        fromKeys["kms:ReEncryptOnSameKey"] = [sameKey];
        var toKeys = KmsKeyStore.ContextKeys(request.Caller.AccountId, destinationContext);
        toKeys["kms:ReEncryptOnSameKey"] = [sameKey];
        AuthorizeOn(request, "kms:ReEncryptFrom", source, fromKeys);
        AuthorizeOn(request, "kms:ReEncryptTo", destination, toKeys);
        RequireUsable(source);
        RequireUsable(destination);
        request.StopIfDryRun();

        var plaintext = KmsCiphertext.Open(source.KeyMaterial, blob, sourceContext) ?? throw InvalidCiphertext();
        try
        {
            var rewrapped = Store.Encrypt(destination, plaintext, destinationContext);
            return OperationResponse.Json(new JsonObject
            {
                ["CiphertextBlob"] = Convert.ToBase64String(rewrapped),
                ["SourceKeyId"] = source.Arn,
                ["KeyId"] = destination.Arn,
                ["SourceEncryptionAlgorithm"] = SymmetricDefault,
                ["DestinationEncryptionAlgorithm"] = SymmetricDefault,
            });
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }

    private OperationResponse GenerateDataKey(OperationRequest request, bool withPlaintext)
    {
        var key = Resolve(request, "KeyId", allowAlias: true);
        var context = KmsJson.Map(request, "EncryptionContext");
        var numberOfBytes = KmsJson.Int(request, "NumberOfBytes");
        var keySpec = KmsJson.String(request, "KeySpec");
        var length = (numberOfBytes, keySpec) switch
        {
            (null, null) => throw KmsJson.Validation("Please specify either number of bytes or key spec."),
            ({ }, { }) => throw KmsJson.Validation("Please specify either number of bytes or key spec, not both."),
            ({ } n, null) when n is >= 1 and <= 1024 => n,
            ({ } n, null) => throw KmsJson.Validation($"1 validation error detected: Value '{n}' at 'numberOfBytes' failed to satisfy constraint: Member must have value between 1 and 1024"),
            (null, "AES_256") => 32,
            (null, "AES_128") => 16,
            _ => throw KmsJson.Validation($"1 validation error detected: Value '{keySpec}' at 'keySpec' failed to satisfy constraint: Member must satisfy enum value set: [AES_256, AES_128]"),
        };

        var action = withPlaintext ? "kms:GenerateDataKey" : "kms:GenerateDataKeyWithoutPlaintext";
        AuthorizeOn(request, action, key, KmsKeyStore.ContextKeys(request.Caller.AccountId, context));
        RequireUsable(key);
        request.StopIfDryRun();
        var plaintext = cloud.Ids.Bytes(length);
        try
        {
            var response = new JsonObject
            {
                ["CiphertextBlob"] = Convert.ToBase64String(Store.Encrypt(key, plaintext, context)),
                ["KeyId"] = key.Arn,
            };
            if (withPlaintext)
            {
                response["Plaintext"] = Convert.ToBase64String(plaintext);
            }

            return OperationResponse.Json(response);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }

    /// <summary>The key a ciphertext names; with a KeyId it must be that key (IncorrectKeyException otherwise).</summary>
    private KmsKeyRecord KeyOfCiphertext(OperationRequest request, byte[] blob, string? keyId)
    {
        var named = KmsCiphertext.ReadKeyArn(blob) ?? throw InvalidCiphertext();
        if (keyId is not null)
        {
            var given = Store.Require(request, keyId, allowAlias: true);
            if (given.Arn != named)
            {
                throw new AwsServiceException(
                    "IncorrectKeyException",
                    "The key ID in the request does not identify a KMS key that can perform this operation.",
                    400);
            }
        }

        var key = Store.FindKeyByArn(named);
        if (key is null || key.Region != request.Region)
        {
            throw InvalidCiphertext();
        }

        return key;
    }

    private static void CheckAlgorithm(OperationRequest request, string member, KmsKeyRecord key)
    {
        if (KmsJson.String(request, member) is { } algorithm && algorithm != SymmetricDefault)
        {
            throw new AwsServiceException(
                "InvalidKeyUsageException",
                $"{key.Arn} is a symmetric key: its only encryption algorithm is {SymmetricDefault}, not {algorithm}.",
                400);
        }
    }

    private static AwsServiceException InvalidCiphertext() => new("InvalidCiphertextException", string.Empty, 400);

    // ---- grants ----

    private OperationResponse CreateGrant(OperationRequest request)
    {
        var key = Resolve(request, "KeyId", allowAlias: false);
        var grantee = KmsJson.RequiredString(request, "GranteePrincipal");
        var retiring = KmsJson.String(request, "RetiringPrincipal");
        var operations = KmsJson.StringList(request, "Operations") ?? throw request.Service.MissingParameter("operations");
        var name = KmsJson.String(request, "Name");
        if (operations.Count == 0 || operations.Any(o => !GrantOperations.Contains(o)))
        {
            throw KmsJson.Validation(operations.Count == 0
                ? "1 validation error detected: Value '[]' at 'operations' failed to satisfy constraint: Member must have length greater than or equal to 1"
                : $"1 validation error detected: Value '[{string.Join(", ", operations)}]' at 'operations' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [{string.Join(", ", GrantOperations.Order(StringComparer.Ordinal))}]]");
        }

        foreach (var principal in new[] { grantee, retiring })
        {
            if (principal is not null && CallerPrincipal.Parse(principal) is not { Kind: not PrincipalKind.Anonymous })
            {
                throw KmsJson.Validation($"{principal} is not a valid principal: use an account root, user, role, assumed-role ARN or a service principal.");
            }
        }

        if (name is not null && (name.Length > 256 || !AliasNamePattern().IsMatch(name)))
        {
            throw KmsJson.Validation($"1 validation error detected: Value '{name}' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9:/_-]+$");
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
        keys["kms:GrantOperations"] = [.. operations];
        keys["kms:GranteePrincipal"] = [grantee];
        if (retiring is not null)
        {
            keys["kms:RetiringPrincipal"] = [retiring];
        }

        if (equals is not null || subset is not null)
        {
            keys["kms:GrantConstraintType"] = equals is not null ? ["EncryptionContextEquals"] : ["EncryptionContextSubset"];
        }

        AuthorizeOn(request, "kms:CreateGrant", key, keys);
        RequireUsable(key);
        request.StopIfDryRun();
        var grant = Store.CreateGrant(key, grantee, retiring, operations, equals, subset, name, request.Caller.AccountId, reuseIdentical: name is not null);
        request.Trail.ResponseElements["grantId"] = grant.GrantId;
        return OperationResponse.Json(new JsonObject { ["GrantToken"] = grant.GrantToken, ["GrantId"] = grant.GrantId });
    }

    private OperationResponse ListGrants(OperationRequest request)
    {
        var key = Resolve(request, "KeyId", allowAlias: false);
        AuthorizeOn(request, "kms:ListGrants", key);
        var grantId = KmsJson.String(request, "GrantId");
        var grantee = KmsJson.String(request, "GranteePrincipal");
        var grants = Store.GrantsOf(key)
            .Where(g => (grantId is null || g.GrantId == grantId) && (grantee is null || g.GranteePrincipal == grantee))
            .OrderBy(g => g.CreationDate)
            .ThenBy(g => g.GrantId, StringComparer.Ordinal)
            .ToList();
        return Page(request, grants, g => g.GrantId, "Grants", GrantEntry);
    }

    private OperationResponse ListRetirableGrants(OperationRequest request)
    {
        var retiring = KmsJson.RequiredString(request, "RetiringPrincipal");
        request.Authorize("kms:ListRetirableGrants", "*", KmsKeyStore.ContextKeys(request.Caller.AccountId, null));
        var grants = cloud.State.Read(view => view.List(KmsEntityKinds.Grant, region: request.Region))
            .Where(g => g.RetiringPrincipal == retiring)
            .OrderBy(g => g.CreationDate)
            .ThenBy(g => g.GrantId, StringComparer.Ordinal)
            .ToList();
        return Page(request, grants, g => g.GrantId, "Grants", GrantEntry);
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
                ?? throw new AwsServiceException("InvalidGrantTokenException", "The grant token is not valid.", 400);
            key = Store.FindKeyByArn(grant.KeyArn) ?? throw new AwsServiceException("NotFoundException", $"Key '{grant.KeyArn}' does not exist", 400);
        }
        else if (keyId is not null && grantId is not null)
        {
            key = Resolve(request, "KeyId", allowAlias: false);
            grant = Store.GrantsOf(key).FirstOrDefault(g => g.GrantId == grantId)
                ?? throw new AwsServiceException("InvalidGrantIdException", $"Grant ID {grantId} is not valid for {key.Arn}.", 400);
        }
        else
        {
            throw KmsJson.Validation("Either GrantToken, or both KeyId and GrantId, must be specified.");
        }

        // Only this grant can make its retiring principal (or its grantee with RetireGrant) eligible.
        AuthorizeOn(request, "kms:RetireGrant", key, grants: [grant.ToPolicyGrant()]);
        request.StopIfDryRun();
        cloud.State.Write(tx => tx.Delete(KmsEntityKinds.Grant, KmsEntityKinds.GrantKey(key.AccountId, key.Region, key.KeyId, grant.GrantId)));
        return OperationResponse.Empty;
    }

    private OperationResponse RevokeGrant(OperationRequest request)
    {
        var key = Resolve(request, "KeyId", allowAlias: false);
        var grantId = KmsJson.RequiredString(request, "GrantId");
        AuthorizeOn(request, "kms:RevokeGrant", key);
        var grant = Store.GrantsOf(key).FirstOrDefault(g => g.GrantId == grantId)
            ?? throw new AwsServiceException("InvalidGrantIdException", $"Grant ID {grantId} is not valid for {key.Arn}.", 400);
        request.StopIfDryRun();
        cloud.State.Write(tx => tx.Delete(KmsEntityKinds.Grant, KmsEntityKinds.GrantKey(key.AccountId, key.Region, key.KeyId, grant.GrantId)));
        return OperationResponse.Empty;
    }

    private static JsonObject GrantEntry(KmsGrantRecord grant)
    {
        var entry = new JsonObject
        {
            ["KeyId"] = grant.KeyArn,
            ["GrantId"] = grant.GrantId,
            ["CreationDate"] = KmsJson.Timestamp(grant.CreationDate),
            ["GranteePrincipal"] = grant.GranteePrincipal,
            ["IssuingAccount"] = $"arn:aws:iam::{grant.IssuingAccount}:root",
            ["Operations"] = KmsJson.StringArray(grant.Operations),
        };
        if (grant.Name is not null)
        {
            entry["Name"] = grant.Name;
        }

        if (grant.RetiringPrincipal is not null)
        {
            entry["RetiringPrincipal"] = grant.RetiringPrincipal;
        }

        if (grant.EncryptionContextEquals is not null || grant.EncryptionContextSubset is not null)
        {
            var constraints = new JsonObject();
            if (grant.EncryptionContextSubset is { } subset)
            {
                constraints["EncryptionContextSubset"] = KmsJson.StringMap(subset);
            }

            if (grant.EncryptionContextEquals is { } equals)
            {
                constraints["EncryptionContextEquals"] = KmsJson.StringMap(equals);
            }

            entry["Constraints"] = constraints;
        }

        return entry;
    }

    // ---- shared ----

    private KmsKeyRecord Resolve(OperationRequest request, string member, bool allowAlias) =>
        Store.Require(request, KmsJson.RequiredString(request, member), allowAlias);

    /// <summary>Notes the key for CloudTrail (both accounts see cross-account use) and authorizes the action on it.</summary>
    private void AuthorizeOn(
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

        request.Authorize(action, key.Arn, keys ?? KmsKeyStore.ContextKeys(request.Caller.AccountId, null), KmsKeyStore.PolicyOf(key), grants ?? Store.PolicyGrantsOf(key));
    }

    /// <summary>AWS managed keys' policies and states belong to AWS; their fixed policy already refuses this, this is the backstop.</summary>
    private static void RefuseAwsManaged(OperationRequest request, string action, KmsKeyRecord key)
    {
        if (key.IsAwsManaged)
        {
            throw new AwsServiceException(
                "AccessDeniedException",
                $"User: {request.Caller.PrincipalArn} is not authorized to perform: {action} on resource: {key.Arn} because it is an AWS managed key",
                400);
        }
    }

    private static void RequireUsable(KmsKeyRecord key)
    {
        switch (key.KeyState)
        {
            case KmsKeyStates.Disabled:
                throw new AwsServiceException("DisabledException", $"{key.Arn} is disabled.", 400);
            case KmsKeyStates.PendingDeletion:
                throw PendingDeletion(key);
        }
    }

    private static AwsServiceException PendingDeletion(KmsKeyRecord key) =>
        new("KMSInvalidStateException", $"{key.Arn} is pending deletion.", 400);

    private static JsonObject Metadata(KmsKeyRecord key)
    {
        var metadata = new JsonObject
        {
            ["AWSAccountId"] = key.AccountId,
            ["KeyId"] = key.KeyId,
            ["Arn"] = key.Arn,
            ["CreationDate"] = KmsJson.Timestamp(key.CreationDate),
            ["Enabled"] = key.KeyState == KmsKeyStates.Enabled,
            ["Description"] = key.Description,
            ["KeyUsage"] = KmsKeyRecord.KeyUsage,
            ["KeyState"] = key.KeyState,
            ["Origin"] = KmsKeyRecord.Origin,
            ["KeyManager"] = key.KeyManager,
            ["CustomerMasterKeySpec"] = KmsKeyRecord.KeySpec,
            ["KeySpec"] = KmsKeyRecord.KeySpec,
            ["EncryptionAlgorithms"] = KmsJson.StringArray([SymmetricDefault]),
            ["MultiRegion"] = key.MultiRegion,
        };
        if (key.DeletionDate is { } deletion)
        {
            metadata["DeletionDate"] = KmsJson.Timestamp(deletion);
            metadata["PendingDeletionWindowInDays"] = key.PendingDeletionWindowInDays;
        }

        if (key.MultiRegion)
        {
            metadata["MultiRegionConfiguration"] = new JsonObject
            {
                ["MultiRegionKeyType"] = "PRIMARY",
                ["PrimaryKey"] = new JsonObject { ["Arn"] = key.Arn, ["Region"] = key.Region },
                ["ReplicaKeys"] = new JsonArray(),
            };
        }

        return metadata;
    }

    /// <summary>Limit (1–1000, default 100) and Marker pagination over items sorted by <paramref name="markerOf"/>.</summary>
    private static OperationResponse Page<T>(OperationRequest request, IReadOnlyList<T> items, Func<T, string> markerOf, string member, Func<T, JsonObject> render)
    {
        var limit = KmsJson.Int(request, "Limit") ?? 100;
        if (limit is < 1 or > 1000)
        {
            throw KmsJson.Validation($"1 validation error detected: Value '{limit}' at 'limit' failed to satisfy constraint: Member must have value between 1 and 1000");
        }

        var start = 0;
        if (KmsJson.String(request, "Marker") is { } marker)
        {
            start = items.Select(markerOf).ToList().IndexOf(marker) + 1;
            if (start == 0)
            {
                throw new AwsServiceException("InvalidMarkerException", "The marker does not come from a previous response.", 400);
            }
        }

        var page = items.Skip(start).Take(limit).ToList();
        var truncated = start + page.Count < items.Count;
        var response = new JsonObject { [member] = new JsonArray([.. page.Select(i => (JsonNode)render(i))]), ["Truncated"] = truncated };
        if (truncated)
        {
            response["NextMarker"] = markerOf(page[^1]);
        }

        return OperationResponse.Json(response);
    }

    [GeneratedRegex("^[a-zA-Z0-9:/_-]+$", RegexOptions.CultureInvariant)]
    private static partial Regex AliasNamePattern();
}
