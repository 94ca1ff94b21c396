using System.Security.Cryptography;

namespace AmiShare.LocalCloud.Services.Kms;

/// <summary>
/// The cryptography of asymmetric and HMAC keys, as KMS documents it: RSASSA-PSS (salt length = digest length)
/// and PKCS #1 v1.5 signatures, ECDSA signatures DER-encoded (RFC 3279), RSAES-OAEP encryption, HMAC (RFC 2104).
/// RAW messages are hashed with the algorithm's digest; DIGEST messages are that digest already and must have its
/// length. Pure: keys come in as PKCS#8 or raw bytes, nothing is stored.
/// </summary>
internal static class KmsAsymmetricCrypto
{
    public const string Raw = "RAW";
    public const string Digest = "DIGEST";

    /// <summary>ML-DSA keys' pre-hashed message representative; LocalCloud has no ML-DSA keys.</summary>
    public const string ExternalMu = "EXTERNAL_MU";

    public static readonly IReadOnlyList<string> MessageTypeEnum = [Raw, Digest, ExternalMu];

    /// <summary>The hash of a signing or MAC algorithm: the name ends with its digest size.</summary>
    public static HashAlgorithmName HashOf(string algorithm) => algorithm[^3..] switch
    {
        "224" => new HashAlgorithmName("SHA224"),
        "256" => HashAlgorithmName.SHA256,
        "384" => HashAlgorithmName.SHA384,
        "512" => HashAlgorithmName.SHA512,
        _ => throw new ArgumentException($"{algorithm} names no digest.", nameof(algorithm)),
    };

    /// <summary>The digest to sign: RAW is hashed, DIGEST is checked for the algorithm's digest length (ValidationException).</summary>
    public static byte[] DigestToSign(string algorithm, string messageType, byte[] message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var hash = HashOf(algorithm);
        if (messageType == Raw)
        {
            return Hash(hash, message);
        }

        var expected = DigestLength(hash);
        if (message.Length != expected)
        {
            throw KmsErrors.Validation($"Digest is invalid length for algorithm {algorithm}: a {messageType} message for {algorithm} has {expected} bytes, this one has {message.Length}.");
        }

        return message;
    }

    public static byte[] Sign(KmsKeySpec spec, byte[] privateKey, string algorithm, byte[] digest)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.Family == KmsKeyFamily.Rsa)
        {
            using var rsa = RSA.Create();
            rsa.ImportPkcs8PrivateKey(privateKey, out _);
            return rsa.SignHash(digest, HashOf(algorithm), RsaPadding(algorithm));
        }

        using var ecdsa = ECDsa.Create();
        ecdsa.ImportPkcs8PrivateKey(privateKey, out _);
        return ecdsa.SignHash(digest, DSASignatureFormat.Rfc3279DerSequence);
    }

    /// <summary>Whether <paramref name="signature"/> is a valid signature of <paramref name="digest"/>; a malformed one is simply not.</summary>
    public static bool Verify(KmsKeySpec spec, byte[] privateKey, string algorithm, byte[] digest, byte[] signature)
    {
        ArgumentNullException.ThrowIfNull(spec);
        try
        {
            if (spec.Family == KmsKeyFamily.Rsa)
            {
                using var rsa = RSA.Create();
                rsa.ImportPkcs8PrivateKey(privateKey, out _);
                return rsa.VerifyHash(digest, signature, HashOf(algorithm), RsaPadding(algorithm));
            }

            using var ecdsa = ECDsa.Create();
            ecdsa.ImportPkcs8PrivateKey(privateKey, out _);
            return ecdsa.VerifyHash(digest, signature, DSASignatureFormat.Rfc3279DerSequence);
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    public static byte[] Mac(string macAlgorithm, byte[] key, byte[] message) => HashOf(macAlgorithm).Name switch
    {
        "SHA224" => KmsSha224.Hmac(key, message),
        "SHA256" => HMACSHA256.HashData(key, message),
        "SHA384" => HMACSHA384.HashData(key, message),
        _ => HMACSHA512.HashData(key, message),
    };

    /// <summary>RSAES-OAEP with SHA-1 or SHA-256 (MGF1 with the same hash), as KMS's RSAES_OAEP_SHA_1/256.</summary>
    public static byte[] RsaEncrypt(KmsKeySpec spec, byte[] privateKey, string algorithm, byte[] plaintext)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(plaintext);
        using var rsa = RSA.Create();
        rsa.ImportPkcs8PrivateKey(privateKey, out _);
        var padding = OaepPadding(algorithm);
        var hashLength = algorithm == KmsKeySpecs.RsaesOaepSha1 ? 20 : 32;
        var limit = (spec.Size / 8) - (2 * hashLength) - 2;
        if (plaintext.Length > limit)
        {
            throw KmsErrors.Validation($"Plaintext is too long: {algorithm} with a {spec.Name} key encrypts at most {limit} bytes, not {plaintext.Length}.");
        }

        return rsa.Encrypt(plaintext, padding);
    }

    /// <summary>The plaintext, or null when the ciphertext does not decrypt under this key and algorithm.</summary>
    public static byte[]? RsaDecrypt(byte[] privateKey, string algorithm, byte[] ciphertext)
    {
        try
        {
            using var rsa = RSA.Create();
            rsa.ImportPkcs8PrivateKey(privateKey, out _);
            return rsa.Decrypt(ciphertext, OaepPadding(algorithm));
        }
        catch (CryptographicException)
        {
            return null;
        }
    }

    private static RSAEncryptionPadding OaepPadding(string algorithm) =>
        algorithm == KmsKeySpecs.RsaesOaepSha1 ? RSAEncryptionPadding.OaepSHA1 : RSAEncryptionPadding.OaepSHA256;

    // .NET's PSS salt length is the digest length, which is what KMS uses.
    private static RSASignaturePadding RsaPadding(string algorithm) =>
        algorithm.StartsWith("RSASSA_PSS_", StringComparison.Ordinal) ? RSASignaturePadding.Pss : RSASignaturePadding.Pkcs1;

    private static int DigestLength(HashAlgorithmName hash) => hash.Name switch
    {
        "SHA224" => 28,
        "SHA256" => 32,
        "SHA384" => 48,
        _ => 64,
    };

    private static byte[] Hash(HashAlgorithmName hash, byte[] message) => hash.Name switch
    {
        "SHA256" => SHA256.HashData(message),
        "SHA384" => SHA384.HashData(message),
        _ => SHA512.HashData(message),
    };
}
