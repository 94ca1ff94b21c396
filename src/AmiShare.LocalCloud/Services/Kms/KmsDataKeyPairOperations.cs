using System.Security.Cryptography;
using System.Text.Json.Nodes;
using AmiShare.LocalCloud.Protocol;
using AmiShare.Policy.Catalogue;
using static AmiShare.LocalCloud.Protocol.OperationHandlers;

namespace AmiShare.LocalCloud.Services.Kms;

/// <summary>
/// GenerateDataKeyPair and GenerateDataKeyPairWithoutPlaintext: a fresh RSA or ECC key pair whose PKCS#8 private
/// key is encrypted under a symmetric encryption key (with the encryption context), and its DER public key.
/// </summary>
internal sealed class KmsDataKeyPairOperations(LocalCloudContext cloud, KmsKeyAccess access) : IServiceOperations
{
    public AwsServiceDescriptor Service => AwsServices.Kms;

    public IReadOnlyDictionary<string, OperationHandler> Operations => new Dictionary<string, OperationHandler>
    {
        ["GenerateDataKeyPair"] = Sync(request => GenerateDataKeyPair(request, withPlaintext: true)),
        ["GenerateDataKeyPairWithoutPlaintext"] = Sync(request => GenerateDataKeyPair(request, withPlaintext: false)),
    };

    private OperationResponse GenerateDataKeyPair(OperationRequest request, bool withPlaintext)
    {
        var pairSpecName = KmsJson.RequiredString(request, "KeyPairSpec");
        KmsKeySpecs.RequireEnum(pairSpecName, "keyPairSpec", KmsKeySpecs.DataKeyPairSpecEnum);
        var context = KmsJson.Map(request, "EncryptionContext");
        var key = access.Resolve(request, "KeyId", allowAlias: true);
        var keys = KmsKeyStore.ContextKeys(request.Caller.AccountId, context);
        keys[ConditionKeys.KmsDataKeyPairSpec] = [pairSpecName];
        var operation = withPlaintext ? "GenerateDataKeyPair" : "GenerateDataKeyPairWithoutPlaintext";
        access.AuthorizeOn(request, withPlaintext ? KmsActions.GenerateDataKeyPair : KmsActions.GenerateDataKeyPairWithoutPlaintext, key, keys);
        KmsKeyAccess.RequireUsable(key);
        KmsCryptoOperations.RequireSymmetricEncryptionKey(key, operation);
        var pairSpec = KmsKeySpecs.Find(pairSpecName) is { Family: KmsKeyFamily.Rsa or KmsKeyFamily.Ecc } found
            ? found
            : throw KmsErrors.UnsupportedOperation($"LocalCloud does not emulate KeyPairSpec {pairSpecName}; it emulates RSA_2048, RSA_3072, RSA_4096, ECC_NIST_P256, ECC_NIST_P384, ECC_NIST_P521 and ECC_SECG_P256K1.");
        request.StopIfDryRun();

        var privateKey = pairSpec.NewMaterial(cloud.Ids.Bytes);
        try
        {
            var response = new JsonObject
            {
                ["PrivateKeyCiphertextBlob"] = Convert.ToBase64String(cloud.Kms.Encrypt(key, privateKey, context)),
                ["PublicKey"] = Convert.ToBase64String(pairSpec.PublicKey(privateKey)),
                ["KeyId"] = key.Arn,
                ["KeyPairSpec"] = pairSpecName,
            };
            if (withPlaintext)
            {
                response["PrivateKeyPlaintext"] = Convert.ToBase64String(privateKey);
            }

            return OperationResponse.Json(response);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(privateKey);
        }
    }
}
