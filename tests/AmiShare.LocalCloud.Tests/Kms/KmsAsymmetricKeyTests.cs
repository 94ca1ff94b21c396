using System.Security.Cryptography;
using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using AmiShare.LocalCloud.Tests.Support;
using static AmiShare.LocalCloud.Tests.Kms.KmsTestKit;

namespace AmiShare.LocalCloud.Tests.Kms;

/// <summary>
/// Asymmetric and HMAC keys over the wire with the real SDK: CreateKey validation and DescribeKey metadata as AWS
/// documents them, Sign/Verify with every signing algorithm (checked independently with .NET's own crypto from
/// GetPublicKey), RAW versus DIGEST messages, and KMS's refusals.
/// </summary>
public sealed class KmsAsymmetricKeyTests
{
    private static readonly string[] RsaSigning =
        ["RSASSA_PKCS1_V1_5_SHA_256", "RSASSA_PKCS1_V1_5_SHA_384", "RSASSA_PKCS1_V1_5_SHA_512", "RSASSA_PSS_SHA_256", "RSASSA_PSS_SHA_384", "RSASSA_PSS_SHA_512"];

    /// <summary>Spec, usage, and the SigningAlgorithms / EncryptionAlgorithms / MacAlgorithms DescribeKey must list (empty = absent).</summary>
    public static TheoryData<string, string, string[], string[], string[]> MetadataCases => new()
    {
        { "SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT", [], ["SYMMETRIC_DEFAULT"], [] },
        { "RSA_2048", "ENCRYPT_DECRYPT", [], ["RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256"], [] },
        { "RSA_3072", "SIGN_VERIFY", RsaSigning, [], [] },
        { "ECC_NIST_P256", "SIGN_VERIFY", ["ECDSA_SHA_256"], [], [] },
        { "ECC_NIST_P384", "SIGN_VERIFY", ["ECDSA_SHA_384"], [], [] },
        { "ECC_NIST_P521", "SIGN_VERIFY", ["ECDSA_SHA_512"], [], [] },
        { "ECC_SECG_P256K1", "SIGN_VERIFY", ["ECDSA_SHA_256"], [], [] },
        { "HMAC_224", "GENERATE_VERIFY_MAC", [], [], ["HMAC_SHA_224"] },
        { "HMAC_512", "GENERATE_VERIFY_MAC", [], [], ["HMAC_SHA_512"] },
    };

    [Theory]
    [MemberData(nameof(MetadataCases))]
    public async Task CreateKey_SpecAndUsage_DescribeKeyListsTheAlgorithmsAwsLists(string spec, string usage, string[] signing, string[] encryption, string[] mac)
    {
        await using var server = await TestCloud.StartAsync();
        using var kms = Client(server, Images);

        var created = await CreateAsync(kms, spec, usage);
        var described = (await kms.DescribeKeyAsync(new DescribeKeyRequest { KeyId = created.KeyId }, TestCloud.Timeout)).KeyMetadata;

        foreach (var metadata in new[] { created, described })
        {
            Assert.Equal(spec, metadata.KeySpec.Value);
#pragma warning disable CS0618 // AWS still returns the deprecated CustomerMasterKeySpec, equal to KeySpec: that is what is checked.
            Assert.Equal(spec, metadata.CustomerMasterKeySpec.Value);
#pragma warning restore CS0618
            Assert.Equal(usage, metadata.KeyUsage.Value);
            Assert.Equal(signing.Order(StringComparer.Ordinal), (metadata.SigningAlgorithms ?? []).Order(StringComparer.Ordinal));
            Assert.Equal(encryption.Order(StringComparer.Ordinal), (metadata.EncryptionAlgorithms ?? []).Order(StringComparer.Ordinal));
            Assert.Equal(mac, metadata.MacAlgorithms ?? []);
        }
    }

    /// <summary>KeySpec (or CustomerMasterKeySpec) and KeyUsage that KMS refuses, and the error it gives.</summary>
    public static TheoryData<string?, string?, string> InvalidCreateKeyCases => new()
    {
        { "ECC_NIST_P256", "ENCRYPT_DECRYPT", "ValidationException" },
        { "ECC_NIST_P256", null, "ValidationException" },
        { "SYMMETRIC_DEFAULT", "SIGN_VERIFY", "ValidationException" },
        { "HMAC_256", null, "ValidationException" },
        { "RSA_2048", "GENERATE_VERIFY_MAC", "ValidationException" },
        { "NotSupportedKeySpec", null, "ValidationException" },
        { "RSA_2048", "NOT_A_USAGE", "ValidationException" },
        { "SM2", "SIGN_VERIFY", "UnsupportedOperationException" },
    };

    [Theory]
    [MemberData(nameof(InvalidCreateKeyCases))]
    public async Task CreateKey_InvalidSpecOrUsage_RefusedWithKmsError(string? spec, string? usage, string code)
    {
        await using var server = await TestCloud.StartAsync();
        using var kms = Client(server, Images);

        var error = await Assert.ThrowsAnyAsync<AmazonKeyManagementServiceException>(() => CreateAsync(kms, spec, usage));

        Assert.Equal(code, error.ErrorCode);
        Assert.Empty((await kms.ListKeysAsync(new ListKeysRequest(), TestCloud.Timeout)).Keys ?? []);
    }

    [Fact]
#pragma warning disable CS0618 // The deprecated member is what this test sends and reads.
    public async Task CreateKey_DeprecatedCustomerMasterKeySpec_SetsBothSpecFields()
    {
        await using var server = await TestCloud.StartAsync();
        using var kms = Client(server, Images);

        var key = (await kms.CreateKeyAsync(new CreateKeyRequest { CustomerMasterKeySpec = CustomerMasterKeySpec.ECC_NIST_P521, KeyUsage = KeyUsageType.SIGN_VERIFY }, TestCloud.Timeout)).KeyMetadata;

        Assert.Equal("ECC_NIST_P521", key.KeySpec.Value);
        Assert.Equal("ECC_NIST_P521", key.CustomerMasterKeySpec.Value);
        Assert.Equal(["ECDSA_SHA_512"], key.SigningAlgorithms);
    }
#pragma warning restore CS0618

    public static TheoryData<string, string> SigningCases => new()
    {
        { "RSA_2048", "RSASSA_PSS_SHA_256" },
        { "RSA_2048", "RSASSA_PSS_SHA_384" },
        { "RSA_2048", "RSASSA_PSS_SHA_512" },
        { "RSA_2048", "RSASSA_PKCS1_V1_5_SHA_256" },
        { "RSA_2048", "RSASSA_PKCS1_V1_5_SHA_384" },
        { "RSA_2048", "RSASSA_PKCS1_V1_5_SHA_512" },
        { "RSA_3072", "RSASSA_PSS_SHA_384" },
        { "RSA_4096", "RSASSA_PKCS1_V1_5_SHA_512" },
        { "ECC_NIST_P256", "ECDSA_SHA_256" },
        { "ECC_NIST_P384", "ECDSA_SHA_384" },
        { "ECC_NIST_P521", "ECDSA_SHA_512" },
        { "ECC_SECG_P256K1", "ECDSA_SHA_256" },
    };

    [Theory]
    [MemberData(nameof(SigningCases))]
    public async Task Sign_RawMessage_VerifiesWithDotNetFromGetPublicKeyAndWithKmsVerify(string spec, string algorithm)
    {
        await using var server = await TestCloud.StartAsync();
        using var kms = Client(server, Images);
        var key = await CreateAsync(kms, spec, "SIGN_VERIFY");
        var message = "sign me, then check me elsewhere"u8.ToArray();

        var signed = await kms.SignAsync(new SignRequest { KeyId = key.KeyId, Message = new MemoryStream(message), SigningAlgorithm = algorithm }, TestCloud.Timeout);
        var publicKey = await kms.GetPublicKeyAsync(new GetPublicKeyRequest { KeyId = key.Arn }, TestCloud.Timeout);

        Assert.Equal(key.Arn, signed.KeyId);
        Assert.Equal(algorithm, signed.SigningAlgorithm.Value);
        Assert.Equal(spec, publicKey.KeySpec.Value);
        Assert.Equal("SIGN_VERIFY", publicKey.KeyUsage.Value);
        Assert.Contains(algorithm, publicKey.SigningAlgorithms);
        Assert.Null(publicKey.EncryptionAlgorithms);
        var signature = signed.Signature.ToArray();
        Assert.True(VerifyWithDotNet(publicKey.PublicKey.ToArray(), algorithm, message, signature, isDigest: false));
        Assert.False(VerifyWithDotNet(publicKey.PublicKey.ToArray(), algorithm, [.. message, 0x21], signature, isDigest: false));
        var verified = await kms.VerifyAsync(new VerifyRequest { KeyId = key.KeyId, Message = new MemoryStream(message), Signature = new MemoryStream(signature), SigningAlgorithm = algorithm }, TestCloud.Timeout);
        Assert.True(verified.SignatureValid);
        Assert.Equal(key.Arn, verified.KeyId);
    }

    public static TheoryData<string, string, int> DigestCases => new()
    {
        { "RSA_2048", "RSASSA_PSS_SHA_256", 32 },
        { "RSA_2048", "RSASSA_PKCS1_V1_5_SHA_384", 48 },
        { "ECC_NIST_P521", "ECDSA_SHA_512", 64 },
        { "ECC_SECG_P256K1", "ECDSA_SHA_256", 32 },
    };

    [Theory]
    [MemberData(nameof(DigestCases))]
    public async Task Sign_DigestMessage_SignsTheDigestAsIsAndVerifiesOnlyAsDigest(string spec, string algorithm, int digestLength)
    {
        await using var server = await TestCloud.StartAsync();
        using var kms = Client(server, Images);
        var key = await CreateAsync(kms, spec, "SIGN_VERIFY");
        var digest = RandomNumberGenerator.GetBytes(digestLength);

        var signed = await kms.SignAsync(new SignRequest { KeyId = key.KeyId, Message = new MemoryStream(digest), MessageType = MessageType.DIGEST, SigningAlgorithm = algorithm }, TestCloud.Timeout);
        var publicKey = (await kms.GetPublicKeyAsync(new GetPublicKeyRequest { KeyId = key.KeyId }, TestCloud.Timeout)).PublicKey.ToArray();
        var signature = signed.Signature.ToArray();

        Assert.True(VerifyWithDotNet(publicKey, algorithm, digest, signature, isDigest: true));
        var asDigest = await kms.VerifyAsync(new VerifyRequest { KeyId = key.KeyId, Message = new MemoryStream(digest), MessageType = MessageType.DIGEST, Signature = new MemoryStream(signature), SigningAlgorithm = algorithm }, TestCloud.Timeout);
        Assert.True(asDigest.SignatureValid);
        // As RAW, KMS hashes the bytes again: the signature is of another digest, so AWS says it is invalid.
        await Assert.ThrowsAsync<KMSInvalidSignatureException>(() =>
            kms.VerifyAsync(new VerifyRequest { KeyId = key.KeyId, Message = new MemoryStream(digest), MessageType = MessageType.RAW, Signature = new MemoryStream(signature), SigningAlgorithm = algorithm }, TestCloud.Timeout));
    }

    [Theory]
    [InlineData("RSA_2048", "RSASSA_PSS_SHA_384", 32)]
    [InlineData("ECC_NIST_P256", "ECDSA_SHA_256", 48)]
    public async Task Sign_DigestOfAnotherLength_ValidationException(string spec, string algorithm, int length)
    {
        await using var server = await TestCloud.StartAsync();
        using var kms = Client(server, Images);
        var key = await CreateAsync(kms, spec, "SIGN_VERIFY");

        var error = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() =>
            kms.SignAsync(new SignRequest { KeyId = key.KeyId, Message = new MemoryStream(new byte[length]), MessageType = MessageType.DIGEST, SigningAlgorithm = algorithm }, TestCloud.Timeout));

        Assert.Equal("ValidationException", error.ErrorCode);
        Assert.Contains(algorithm, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("RSASSA_PSS_SHA_256", "RSASSA_PSS_SHA_512")]
    [InlineData("RSASSA_PSS_SHA_256", "RSASSA_PKCS1_V1_5_SHA_256")]
    public async Task Verify_TamperedMessageOrOtherAlgorithm_KmsInvalidSignatureException(string signedWith, string verifiedWith)
    {
        await using var server = await TestCloud.StartAsync();
        using var kms = Client(server, Images);
        var key = await CreateAsync(kms, "RSA_2048", "SIGN_VERIFY");
        var signature = (await kms.SignAsync(new SignRequest { KeyId = key.KeyId, Message = Bytes("original"), SigningAlgorithm = signedWith }, TestCloud.Timeout)).Signature.ToArray();

        await Assert.ThrowsAsync<KMSInvalidSignatureException>(() =>
            kms.VerifyAsync(new VerifyRequest { KeyId = key.KeyId, Message = Bytes("tampered"), Signature = new MemoryStream(signature), SigningAlgorithm = signedWith }, TestCloud.Timeout));
        await Assert.ThrowsAsync<KMSInvalidSignatureException>(() =>
            kms.VerifyAsync(new VerifyRequest { KeyId = key.KeyId, Message = Bytes("original"), Signature = new MemoryStream(signature), SigningAlgorithm = verifiedWith }, TestCloud.Timeout));
        await Assert.ThrowsAsync<KMSInvalidSignatureException>(() =>
            kms.VerifyAsync(new VerifyRequest { KeyId = key.KeyId, Message = Bytes("original"), Signature = Bytes("not a signature"), SigningAlgorithm = signedWith }, TestCloud.Timeout));
    }

    [Fact]
    public async Task Sign_EmptyMessage_ValidationExceptionNamingTheMember()
    {
        await using var server = await TestCloud.StartAsync();
        using var kms = Client(server, Images);
        var key = await CreateAsync(kms, "RSA_2048", "SIGN_VERIFY");

        var error = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() =>
            kms.SignAsync(new SignRequest { KeyId = key.KeyId, Message = new MemoryStream(), SigningAlgorithm = SigningAlgorithmSpec.RSASSA_PSS_SHA_256 }, TestCloud.Timeout));

        Assert.Equal("ValidationException", error.ErrorCode);
        Assert.Equal("1 validation error detected: Value at 'message' failed to satisfy constraint: Member must have length greater than or equal to 1", error.Message);
    }

    internal static async Task<KeyMetadata> CreateAsync(AmazonKeyManagementServiceClient kms, string? spec, string? usage)
    {
        var request = new CreateKeyRequest { Description = "asymmetric test key" };
        if (spec is not null)
        {
            request.KeySpec = spec;
        }

        if (usage is not null)
        {
            request.KeyUsage = usage;
        }

        return (await kms.CreateKeyAsync(request, TestCloud.Timeout)).KeyMetadata;
    }

    /// <summary>Verifies with .NET's own RSA/ECDsa from the DER public key: no LocalCloud code involved.</summary>
    private static bool VerifyWithDotNet(byte[] subjectPublicKeyInfo, string algorithm, byte[] data, byte[] signature, bool isDigest)
    {
        var hash = algorithm[^3..] switch
        {
            "256" => HashAlgorithmName.SHA256,
            "384" => HashAlgorithmName.SHA384,
            _ => HashAlgorithmName.SHA512,
        };
        if (algorithm.StartsWith("ECDSA", StringComparison.Ordinal))
        {
            using var ecdsa = ECDsa.Create();
            ecdsa.ImportSubjectPublicKeyInfo(subjectPublicKeyInfo, out _);
            return isDigest
                ? ecdsa.VerifyHash(data, signature, DSASignatureFormat.Rfc3279DerSequence)
                : ecdsa.VerifyData(data, signature, hash, DSASignatureFormat.Rfc3279DerSequence);
        }

        using var rsa = RSA.Create();
        rsa.ImportSubjectPublicKeyInfo(subjectPublicKeyInfo, out _);
        var padding = algorithm.Contains("PSS", StringComparison.Ordinal) ? RSASignaturePadding.Pss : RSASignaturePadding.Pkcs1;
        return isDigest ? rsa.VerifyHash(data, signature, hash, padding) : rsa.VerifyData(data, signature, hash, padding);
    }
}
