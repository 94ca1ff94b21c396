using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using AmiShare.LocalCloud.Tests.Support;
using static AmiShare.LocalCloud.Tests.Kms.KmsTestKit;

namespace AmiShare.LocalCloud.Tests.Kms;

public sealed class KmsCryptoTests
{
    private static readonly Dictionary<string, string> Context = new() { ["aws:ebs:id"] = "vol-0123456789abcdef0", ["purpose"] = "test" };

    [Fact]
    public async Task EncryptDecrypt_SameContext_RoundTrips()
    {
        await using var server = await TestCloud.StartAsync();
        using var kms = Client(server, Images);
        var key = await CreateKeyAsync(kms);

        var encrypted = await kms.EncryptAsync(new EncryptRequest { KeyId = key.KeyId, Plaintext = Bytes("secret"), EncryptionContext = Context }, TestCloud.Timeout);
        var decrypted = await kms.DecryptAsync(new DecryptRequest { CiphertextBlob = encrypted.CiphertextBlob, EncryptionContext = new(Context) }, TestCloud.Timeout);

        Assert.Equal(key.Arn, encrypted.KeyId);
        Assert.Equal(EncryptionAlgorithmSpec.SYMMETRIC_DEFAULT, encrypted.EncryptionAlgorithm);
        Assert.DoesNotContain("secret", System.Text.Encoding.UTF8.GetString(encrypted.CiphertextBlob.ToArray()), StringComparison.Ordinal);
        Assert.Equal("secret", Text(decrypted.Plaintext));
        Assert.Equal(key.Arn, decrypted.KeyId);
    }

    [Fact]
    public async Task Encrypt_SamePlaintextTwice_DifferentCiphertexts()
    {
        await using var server = await TestCloud.StartAsync();
        using var kms = Client(server, Images);
        var key = await CreateKeyAsync(kms);

        var a = await kms.EncryptAsync(new EncryptRequest { KeyId = key.KeyId, Plaintext = Bytes("same") }, TestCloud.Timeout);
        var b = await kms.EncryptAsync(new EncryptRequest { KeyId = key.KeyId, Plaintext = Bytes("same") }, TestCloud.Timeout);

        Assert.NotEqual(a.CiphertextBlob.ToArray(), b.CiphertextBlob.ToArray());
    }

    [Theory]
    [InlineData("vol-0123456789abcdef1", "test")]
    [InlineData("vol-0123456789abcdef0", "Test")]
    [InlineData(null, "test")]
    public async Task Decrypt_WrongEncryptionContext_InvalidCiphertextException(string? volume, string purpose)
    {
        await using var server = await TestCloud.StartAsync();
        using var kms = Client(server, Images);
        var key = await CreateKeyAsync(kms);
        var encrypted = await kms.EncryptAsync(new EncryptRequest { KeyId = key.KeyId, Plaintext = Bytes("secret"), EncryptionContext = Context }, TestCloud.Timeout);
        var wrong = new Dictionary<string, string> { ["purpose"] = purpose };
        if (volume is not null)
        {
            wrong["aws:ebs:id"] = volume;
        }

        await Assert.ThrowsAsync<InvalidCiphertextException>(() =>
            kms.DecryptAsync(new DecryptRequest { CiphertextBlob = encrypted.CiphertextBlob, EncryptionContext = wrong }, TestCloud.Timeout));
    }

    [Fact]
    public async Task Decrypt_TamperedOrGarbageBlob_InvalidCiphertextException()
    {
        await using var server = await TestCloud.StartAsync();
        using var kms = Client(server, Images);
        var key = await CreateKeyAsync(kms);
        var encrypted = (await kms.EncryptAsync(new EncryptRequest { KeyId = key.KeyId, Plaintext = Bytes("secret") }, TestCloud.Timeout)).CiphertextBlob.ToArray();
        encrypted[^1] ^= 0x01;

        await Assert.ThrowsAsync<InvalidCiphertextException>(() => kms.DecryptAsync(new DecryptRequest { CiphertextBlob = new MemoryStream(encrypted) }, TestCloud.Timeout));
        await Assert.ThrowsAsync<InvalidCiphertextException>(() => kms.DecryptAsync(new DecryptRequest { CiphertextBlob = Bytes("not a kms blob at all, really") }, TestCloud.Timeout));
    }

    [Fact]
    public async Task Decrypt_KeyIdOfAnotherKey_IncorrectKeyException()
    {
        await using var server = await TestCloud.StartAsync();
        using var kms = Client(server, Images);
        var first = await CreateKeyAsync(kms);
        var second = await CreateKeyAsync(kms);
        var encrypted = await kms.EncryptAsync(new EncryptRequest { KeyId = first.KeyId, Plaintext = Bytes("secret") }, TestCloud.Timeout);

        await Assert.ThrowsAsync<IncorrectKeyException>(() =>
            kms.DecryptAsync(new DecryptRequest { CiphertextBlob = encrypted.CiphertextBlob, KeyId = second.KeyId }, TestCloud.Timeout));
        var right = await kms.DecryptAsync(new DecryptRequest { CiphertextBlob = new MemoryStream(encrypted.CiphertextBlob.ToArray()), KeyId = first.Arn }, TestCloud.Timeout);
        Assert.Equal("secret", Text(right.Plaintext));
    }

    [Fact]
    public async Task Encrypt_AsymmetricAlgorithm_InvalidKeyUsageException()
    {
        await using var server = await TestCloud.StartAsync();
        using var kms = Client(server, Images);
        var key = await CreateKeyAsync(kms);

        await Assert.ThrowsAsync<InvalidKeyUsageException>(() => kms.EncryptAsync(
            new EncryptRequest { KeyId = key.KeyId, Plaintext = Bytes("x"), EncryptionAlgorithm = EncryptionAlgorithmSpec.RSAES_OAEP_SHA_256 },
            TestCloud.Timeout));
    }

    [Fact]
    public async Task GenerateDataKey_PlaintextDecryptsFromItsBlob()
    {
        await using var server = await TestCloud.StartAsync();
        using var kms = Client(server, Images);
        var key = await CreateKeyAsync(kms);

        var dataKey = await kms.GenerateDataKeyAsync(new GenerateDataKeyRequest { KeyId = key.KeyId, KeySpec = DataKeySpec.AES_256, EncryptionContext = Context }, TestCloud.Timeout);
        var decrypted = await kms.DecryptAsync(new DecryptRequest { CiphertextBlob = dataKey.CiphertextBlob, EncryptionContext = new(Context) }, TestCloud.Timeout);

        Assert.Equal(32, dataKey.Plaintext.Length);
        Assert.Equal(dataKey.Plaintext.ToArray(), decrypted.Plaintext.ToArray());
        Assert.Equal(key.Arn, dataKey.KeyId);
    }

    [Fact]
    public async Task GenerateDataKeyWithoutPlaintext_NumberOfBytes_BlobDecryptsToThatLength()
    {
        await using var server = await TestCloud.StartAsync();
        using var kms = Client(server, Images);
        var key = await CreateKeyAsync(kms);

        var dataKey = await kms.GenerateDataKeyWithoutPlaintextAsync(new GenerateDataKeyWithoutPlaintextRequest { KeyId = key.KeyId, NumberOfBytes = 16 }, TestCloud.Timeout);
        var decrypted = await kms.DecryptAsync(new DecryptRequest { CiphertextBlob = dataKey.CiphertextBlob }, TestCloud.Timeout);

        Assert.Equal(16, decrypted.Plaintext.Length);
    }

    [Fact]
    public async Task GenerateDataKey_NeitherSpecNorBytes_ValidationException()
    {
        await using var server = await TestCloud.StartAsync();
        using var kms = Client(server, Images);
        var key = await CreateKeyAsync(kms);

        var error = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() =>
            kms.GenerateDataKeyAsync(new GenerateDataKeyRequest { KeyId = key.KeyId }, TestCloud.Timeout));

        Assert.Equal("ValidationException", error.ErrorCode);
    }

    [Fact]
    public async Task ReEncrypt_ToKeyOfAnotherAccount_DestinationDecrypts()
    {
        await using var server = await TestCloud.StartAsync();
        using var images = Client(server, Images);
        using var prod = Client(server, Prod);
        var source = await CreateKeyAsync(images, KeyPolicy(Images));
        var destination = await CreateKeyAsync(prod, KeyPolicy(Prod, AllowAccount(Images, "kms:ReEncryptTo,kms:DescribeKey")));
        var encrypted = await images.EncryptAsync(new EncryptRequest { KeyId = source.KeyId, Plaintext = Bytes("payload"), EncryptionContext = Context }, TestCloud.Timeout);

        var reencrypted = await images.ReEncryptAsync(new ReEncryptRequest
        {
            CiphertextBlob = encrypted.CiphertextBlob,
            SourceEncryptionContext = new(Context),
            DestinationKeyId = destination.Arn,
            DestinationEncryptionContext = new() { ["aws:ebs:id"] = "vol-0fedcba9876543210" },
        }, TestCloud.Timeout);
        var decrypted = await prod.DecryptAsync(new DecryptRequest
        {
            CiphertextBlob = reencrypted.CiphertextBlob,
            EncryptionContext = new() { ["aws:ebs:id"] = "vol-0fedcba9876543210" },
        }, TestCloud.Timeout);

        Assert.Equal(source.Arn, reencrypted.SourceKeyId);
        Assert.Equal(destination.Arn, reencrypted.KeyId);
        Assert.Equal("payload", Text(decrypted.Plaintext));
    }

    [Fact]
    public async Task ReEncrypt_DestinationPolicyLacksAccount_AccessDenied()
    {
        await using var server = await TestCloud.StartAsync();
        using var images = Client(server, Images);
        using var prod = Client(server, Prod);
        var source = await CreateKeyAsync(images);
        var destination = await CreateKeyAsync(prod);
        var encrypted = await images.EncryptAsync(new EncryptRequest { KeyId = source.KeyId, Plaintext = Bytes("payload") }, TestCloud.Timeout);

        var error = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() => images.ReEncryptAsync(
            new ReEncryptRequest { CiphertextBlob = encrypted.CiphertextBlob, DestinationKeyId = destination.Arn },
            TestCloud.Timeout));

        Assert.Equal("AccessDeniedException", error.ErrorCode);
        Assert.Contains("kms:ReEncryptTo", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Encrypt_AliasArnOfAnotherAccount_Works()
    {
        await using var server = await TestCloud.StartAsync();
        using var images = Client(server, Images);
        var key = await CreateKeyAsync(images, KeyPolicy(Images, AllowAccount(Prod, "kms:Encrypt")));
        await images.CreateAliasAsync(new CreateAliasRequest { AliasName = "alias/shared", TargetKeyId = key.KeyId }, TestCloud.Timeout);
        using var prod = Client(server, Prod);

        var encrypted = await prod.EncryptAsync(new EncryptRequest { KeyId = $"arn:aws:kms:us-east-1:{Images}:alias/shared", Plaintext = Bytes("x") }, TestCloud.Timeout);

        Assert.Equal(key.Arn, encrypted.KeyId);
        await Assert.ThrowsAsync<NotFoundException>(() => prod.EncryptAsync(new EncryptRequest { KeyId = "alias/shared", Plaintext = Bytes("x") }, TestCloud.Timeout));
    }
}
