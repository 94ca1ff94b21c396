using System.Security.Cryptography;
using AmiShare.LocalCloud.Protocol;
using AmiShare.Policy.Catalogue;
using AmiShare.Policy.Kms;

namespace AmiShare.LocalCloud.Services.Kms;

/// <summary>
/// The KMS calls EC2 makes for a caller (<see cref="IKmsForEc2"/>): each is authorized as the caller with
/// <c>kms:ViaService = ec2.REGION.amazonaws.com</c> and the EBS encryption context, against the key policy,
/// the caller's IAM policies and the key's grants; a refusal (or a key that is unknown, disabled or pending
/// deletion) throws <see cref="KmsRefusedException"/>. Every call, allowed or not, is noted in the request's
/// trail as a KMS event invoked by EC2 — with ids and context, never key material or plaintext.
/// </summary>
public sealed class KmsForEc2(KmsKeyStore store) : IKmsForEc2
{
    public const string EventSource = AwsServicePrincipals.Kms;
    public const string InvokedBy = AwsServicePrincipals.Ec2;
    public const string EbsContextKey = Ec2KmsUse.EbsContextKey;

    /// <summary>The operations of the grant EC2 creates for a volume (a subset of what an Auto Scaling grant carries).</summary>
    public static readonly IReadOnlyList<string> EbsGrantOperations = Ec2KmsUse.VolumeGrantOperations;

    /// <summary>The principal EC2's infrastructure acts as when it uses a volume's grant.</summary>
    public static string Ec2InfrastructurePrincipal(string accountId, string resourceId) => Ec2KmsUse.InfrastructurePrincipal(accountId, resourceId);

    public static string ViaService(string region) => Ec2KmsUse.ViaService(region);

    public KmsKeyFacts? FindKey(OperationRequest request, string region, string keyIdOrAlias)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentException.ThrowIfNullOrWhiteSpace(region);
        if (string.IsNullOrWhiteSpace(keyIdOrAlias))
        {
            return null;
        }

        var key = store.Resolve(request.Caller.AccountId, region, keyIdOrAlias, allowAlias: true, out _);
        if (key is null)
        {
            return null;
        }

        var alias = keyIdOrAlias.StartsWith("alias/", StringComparison.Ordinal) ? keyIdOrAlias
            : keyIdOrAlias.StartsWith("arn:", StringComparison.Ordinal) && keyIdOrAlias.Split(':', 6) is [.., var resource] && resource.StartsWith("alias/", StringComparison.Ordinal) ? resource
            : null;
        return Facts(key, alias);
    }

    public KmsKeyFacts AwsManagedEbsKey(string accountId, string region) =>
        Facts(store.AwsManagedEbsKey(accountId, region), KmsKeyStore.AwsEbsAliasName);

    public KmsKeyFacts? DescribeKeyByArn(string keyArn) =>
        store.FindKeyByArn(keyArn) is { } key ? Facts(key, null) : null;

    public void CreateGrantForEbs(OperationRequest request, KmsKeyFacts key, string ebsId)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(key);
        var context = EbsContext(ebsId);
        var grantee = Ec2InfrastructurePrincipal(request.Caller.AccountId, ebsId);
        var parameters = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["keyId"] = key.KeyArn,
            ["granteePrincipal"] = grantee,
            ["operations"] = EbsGrantOperations.ToArray(),
            ["constraints"] = new Dictionary<string, object?> { ["encryptionContextSubset"] = new Dictionary<string, string>(context) },
        };
        var record = Use(request, "CreateGrant", key, parameters, KmsActions.CreateGrant, context, extra =>
        {
            foreach (var (name, values) in Ec2KmsUse.VolumeGrantContext(grantee))
            {
                extra[name] = values;
            }
        });
        store.CreateGrant(record, grantee, null, EbsGrantOperations, null, context, null, request.Caller.AccountId, reuseIdentical: true);
    }

    public DataKey GenerateDataKeyForEbs(OperationRequest request, KmsKeyFacts key, string ebsId)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(key);
        var context = EbsContext(ebsId);
        var parameters = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["keyId"] = key.KeyArn,
            ["encryptionContext"] = new Dictionary<string, string>(context),
            ["keySpec"] = "AES_256",
        };
        var record = Use(request, "GenerateDataKeyWithoutPlaintext", key, parameters, KmsActions.GenerateDataKeyWithoutPlaintext, context);
        var plaintext = request.Cloud.Ids.Bytes(32);
        return new DataKey(plaintext, store.Encrypt(record, plaintext, context));
    }

    public byte[] DecryptDataKeyForEbs(OperationRequest request, KmsKeyFacts key, byte[] ciphertextBlob, string ebsId)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(ciphertextBlob);
        var context = EbsContext(ebsId);
        var parameters = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["keyId"] = key.KeyArn,
            ["encryptionContext"] = new Dictionary<string, string>(context),
            ["encryptionAlgorithm"] = "SYMMETRIC_DEFAULT",
        };
        var record = Use(request, "Decrypt", key, parameters, KmsActions.Decrypt, context, recordSuccess: false);
        var plaintext = Open(request, "Decrypt", record, parameters, ciphertextBlob, context);
        request.Trail.AddInvokedCall(new TrailInvokedCall(EventSource, "Decrypt", InvokedBy, parameters, [Resource(key)]));
        return plaintext;
    }

    public byte[] ReEncryptDataKeyForEbs(OperationRequest request, KmsKeyFacts source, byte[] ciphertextBlob, string sourceEbsId, KmsKeyFacts destination, string destinationEbsId)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentNullException.ThrowIfNull(ciphertextBlob);
        var sourceContext = EbsContext(sourceEbsId);
        var destinationContext = EbsContext(destinationEbsId);
        var parameters = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["sourceKeyId"] = source.KeyArn,
            ["destinationKeyId"] = destination.KeyArn,
            ["sourceEncryptionContext"] = new Dictionary<string, string>(sourceContext),
            ["destinationEncryptionContext"] = new Dictionary<string, string>(destinationContext),
            ["sourceEncryptionAlgorithm"] = "SYMMETRIC_DEFAULT",
            ["destinationEncryptionAlgorithm"] = "SYMMETRIC_DEFAULT",
        };
        var sameKey = source.KeyArn == destination.KeyArn ? "true" : "false";
        IReadOnlyList<TrailResource> resources = source.KeyArn == destination.KeyArn
            ? [Resource(source)]
            : [Resource(source), Resource(destination)];
        var from = Use(request, "ReEncrypt", source, parameters, KmsActions.ReEncryptFrom, sourceContext, extra => extra[ConditionKeys.KmsReEncryptOnSameKey] = [sameKey], resources, recordSuccess: false);
        var to = Use(request, "ReEncrypt", destination, parameters, KmsActions.ReEncryptTo, destinationContext, extra => extra[ConditionKeys.KmsReEncryptOnSameKey] = [sameKey], resources, recordSuccess: false);
        var plaintext = Open(request, "ReEncrypt", from, parameters, ciphertextBlob, sourceContext, resources);
        try
        {
            var rewrapped = store.Encrypt(to, plaintext, destinationContext);
            request.Trail.AddInvokedCall(new TrailInvokedCall(EventSource, "ReEncrypt", InvokedBy, parameters, resources));
            return rewrapped;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }

    private static KmsKeyFacts Facts(KmsKeyRecord key, string? alias) => new(
        key.Arn,
        key.KeyId,
        key.AccountId,
        key.Region,
        key.IsAwsManaged,
        key.KeyState,
        alias ?? (key.IsAwsManaged ? KmsKeyStore.AwsEbsAliasName : null));

    private static Dictionary<string, string> EbsContext(string ebsId)
    {
        return new Dictionary<string, string>(Ec2KmsUse.EbsContext(ebsId), StringComparer.Ordinal);
    }

    private static TrailResource Resource(KmsKeyFacts key) => new("AWS::KMS::Key", key.KeyArn, key.AccountId);

    /// <summary>
    /// The checks every EC2-invoked call makes, in KMS's order: the key exists, the caller may perform
    /// <paramref name="action"/> on it via EC2, and the key is Enabled. Refusals are noted and thrown.
    /// </summary>
    private KmsKeyRecord Use(
        OperationRequest request,
        string eventName,
        KmsKeyFacts facts,
        Dictionary<string, object?> parameters,
        string action,
        Dictionary<string, string> encryptionContext,
        Action<Dictionary<string, IReadOnlyList<string>>>? addKeys = null,
        IReadOnlyList<TrailResource>? resources = null,
        bool recordSuccess = true)
    {
        resources ??= [Resource(facts)];
        var key = store.FindKeyByArn(facts.KeyArn);
        if (key is null)
        {
            throw Refuse(request, eventName, parameters, resources, "NotFoundException", $"Key '{facts.KeyArn}' does not exist");
        }

        // The model's keys of an EC2-made call: kms:ViaService, kms:CallerAccount, and kms:GrantIsForAWSResource on CreateGrant.
        var keys = KmsKeyStore.ContextKeys(request.Caller.AccountId, encryptionContext);
        foreach (var (name, values) in Ec2KmsUse.RequestContext(action, key.Region, request.Caller.AccountId))
        {
            keys[name] = values;
        }

        addKeys?.Invoke(keys);
        var decision = request.Check(action, key.Arn, keys, store.EffectivePolicyOf(key), store.PolicyGrantsOf(key, withGrantTokens: true));
        if (!decision.IsAllowed)
        {
            throw Refuse(
                request,
                eventName,
                parameters,
                resources,
                "AccessDeniedException",
                $"User: {request.Caller.PrincipalArn} is not authorized to perform: {action} on resource: {key.Arn} because {decision.Reason}");
        }

        switch (key.KeyState)
        {
            case KmsKeyStates.Disabled:
                throw Refuse(request, eventName, parameters, resources, "DisabledException", $"{key.Arn} is disabled.");
            case KmsKeyStates.PendingDeletion:
                throw Refuse(request, eventName, parameters, resources, "KMSInvalidStateException", $"{key.Arn} is pending deletion.");
        }

        // EBS encrypts with symmetric encryption keys only; KMS refuses the data-key calls EC2 makes with any other key.
        if (key.Spec != KmsKeyRecord.KeySpec || key.Usage != KmsKeyRecord.KeyUsage)
        {
            throw Refuse(request, eventName, parameters, resources, "InvalidKeyUsageException", $"{key.Arn} is a {key.Spec} key with usage {key.Usage}: EBS needs a symmetric encryption key.");
        }

        if (recordSuccess)
        {
            request.Trail.AddInvokedCall(new TrailInvokedCall(EventSource, eventName, InvokedBy, parameters, resources));
        }

        return key;
    }

    private static byte[] Open(
        OperationRequest request,
        string eventName,
        KmsKeyRecord key,
        Dictionary<string, object?> parameters,
        byte[] blob,
        Dictionary<string, string> context,
        IReadOnlyList<TrailResource>? resources = null)
    {
        resources ??= [new TrailResource("AWS::KMS::Key", key.Arn, key.AccountId)];
        var named = KmsCiphertext.ReadKeyArn(blob);
        if (named is null)
        {
            throw Refuse(request, eventName, parameters, resources, "InvalidCiphertextException", "The ciphertext is not a KMS ciphertext blob.");
        }

        if (named != key.Arn && !KmsMultiRegionKeys.AreRelated(named, key))
        {
            throw Refuse(request, eventName, parameters, resources, "IncorrectKeyException", $"The key ID in the request does not identify the KMS key ({named}) that encrypted the ciphertext.");
        }

        return KmsCiphertext.Open(key.KeyMaterial, blob, context)
            ?? throw Refuse(request, eventName, parameters, resources, "InvalidCiphertextException", "The ciphertext does not verify under the key and encryption context.");
    }

    private static KmsRefusedException Refuse(
        OperationRequest request,
        string eventName,
        Dictionary<string, object?> parameters,
        IReadOnlyList<TrailResource> resources,
        string code,
        string message)
    {
        request.Trail.AddInvokedCall(new TrailInvokedCall(EventSource, eventName, InvokedBy, parameters, resources, code, message));
        return new KmsRefusedException(code, message);
    }
}
