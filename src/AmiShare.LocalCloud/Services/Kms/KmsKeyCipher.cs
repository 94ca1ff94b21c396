namespace AmiShare.LocalCloud.Services.Kms;

/// <summary>
/// Encryption and decryption under any ENCRYPT_DECRYPT key, as Encrypt, Decrypt and ReEncrypt share them: a
/// symmetric key seals LocalCloud's self-describing blob (SYMMETRIC_DEFAULT only, encryption context bound in);
/// an RSA key does RSAES-OAEP (its algorithm named, no encryption context, as KMS requires). A key of another
/// usage, or an algorithm the key does not support, is KMS's InvalidKeyUsageException.
/// </summary>
internal static class KmsKeyCipher
{
    /// <summary>The request's algorithm member, defaulting to SYMMETRIC_DEFAULT, checked against the enum (ValidationException).</summary>
    public static string Algorithm(string? given, string member)
    {
        var algorithm = given ?? KmsKeySpecs.SymmetricDefault;
        KmsKeySpecs.RequireEnum(algorithm, member, KmsKeySpecs.EncryptionAlgorithmEnum);
        return algorithm;
    }

    /// <summary>Refuses a key whose usage is not ENCRYPT_DECRYPT, or which does not support <paramref name="algorithm"/>.</summary>
    public static void RequireEncryptionKey(KmsKeyRecord key, string algorithm, string operation)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (key.Usage != KmsKeySpecs.EncryptDecrypt)
        {
            throw KmsErrors.WrongKeyUsage(key.Arn, key.Usage, operation);
        }

        var supported = KmsKeySpecs.Of(key).EncryptionAlgorithms(key.Usage);
        if (!supported.Contains(algorithm))
        {
            throw KmsErrors.InvalidKeyUsage($"The encryption algorithm {algorithm} is not compatible with the KeySpec {key.Spec} of {key.Arn}; it supports {string.Join(", ", supported)}.");
        }
    }

    public static byte[] Encrypt(KmsKeyStore store, KmsKeyRecord key, string algorithm, byte[] plaintext, IReadOnlyDictionary<string, string>? context)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(key);
        if (KmsKeySpecs.Of(key).IsSymmetricDefault)
        {
            return store.Encrypt(key, plaintext, context);
        }

        RefuseContext(context);
        return KmsAsymmetricCrypto.RsaEncrypt(KmsKeySpecs.Of(key), key.KeyMaterial, algorithm, plaintext);
    }

    /// <summary>The plaintext, or InvalidCiphertextException when the blob does not decrypt under the key (and context).</summary>
    public static byte[] Decrypt(KmsKeyRecord key, string algorithm, byte[] blob, IReadOnlyDictionary<string, string>? context)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (KmsKeySpecs.Of(key).IsSymmetricDefault)
        {
            return KmsCiphertext.Open(key.KeyMaterial, blob, context) ?? throw KmsErrors.InvalidCiphertext();
        }

        RefuseContext(context);
        return KmsAsymmetricCrypto.RsaDecrypt(key.KeyMaterial, algorithm, blob) ?? throw KmsErrors.InvalidCiphertext();
    }

    /// <summary>Whether the key is an asymmetric encryption key: its ciphertexts do not name it, so the request must.</summary>
    public static bool IsAsymmetric(KmsKeyRecord key) => !KmsKeySpecs.Of(key).IsSymmetricDefault;

    private static void RefuseContext(IReadOnlyDictionary<string, string>? context)
    {
        if (context is { Count: > 0 })
        {
            throw KmsErrors.Validation("EncryptionContext is not supported with asymmetric KMS keys: an encryption context works only with symmetric encryption keys.");
        }
    }
}
