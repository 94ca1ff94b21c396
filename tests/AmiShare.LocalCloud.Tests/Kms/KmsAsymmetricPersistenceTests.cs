using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using AmiShare.LocalCloud.Tests.Support;
using static AmiShare.LocalCloud.Tests.Kms.KmsAsymmetricKeyTests;
using static AmiShare.LocalCloud.Tests.Kms.KmsTestKit;

namespace AmiShare.LocalCloud.Tests.Kms;

/// <summary>An asymmetric or HMAC key's private material lives in the state file like a symmetric key's: it survives a restart.</summary>
public sealed class KmsAsymmetricPersistenceTests : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("localcloud-kms-asym-").FullName;

    public void Dispose() => Directory.Delete(directory, recursive: true);

    [Fact]
    public async Task Restart_SameDataFile_SigningAndMacKeysKeepTheirMaterial()
    {
        var dataFile = Path.Combine(directory, "cloud.db");
        KeyMetadata signing, hmac;
        byte[] publicKey, signature, mac;
        await using (var first = await TestCloud.StartAsync(dataFile: dataFile))
        {
            using var kms = Client(first, Images);
            signing = await CreateAsync(kms, "ECC_NIST_P384", "SIGN_VERIFY");
            hmac = await CreateAsync(kms, "HMAC_384", "GENERATE_VERIFY_MAC");
            publicKey = (await kms.GetPublicKeyAsync(new GetPublicKeyRequest { KeyId = signing.KeyId }, TestCloud.Timeout)).PublicKey.ToArray();
            signature = (await kms.SignAsync(new SignRequest { KeyId = signing.KeyId, Message = Bytes("before"), SigningAlgorithm = SigningAlgorithmSpec.ECDSA_SHA_384 }, TestCloud.Timeout)).Signature.ToArray();
            mac = (await kms.GenerateMacAsync(new GenerateMacRequest { KeyId = hmac.KeyId, Message = Bytes("before"), MacAlgorithm = MacAlgorithmSpec.HMAC_SHA_384 }, TestCloud.Timeout)).Mac.ToArray();
        }

        await using var second = await TestCloud.StartAsync(dataFile: dataFile);
        using var again = Client(second, Images);
        var described = (await again.DescribeKeyAsync(new DescribeKeyRequest { KeyId = signing.KeyId }, TestCloud.Timeout)).KeyMetadata;
        var samePublicKey = (await again.GetPublicKeyAsync(new GetPublicKeyRequest { KeyId = signing.KeyId }, TestCloud.Timeout)).PublicKey.ToArray();
        var verified = await again.VerifyAsync(new VerifyRequest { KeyId = signing.KeyId, Message = Bytes("before"), Signature = new MemoryStream(signature), SigningAlgorithm = SigningAlgorithmSpec.ECDSA_SHA_384 }, TestCloud.Timeout);
        var macVerified = await again.VerifyMacAsync(new VerifyMacRequest { KeyId = hmac.KeyId, Message = Bytes("before"), Mac = new MemoryStream(mac), MacAlgorithm = MacAlgorithmSpec.HMAC_SHA_384 }, TestCloud.Timeout);

        Assert.Equal("ECC_NIST_P384", described.KeySpec.Value);
        Assert.Equal("SIGN_VERIFY", described.KeyUsage.Value);
        Assert.Equal(publicKey, samePublicKey);
        Assert.True(verified.SignatureValid);
        Assert.True(macVerified.MacValid);
    }
}
