using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using AmiShare.LocalCloud.Services.Kms;
using AmiShare.LocalCloud.Tests.CloudTrail;
using AmiShare.LocalCloud.Tests.Support;
using static AmiShare.LocalCloud.Tests.Kms.KmsAsymmetricKeyTests;
using static AmiShare.LocalCloud.Tests.Kms.KmsTestKit;

namespace AmiShare.LocalCloud.Tests.Kms;

/// <summary>
/// HMAC keys (GenerateMac/VerifyMac), RSA encryption keys (RSAES-OAEP), GenerateDataKeyPair, the refusals of an
/// operation on a key of the wrong usage, and the policy engine and CloudTrail on the new operations.
/// </summary>
public sealed class KmsMacAndAsymmetricEncryptionTests
{
    public static TheoryData<string, string, int> MacCases => new()
    {
        { "HMAC_224", "HMAC_SHA_224", 28 },
        { "HMAC_256", "HMAC_SHA_256", 32 },
        { "HMAC_384", "HMAC_SHA_384", 48 },
        { "HMAC_512", "HMAC_SHA_512", 64 },
    };

    [Theory]
    [MemberData(nameof(MacCases))]
    public async Task GenerateMac_HmacKey_VerifyMacAcceptsItAndRefusesATamperedMessage(string spec, string algorithm, int length)
    {
        await using var server = await TestCloud.StartAsync();
        using var kms = Client(server, Images);
        var key = await CreateAsync(kms, spec, "GENERATE_VERIFY_MAC");

        var mac = await kms.GenerateMacAsync(new GenerateMacRequest { KeyId = key.KeyId, Message = Bytes("authentic"), MacAlgorithm = algorithm }, TestCloud.Timeout);
        var again = await kms.GenerateMacAsync(new GenerateMacRequest { KeyId = key.Arn, Message = Bytes("authentic"), MacAlgorithm = algorithm }, TestCloud.Timeout);

        Assert.Equal(length, mac.Mac.Length);
        Assert.Equal(mac.Mac.ToArray(), again.Mac.ToArray());
        Assert.Equal(key.Arn, mac.KeyId);
        var verified = await kms.VerifyMacAsync(new VerifyMacRequest { KeyId = key.KeyId, Message = Bytes("authentic"), Mac = new MemoryStream(mac.Mac.ToArray()), MacAlgorithm = algorithm }, TestCloud.Timeout);
        Assert.True(verified.MacValid);
        await Assert.ThrowsAsync<KMSInvalidMacException>(() =>
            kms.VerifyMacAsync(new VerifyMacRequest { KeyId = key.KeyId, Message = Bytes("forged"), Mac = new MemoryStream(mac.Mac.ToArray()), MacAlgorithm = algorithm }, TestCloud.Timeout));
    }

    /// <summary>RFC 4231 test cases 1, 2 and 6 for HMAC-SHA-224, and FIPS 180-4's SHA-224 examples.</summary>
    [Theory]
    [InlineData("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "Hi There", "896fb1128abbdf196832107cd49df33f47b4b1169912ba4f53684b22")]
    [InlineData("4a656665", "what do ya want for nothing?", "a30e01098bc6dbbf45690f3a7e9e6d0f8bbea2a39e6148008fd05e44")]
    [InlineData(null, "Test Using Larger Than Block-Size Key - Hash Key First", "95e9a0db962095adaebe9b2d6f0dbce2d499f112f2d2b7273fa6870e")]
    public void Sha224Hmac_Rfc4231Vectors_Match(string? keyHex, string data, string expected)
    {
        var key = keyHex is null ? Enumerable.Repeat((byte)0xaa, 131).ToArray() : Convert.FromHexString(keyHex);

        Assert.Equal(expected, Convert.ToHexStringLower(KmsSha224.Hmac(key, System.Text.Encoding.ASCII.GetBytes(data))));
        Assert.Equal("23097d223405d8228642a477bda255b32aadbce4bda0b3f7e36c9da7", Convert.ToHexStringLower(KmsSha224.Hash("abc"u8)));
        Assert.Equal("d14a028c2a3a2bc9476102bb288234c415a2b01f828ea62ac5b3e42f", Convert.ToHexStringLower(KmsSha224.Hash([])));
    }

    [Theory]
    [InlineData("RSA_2048", "RSAES_OAEP_SHA_256")]
    [InlineData("RSA_3072", "RSAES_OAEP_SHA_1")]
    public async Task Decrypt_CiphertextMadeByDotNetWithThePublicKey_ReturnsThePlaintext(string spec, string algorithm)
    {
        await using var server = await TestCloud.StartAsync();
        using var kms = Client(server, Images);
        var key = await CreateAsync(kms, spec, "ENCRYPT_DECRYPT");
        var publicKey = await kms.GetPublicKeyAsync(new GetPublicKeyRequest { KeyId = key.KeyId }, TestCloud.Timeout);
        using var rsa = RSA.Create();
        rsa.ImportSubjectPublicKeyInfo(publicKey.PublicKey.ToArray(), out _);
        var padding = algorithm == "RSAES_OAEP_SHA_1" ? RSAEncryptionPadding.OaepSHA1 : RSAEncryptionPadding.OaepSHA256;
        var outside = rsa.Encrypt("sealed outside KMS"u8.ToArray(), padding);

        var decrypted = await kms.DecryptAsync(new DecryptRequest { KeyId = key.KeyId, CiphertextBlob = new MemoryStream(outside), EncryptionAlgorithm = algorithm }, TestCloud.Timeout);
        var encrypted = await kms.EncryptAsync(new EncryptRequest { KeyId = key.KeyId, Plaintext = Bytes("sealed by KMS"), EncryptionAlgorithm = algorithm }, TestCloud.Timeout);
        var roundTrip = await kms.DecryptAsync(new DecryptRequest { KeyId = key.Arn, CiphertextBlob = encrypted.CiphertextBlob, EncryptionAlgorithm = algorithm }, TestCloud.Timeout);

        Assert.Equal(["RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256"], publicKey.EncryptionAlgorithms.Order(StringComparer.Ordinal));
        Assert.Equal("sealed outside KMS", Text(decrypted.Plaintext));
        Assert.Equal(algorithm, decrypted.EncryptionAlgorithm.Value);
        Assert.Equal(algorithm, encrypted.EncryptionAlgorithm.Value);
        Assert.Equal("sealed by KMS", Text(roundTrip.Plaintext));
        var other = algorithm == "RSAES_OAEP_SHA_1" ? "RSAES_OAEP_SHA_256" : "RSAES_OAEP_SHA_1";
        await Assert.ThrowsAsync<InvalidCiphertextException>(() =>
            kms.DecryptAsync(new DecryptRequest { KeyId = key.KeyId, CiphertextBlob = new MemoryStream(outside), EncryptionAlgorithm = other }, TestCloud.Timeout));
    }

    [Fact]
    public async Task GenerateDataKeyPair_SymmetricKey_PrivateKeyMatchesPublicKeyAndDecryptsFromTheBlob()
    {
        await using var server = await TestCloud.StartAsync();
        using var kms = Client(server, Images);
        var key = await CreateKeyAsync(kms);
        var context = new Dictionary<string, string> { ["purpose"] = "pair" };

        var pair = await kms.GenerateDataKeyPairAsync(new GenerateDataKeyPairRequest { KeyId = key.KeyId, KeyPairSpec = DataKeyPairSpec.ECC_NIST_P256, EncryptionContext = context }, TestCloud.Timeout);
        var withoutPlaintext = await kms.GenerateDataKeyPairWithoutPlaintextAsync(new GenerateDataKeyPairWithoutPlaintextRequest { KeyId = key.KeyId, KeyPairSpec = DataKeyPairSpec.RSA_2048 }, TestCloud.Timeout);
        var unwrapped = await kms.DecryptAsync(new DecryptRequest { CiphertextBlob = pair.PrivateKeyCiphertextBlob, EncryptionContext = context }, TestCloud.Timeout);

        Assert.Equal(pair.PrivateKeyPlaintext.ToArray(), unwrapped.Plaintext.ToArray());
        using var ecdsa = ECDsa.Create();
        ecdsa.ImportPkcs8PrivateKey(pair.PrivateKeyPlaintext.ToArray(), out _);
        Assert.Equal(pair.PublicKey.ToArray(), ecdsa.ExportSubjectPublicKeyInfo());
        Assert.Equal("ECC_NIST_P256", pair.KeyPairSpec.Value);
        Assert.Equal(key.Arn, pair.KeyId);
        Assert.Equal(key.Arn, withoutPlaintext.KeyId);
        using var rsa = RSA.Create();
        rsa.ImportSubjectPublicKeyInfo(withoutPlaintext.PublicKey.ToArray(), out _);
        Assert.Equal(2048, rsa.KeySize);
    }

    /// <summary>An operation on a key whose usage or spec does not allow it, and the error AWS documents.</summary>
    public static TheoryData<string, string, string, string> WrongKeyCases => new()
    {
        { "RSA_2048", "ENCRYPT_DECRYPT", "Sign", "InvalidKeyUsageException" },
        { "ECC_NIST_P256", "SIGN_VERIFY", "SignSha384", "InvalidKeyUsageException" },
        { "ECC_NIST_P256", "SIGN_VERIFY", "Encrypt", "InvalidKeyUsageException" },
        { "RSA_2048", "ENCRYPT_DECRYPT", "EncryptSymmetricDefault", "InvalidKeyUsageException" },
        { "RSA_2048", "ENCRYPT_DECRYPT", "GenerateDataKey", "InvalidKeyUsageException" },
        { "HMAC_256", "GENERATE_VERIFY_MAC", "Encrypt", "InvalidKeyUsageException" },
        { "HMAC_256", "GENERATE_VERIFY_MAC", "GenerateMacSha512", "InvalidKeyUsageException" },
        { "SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT", "GenerateMac", "InvalidKeyUsageException" },
        { "SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT", "Sign", "InvalidKeyUsageException" },
        { "SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT", "GetPublicKey", "UnsupportedOperationException" },
        { "HMAC_256", "GENERATE_VERIFY_MAC", "GetPublicKey", "UnsupportedOperationException" },
        { "RSA_2048", "SIGN_VERIFY", "EnableKeyRotation", "UnsupportedOperationException" },
        { "RSA_2048", "SIGN_VERIFY", "GenerateDataKeyPair", "InvalidKeyUsageException" },
    };

    [Theory]
    [MemberData(nameof(WrongKeyCases))]
    public async Task Operation_KeyOfWrongUsageOrSpec_RefusedWithKmsError(string spec, string usage, string operation, string code)
    {
        await using var server = await TestCloud.StartAsync();
        using var kms = Client(server, Images);
        var key = (await CreateAsync(kms, spec, usage)).KeyId;

        var error = await Assert.ThrowsAnyAsync<AmazonKeyManagementServiceException>(() => operation switch
        {
            "Sign" => kms.SignAsync(new SignRequest { KeyId = key, Message = Bytes("m"), SigningAlgorithm = SigningAlgorithmSpec.RSASSA_PSS_SHA_256 }, TestCloud.Timeout),
            "SignSha384" => kms.SignAsync(new SignRequest { KeyId = key, Message = Bytes("m"), SigningAlgorithm = SigningAlgorithmSpec.ECDSA_SHA_384 }, TestCloud.Timeout),
            "Encrypt" => kms.EncryptAsync(new EncryptRequest { KeyId = key, Plaintext = Bytes("m") }, TestCloud.Timeout),
            "EncryptSymmetricDefault" => kms.EncryptAsync(new EncryptRequest { KeyId = key, Plaintext = Bytes("m"), EncryptionAlgorithm = EncryptionAlgorithmSpec.SYMMETRIC_DEFAULT }, TestCloud.Timeout),
            "GenerateDataKey" => kms.GenerateDataKeyAsync(new GenerateDataKeyRequest { KeyId = key, KeySpec = DataKeySpec.AES_256 }, TestCloud.Timeout),
            "GenerateMac" => kms.GenerateMacAsync(new GenerateMacRequest { KeyId = key, Message = Bytes("m"), MacAlgorithm = MacAlgorithmSpec.HMAC_SHA_256 }, TestCloud.Timeout),
            "GenerateMacSha512" => kms.GenerateMacAsync(new GenerateMacRequest { KeyId = key, Message = Bytes("m"), MacAlgorithm = MacAlgorithmSpec.HMAC_SHA_512 }, TestCloud.Timeout),
            "GetPublicKey" => kms.GetPublicKeyAsync(new GetPublicKeyRequest { KeyId = key }, TestCloud.Timeout),
            "EnableKeyRotation" => kms.EnableKeyRotationAsync(new EnableKeyRotationRequest { KeyId = key }, TestCloud.Timeout),
            "GenerateDataKeyPair" => kms.GenerateDataKeyPairAsync(new GenerateDataKeyPairRequest { KeyId = key, KeyPairSpec = DataKeyPairSpec.RSA_2048 }, TestCloud.Timeout),
            _ => throw new ArgumentOutOfRangeException(nameof(operation), operation, null),
        });

        Assert.Equal(code, error.ErrorCode);
    }

    [Fact]
    public async Task Sign_UserAllowedSignWithAlgorithmCondition_OtherAlgorithmAndVerifyAndGetPublicKeyDenied()
    {
        await using var server = await TestCloud.StartAsync();
        using var root = Client(server, Images);
        var key = await CreateAsync(root, "RSA_2048", "SIGN_VERIFY");
        var policy = """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:Sign","Resource":"KEY_ARN","Condition":{"StringEquals":{"kms:SigningAlgorithm":"RSASSA_PSS_SHA_256","kms:KeySpec":"RSA_2048"}}}]}"""
            .Replace("KEY_ARN", key.Arn, StringComparison.Ordinal);
        using var user = Client(server, await UserAsync(server, Images, "signer", policy));

        var signed = await user.SignAsync(new SignRequest { KeyId = key.KeyId, Message = Bytes("m"), SigningAlgorithm = SigningAlgorithmSpec.RSASSA_PSS_SHA_256 }, TestCloud.Timeout);
        var otherAlgorithm = await Assert.ThrowsAnyAsync<AmazonKeyManagementServiceException>(() =>
            user.SignAsync(new SignRequest { KeyId = key.KeyId, Message = Bytes("m"), SigningAlgorithm = SigningAlgorithmSpec.RSASSA_PKCS1_V1_5_SHA_256 }, TestCloud.Timeout));
        var verify = await Assert.ThrowsAnyAsync<AmazonKeyManagementServiceException>(() =>
            user.VerifyAsync(new VerifyRequest { KeyId = key.KeyId, Message = Bytes("m"), Signature = signed.Signature, SigningAlgorithm = SigningAlgorithmSpec.RSASSA_PSS_SHA_256 }, TestCloud.Timeout));
        var publicKey = await Assert.ThrowsAnyAsync<AmazonKeyManagementServiceException>(() =>
            user.GetPublicKeyAsync(new GetPublicKeyRequest { KeyId = key.KeyId }, TestCloud.Timeout));

        Assert.Equal("AccessDeniedException", otherAlgorithm.ErrorCode);
        Assert.Contains("kms:Sign", otherAlgorithm.Message, StringComparison.Ordinal);
        Assert.Equal("AccessDeniedException", verify.ErrorCode);
        Assert.Contains("kms:Verify", verify.Message, StringComparison.Ordinal);
        Assert.Equal("AccessDeniedException", publicKey.ErrorCode);
        Assert.Contains("kms:GetPublicKey", publicKey.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GenerateMac_CrossAccountWithKeyPolicy_AllowedAndRecordedInBothAccountsTrails()
    {
        await using var server = await TestCloud.StartAsync();
        using var owner = Client(server, Images);
        var key = (await owner.CreateKeyAsync(new CreateKeyRequest { KeySpec = KeySpec.HMAC_256, KeyUsage = KeyUsageType.GENERATE_VERIFY_MAC, Policy = KeyPolicy(Images, AllowAccount(Prod, "kms:GenerateMac")) }, TestCloud.Timeout)).KeyMetadata;
        using var partner = Client(server, Prod);

        var mac = await partner.GenerateMacAsync(new GenerateMacRequest { KeyId = key.Arn, Message = Bytes("m"), MacAlgorithm = MacAlgorithmSpec.HMAC_SHA_256 }, TestCloud.Timeout);
        var verify = await Assert.ThrowsAnyAsync<AmazonKeyManagementServiceException>(() =>
            partner.VerifyMacAsync(new VerifyMacRequest { KeyId = key.Arn, Message = Bytes("m"), Mac = mac.Mac, MacAlgorithm = MacAlgorithmSpec.HMAC_SHA_256 }, TestCloud.Timeout));

        Assert.Equal("AccessDeniedException", verify.ErrorCode);
        foreach (var account in new[] { Prod, Images })
        {
            var events = (await SignedJsonClient.CloudTrail(server, account).LookupAsync("EventName", "GenerateMac")).Events();
            var record = Assert.Single(events).Record();
            Assert.Equal("true", record.Text("readOnly"));
            Assert.Equal(Prod, record.Text("userIdentity.accountId"));
            Assert.Contains(key.Arn, ((JsonArray)record["resources"]!).Select(r => r.Text("ARN")));
        }
    }
}
