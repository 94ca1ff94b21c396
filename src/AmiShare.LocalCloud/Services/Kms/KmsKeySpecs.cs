using System.Collections.Frozen;
using System.Security.Cryptography;

namespace AmiShare.LocalCloud.Services.Kms;

/// <summary>The kind of key material a key spec names: what LocalCloud keeps in <see cref="KmsKeyRecord.KeyMaterial"/>.</summary>
internal enum KmsKeyFamily
{
    /// <summary>A 256-bit AES key.</summary>
    Symmetric,

    /// <summary>An RSA private key, PKCS#8 DER.</summary>
    Rsa,

    /// <summary>An elliptic-curve private key, PKCS#8 DER.</summary>
    Ecc,

    /// <summary>An HMAC key as raw bytes.</summary>
    Hmac,
}

/// <summary>
/// One KMS key spec (KMS Developer Guide, "Key spec reference"): its material, the key usages it allows, and
/// the signing, encryption and MAC algorithms DescribeKey lists for each usage.
/// </summary>
internal sealed record KmsKeySpec(string Name, KmsKeyFamily Family, int Size, IReadOnlyList<string> Usages, IReadOnlyList<string> SigningAlgorithms, string? MacAlgorithm)
{
    /// <summary>The curve of an ECC spec (Size is then the curve's bits).</summary>
    public ECCurve Curve => Name switch
    {
        "ECC_NIST_P256" => ECCurve.NamedCurves.nistP256,
        "ECC_NIST_P384" => ECCurve.NamedCurves.nistP384,
        "ECC_NIST_P521" => ECCurve.NamedCurves.nistP521,
        "ECC_SECG_P256K1" => ECCurve.CreateFromFriendlyName("secp256k1"),
        _ => throw new InvalidOperationException($"{Name} is not an elliptic-curve key spec."),
    };

    public bool IsSymmetricDefault => Family == KmsKeyFamily.Symmetric;

    /// <summary>The encryption algorithms of a key of this spec and usage (DescribeKey's EncryptionAlgorithms).</summary>
    public IReadOnlyList<string> EncryptionAlgorithms(string usage) => usage != KmsKeySpecs.EncryptDecrypt
        ? []
        : Family == KmsKeyFamily.Symmetric ? [KmsKeySpecs.SymmetricDefault] : [KmsKeySpecs.RsaesOaepSha1, KmsKeySpecs.RsaesOaepSha256];

    /// <summary>New key material of this spec: an AES key, a PKCS#8 private key, or an HMAC key of the spec's length.</summary>
    public byte[] NewMaterial(Func<int, byte[]> randomBytes)
    {
        ArgumentNullException.ThrowIfNull(randomBytes);
        switch (Family)
        {
            case KmsKeyFamily.Rsa:
                using (var rsa = RSA.Create(Size))
                {
                    return rsa.ExportPkcs8PrivateKey();
                }

            case KmsKeyFamily.Ecc:
                using (var ecdsa = ECDsa.Create(Curve))
                {
                    return ecdsa.ExportPkcs8PrivateKey();
                }

            default:
                return randomBytes(Size / 8);
        }
    }

    /// <summary>The DER SubjectPublicKeyInfo of an asymmetric key's material (what GetPublicKey returns).</summary>
    public byte[] PublicKey(byte[] material)
    {
        switch (Family)
        {
            case KmsKeyFamily.Rsa:
                using (var rsa = RSA.Create())
                {
                    rsa.ImportPkcs8PrivateKey(material, out _);
                    return rsa.ExportSubjectPublicKeyInfo();
                }

            case KmsKeyFamily.Ecc:
                using (var ecdsa = ECDsa.Create())
                {
                    ecdsa.ImportPkcs8PrivateKey(material, out _);
                    return ecdsa.ExportSubjectPublicKeyInfo();
                }

            default:
                throw new InvalidOperationException($"{Name} keys have no public key.");
        }
    }
}

/// <summary>Every key spec, key usage and algorithm name KMS accepts, and which go together.</summary>
internal static class KmsKeySpecs
{
    public const string SymmetricDefault = "SYMMETRIC_DEFAULT";
    public const string EncryptDecrypt = "ENCRYPT_DECRYPT";
    public const string SignVerify = "SIGN_VERIFY";
    public const string GenerateVerifyMac = "GENERATE_VERIFY_MAC";
    public const string KeyAgreement = "KEY_AGREEMENT";
    public const string RsaesOaepSha1 = "RSAES_OAEP_SHA_1";
    public const string RsaesOaepSha256 = "RSAES_OAEP_SHA_256";

    /// <summary>The KeySpec enum of the KMS API model, in its order; SM2 (China Regions only) and ML-DSA are named but not emulated.</summary>
    public static readonly IReadOnlyList<string> KeySpecEnum =
    [
        "RSA_2048", "RSA_3072", "RSA_4096", "ECC_NIST_P256", "ECC_NIST_P384", "ECC_NIST_P521", "ECC_SECG_P256K1",
        SymmetricDefault, "HMAC_224", "HMAC_256", "HMAC_384", "HMAC_512", "SM2", "ML_DSA_44", "ML_DSA_65", "ML_DSA_87",
        "ECC_NIST_EDWARDS25519",
    ];

    /// <summary>The deprecated CustomerMasterKeySpec enum: KeySpec's values before ML-DSA and Ed25519.</summary>
    public static readonly IReadOnlyList<string> CustomerMasterKeySpecEnum =
    [
        "RSA_2048", "RSA_3072", "RSA_4096", "ECC_NIST_P256", "ECC_NIST_P384", "ECC_NIST_P521", "ECC_SECG_P256K1",
        SymmetricDefault, "HMAC_224", "HMAC_256", "HMAC_384", "HMAC_512", "SM2",
    ];

    /// <summary>The KeyUsageType enum of the KMS API model.</summary>
    public static readonly IReadOnlyList<string> KeyUsageEnum = [SignVerify, EncryptDecrypt, GenerateVerifyMac, KeyAgreement];

    /// <summary>The SigningAlgorithmSpec enum of the KMS API model; LocalCloud's keys sign with the RSASSA and ECDSA ones.</summary>
    public static readonly IReadOnlyList<string> SigningAlgorithmEnum =
    [
        "RSASSA_PSS_SHA_256", "RSASSA_PSS_SHA_384", "RSASSA_PSS_SHA_512", "RSASSA_PKCS1_V1_5_SHA_256",
        "RSASSA_PKCS1_V1_5_SHA_384", "RSASSA_PKCS1_V1_5_SHA_512", "ECDSA_SHA_256", "ECDSA_SHA_384", "ECDSA_SHA_512",
        "SM2DSA", "ML_DSA_SHAKE_256", "ED25519_SHA_512", "ED25519_PH_SHA_512",
    ];

    public static readonly IReadOnlyList<string> MacAlgorithmEnum = ["HMAC_SHA_224", "HMAC_SHA_256", "HMAC_SHA_384", "HMAC_SHA_512"];

    public static readonly IReadOnlyList<string> EncryptionAlgorithmEnum = [SymmetricDefault, RsaesOaepSha1, RsaesOaepSha256, "SM2PKE"];

    /// <summary>The KeyPairSpec values GenerateDataKeyPair accepts.</summary>
    public static readonly IReadOnlyList<string> DataKeyPairSpecEnum =
        ["RSA_2048", "RSA_3072", "RSA_4096", "ECC_NIST_P256", "ECC_NIST_P384", "ECC_NIST_P521", "ECC_SECG_P256K1", "SM2", "ECC_NIST_EDWARDS25519"];

    private static readonly string[] RsaSigning =
        ["RSASSA_PKCS1_V1_5_SHA_256", "RSASSA_PKCS1_V1_5_SHA_384", "RSASSA_PKCS1_V1_5_SHA_512", "RSASSA_PSS_SHA_256", "RSASSA_PSS_SHA_384", "RSASSA_PSS_SHA_512"];

    private static readonly FrozenDictionary<string, KmsKeySpec> Emulated = new KmsKeySpec[]
    {
        new(SymmetricDefault, KmsKeyFamily.Symmetric, 256, [EncryptDecrypt], [], null),
        new("RSA_2048", KmsKeyFamily.Rsa, 2048, [EncryptDecrypt, SignVerify], RsaSigning, null),
        new("RSA_3072", KmsKeyFamily.Rsa, 3072, [EncryptDecrypt, SignVerify], RsaSigning, null),
        new("RSA_4096", KmsKeyFamily.Rsa, 4096, [EncryptDecrypt, SignVerify], RsaSigning, null),
        new("ECC_NIST_P256", KmsKeyFamily.Ecc, 256, [SignVerify], ["ECDSA_SHA_256"], null),
        new("ECC_NIST_P384", KmsKeyFamily.Ecc, 384, [SignVerify], ["ECDSA_SHA_384"], null),
        new("ECC_NIST_P521", KmsKeyFamily.Ecc, 521, [SignVerify], ["ECDSA_SHA_512"], null),
        new("ECC_SECG_P256K1", KmsKeyFamily.Ecc, 256, [SignVerify], ["ECDSA_SHA_256"], null),
        new("HMAC_224", KmsKeyFamily.Hmac, 224, [GenerateVerifyMac], [], "HMAC_SHA_224"),
        new("HMAC_256", KmsKeyFamily.Hmac, 256, [GenerateVerifyMac], [], "HMAC_SHA_256"),
        new("HMAC_384", KmsKeyFamily.Hmac, 384, [GenerateVerifyMac], [], "HMAC_SHA_384"),
        new("HMAC_512", KmsKeyFamily.Hmac, 512, [GenerateVerifyMac], [], "HMAC_SHA_512"),
    }.ToFrozenDictionary(s => s.Name, StringComparer.Ordinal);

    /// <summary>The spec of an existing key (its name was validated when the key was made).</summary>
    public static KmsKeySpec Of(KmsKeyRecord key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return Emulated[key.Spec];
    }

    /// <summary>An emulated spec by name, or null (the caller decides between a validation error and "not emulated").</summary>
    public static KmsKeySpec? Find(string name) => Emulated.GetValueOrDefault(name);

    /// <summary>
    /// CreateKey's KeySpec/CustomerMasterKeySpec and KeyUsage, validated as KMS does: an unknown value is a
    /// ValidationException naming the enum; a usage the spec does not support is a ValidationException too.
    /// </summary>
    public static (KmsKeySpec Spec, string Usage) ForCreateKey(string? keySpec, string? customerMasterKeySpec, string? keyUsage)
    {
        if (keySpec is not null && customerMasterKeySpec is not null)
        {
            throw KmsErrors.Validation("You cannot specify both KeySpec and CustomerMasterKeySpec; use KeySpec (CustomerMasterKeySpec is deprecated).");
        }

        var specName = keySpec ?? customerMasterKeySpec ?? SymmetricDefault;
        if (customerMasterKeySpec is not null)
        {
            RequireEnum(specName, "customerMasterKeySpec", CustomerMasterKeySpecEnum);
        }
        else
        {
            RequireEnum(specName, "keySpec", KeySpecEnum);
        }

        var usage = keyUsage ?? EncryptDecrypt;
        RequireEnum(usage, "keyUsage", KeyUsageEnum);
        var spec = Find(specName)
            ?? throw KmsErrors.UnsupportedOperation($"LocalCloud does not emulate KeySpec {specName}; it emulates {string.Join(", ", Emulated.Keys.Order(StringComparer.Ordinal))}.");
        if (usage == KeyAgreement && spec.Family == KmsKeyFamily.Ecc && spec.Name != "ECC_SECG_P256K1")
        {
            throw KmsErrors.UnsupportedOperation($"LocalCloud does not emulate KeyUsage {KeyAgreement} (DeriveSharedSecret); use {SignVerify} for {spec.Name} keys.");
        }

        if (!spec.Usages.Contains(usage))
        {
            throw KmsErrors.Validation($"KeyUsage {usage} is not compatible with KeySpec {spec.Name}.");
        }

        return (spec, usage);
    }

    /// <summary>An enum member outside its value set: KMS's (Coral's) validation wording with the camel-case member name.</summary>
    public static void RequireEnum(string value, string member, IReadOnlyList<string> values)
    {
        if (!values.Contains(value))
        {
            throw KmsErrors.Validation($"1 validation error detected: Value '{value}' at '{member}' failed to satisfy constraint: Member must satisfy enum value set: [{string.Join(", ", values)}]");
        }
    }
}
