using System.Security.Cryptography;
using System.Text.Json.Nodes;
using AmiShare.LocalCloud.Protocol;
using AmiShare.Policy.Catalogue;
using static AmiShare.LocalCloud.Protocol.OperationHandlers;

namespace AmiShare.LocalCloud.Services.Kms;

/// <summary>Envelope cryptography: Encrypt, Decrypt, ReEncrypt, GenerateDataKey (with and without plaintext).</summary>
internal sealed class KmsCryptoOperations(LocalCloudContext cloud, KmsKeyAccess access) : IServiceOperations
{
    public AwsServiceDescriptor Service => AwsServices.Kms;

    public IReadOnlyDictionary<string, OperationHandler> Operations => new Dictionary<string, OperationHandler>
    {
        ["Encrypt"] = Sync(Encrypt),
        ["Decrypt"] = Sync(Decrypt),
        ["ReEncrypt"] = Sync(ReEncrypt),
        ["GenerateDataKey"] = Sync(request => GenerateDataKey(request, withPlaintext: true)),
        ["GenerateDataKeyWithoutPlaintext"] = Sync(request => GenerateDataKey(request, withPlaintext: false)),
    };

    private OperationResponse Encrypt(OperationRequest request)
    {
        var key = access.Resolve(request, "KeyId", allowAlias: true);
        var plaintext = KmsJson.Blob(request, "Plaintext") ?? throw request.Service.MissingParameter("plaintext");
        if (plaintext.Length is 0 or > 4096)
        {
            // KMS names the one bound that was broken.
            throw KmsErrors.Validation($"1 validation error detected: Value at 'plaintext' failed to satisfy constraint: Member must have length {(plaintext.Length == 0 ? "greater than or equal to 1" : "less than or equal to 4096")}");
        }

        var context = KmsJson.Map(request, "EncryptionContext");
        var algorithm = KmsKeyCipher.Algorithm(KmsJson.String(request, "EncryptionAlgorithm"), "encryptionAlgorithm");
        access.AuthorizeOn(request, KmsActions.Encrypt, key, WithAlgorithm(KmsKeyStore.ContextKeys(request.Caller.AccountId, context), algorithm));
        KmsKeyAccess.RequireUsable(key);
        KmsKeyCipher.RequireEncryptionKey(key, algorithm, "Encrypt");
        request.StopIfDryRun();
        var blob = KmsKeyCipher.Encrypt(cloud.Kms, key, algorithm, plaintext, context);
        return OperationResponse.Json(new JsonObject
        {
            ["CiphertextBlob"] = Convert.ToBase64String(blob),
            ["KeyId"] = key.Arn,
            ["EncryptionAlgorithm"] = algorithm,
        });
    }

    private OperationResponse Decrypt(OperationRequest request)
    {
        var blob = KmsJson.Blob(request, "CiphertextBlob") ?? throw request.Service.MissingParameter("ciphertextBlob");
        var context = KmsJson.Map(request, "EncryptionContext");
        var algorithm = KmsKeyCipher.Algorithm(KmsJson.String(request, "EncryptionAlgorithm"), "encryptionAlgorithm");
        var key = KeyOfCiphertext(request, blob, KmsJson.String(request, "KeyId"));
        access.AuthorizeOn(request, KmsActions.Decrypt, key, WithAlgorithm(KmsKeyStore.ContextKeys(request.Caller.AccountId, context), algorithm));
        KmsKeyAccess.RequireUsable(key);
        KmsKeyCipher.RequireEncryptionKey(key, algorithm, "Decrypt");
        request.StopIfDryRun();
        var plaintext = KmsKeyCipher.Decrypt(key, algorithm, blob, context);
        try
        {
            return OperationResponse.Json(new JsonObject
            {
                ["KeyId"] = key.Arn,
                ["Plaintext"] = Convert.ToBase64String(plaintext),
                ["EncryptionAlgorithm"] = algorithm,
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
        var sourceAlgorithm = KmsKeyCipher.Algorithm(KmsJson.String(request, "SourceEncryptionAlgorithm"), "sourceEncryptionAlgorithm");
        var destinationAlgorithm = KmsKeyCipher.Algorithm(KmsJson.String(request, "DestinationEncryptionAlgorithm"), "destinationEncryptionAlgorithm");
        var source = KeyOfCiphertext(request, blob, KmsJson.String(request, "SourceKeyId"));
        var destination = access.Resolve(request, "DestinationKeyId", allowAlias: true);

        var sameKey = source.Arn == destination.Arn ? "true" : "false";
        var fromKeys = KmsKeyStore.ContextKeys(request.Caller.AccountId, sourceContext);
        fromKeys[ConditionKeys.KmsReEncryptOnSameKey] = [sameKey];
        var toKeys = KmsKeyStore.ContextKeys(request.Caller.AccountId, destinationContext);
        toKeys[ConditionKeys.KmsReEncryptOnSameKey] = [sameKey];
        access.AuthorizeOn(request, KmsActions.ReEncryptFrom, source, fromKeys);
        access.AuthorizeOn(request, KmsActions.ReEncryptTo, destination, toKeys);
        KmsKeyAccess.RequireUsable(source);
        KmsKeyAccess.RequireUsable(destination);
        KmsKeyCipher.RequireEncryptionKey(source, sourceAlgorithm, "ReEncrypt");
        KmsKeyCipher.RequireEncryptionKey(destination, destinationAlgorithm, "ReEncrypt");
        request.StopIfDryRun();

        var plaintext = KmsKeyCipher.Decrypt(source, sourceAlgorithm, blob, sourceContext);
        try
        {
            var rewrapped = KmsKeyCipher.Encrypt(cloud.Kms, destination, destinationAlgorithm, plaintext, destinationContext);
            return OperationResponse.Json(new JsonObject
            {
                ["CiphertextBlob"] = Convert.ToBase64String(rewrapped),
                ["SourceKeyId"] = source.Arn,
                ["KeyId"] = destination.Arn,
                ["SourceEncryptionAlgorithm"] = sourceAlgorithm,
                ["DestinationEncryptionAlgorithm"] = destinationAlgorithm,
            });
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }

    private OperationResponse GenerateDataKey(OperationRequest request, bool withPlaintext)
    {
        var key = access.Resolve(request, "KeyId", allowAlias: true);
        var context = KmsJson.Map(request, "EncryptionContext");
        var numberOfBytes = KmsJson.Int(request, "NumberOfBytes");
        var keySpec = KmsJson.String(request, "KeySpec");
        var length = (numberOfBytes, keySpec) switch
        {
            (null, null) => throw KmsErrors.Validation("Please specify either number of bytes or key spec."),
            ({ }, { }) => throw KmsErrors.Validation("Please specify either number of bytes or key spec, not both."),
            ({ } n, null) when n is >= 1 and <= 1024 => n,
            ({ } n, null) => throw KmsErrors.Validation($"1 validation error detected: Value '{n}' at 'numberOfBytes' failed to satisfy constraint: Member must have value between 1 and 1024"),
            (null, "AES_256") => 32,
            (null, "AES_128") => 16,
            _ => throw KmsErrors.Validation($"1 validation error detected: Value '{keySpec}' at 'keySpec' failed to satisfy constraint: Member must satisfy enum value set: [AES_256, AES_128]"),
        };

        var action = withPlaintext ? KmsActions.GenerateDataKey : KmsActions.GenerateDataKeyWithoutPlaintext;
        access.AuthorizeOn(request, action, key, KmsKeyStore.ContextKeys(request.Caller.AccountId, context));
        KmsKeyAccess.RequireUsable(key);
        RequireSymmetricEncryptionKey(key, withPlaintext ? "GenerateDataKey" : "GenerateDataKeyWithoutPlaintext");
        request.StopIfDryRun();
        var plaintext = cloud.Ids.Bytes(length);
        try
        {
            var response = new JsonObject
            {
                ["CiphertextBlob"] = Convert.ToBase64String(cloud.Kms.Encrypt(key, plaintext, context)),
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
        // An RSA ciphertext does not name its key (nor do other usages' keys make ciphertexts): the KeyId decides.
        if (keyId is not null && cloud.Kms.Require(request, keyId, allowAlias: true) is { } byId && (KmsKeyCipher.IsAsymmetric(byId) || byId.Usage != KmsKeySpecs.EncryptDecrypt))
        {
            return byId;
        }

        var named = KmsCiphertext.ReadKeyArn(blob) ?? throw KmsErrors.InvalidCiphertext();
        if (keyId is not null)
        {
            var given = cloud.Kms.Require(request, keyId, allowAlias: true);
            if (given.Arn != named && !KmsMultiRegionKeys.AreRelated(named, given))
            {
                throw KmsErrors.IncorrectKey();
            }
        }

        var key = KmsMultiRegionKeys.InRegion(cloud.Kms, named, request.Region);
        if (key is null || key.Region != request.Region)
        {
            throw KmsErrors.InvalidCiphertext();
        }

        return key;
    }

    /// <summary>Data keys come from symmetric encryption keys only (KMS: InvalidKeyUsageException otherwise).</summary>
    internal static void RequireSymmetricEncryptionKey(KmsKeyRecord key, string operation)
    {
        if (key.Usage != KmsKeySpecs.EncryptDecrypt || KmsKeyCipher.IsAsymmetric(key))
        {
            throw KmsErrors.InvalidKeyUsage($"{key.Arn} is a {key.Spec} key with usage {key.Usage}: {operation} needs a symmetric encryption key ({KmsKeySpecs.SymmetricDefault}, {KmsKeySpecs.EncryptDecrypt}).");
        }
    }

    private static Dictionary<string, IReadOnlyList<string>> WithAlgorithm(Dictionary<string, IReadOnlyList<string>> keys, string algorithm)
    {
        keys[ConditionKeys.KmsEncryptionAlgorithm] = [algorithm];
        return keys;
    }
}
