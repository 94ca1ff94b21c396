using System.Security.Cryptography;
using System.Text.Json.Nodes;
using AmiShare.LocalCloud.Protocol;
using AmiShare.Policy.Catalogue;
using static AmiShare.LocalCloud.Protocol.OperationHandlers;

namespace AmiShare.LocalCloud.Services.Kms;

/// <summary>
/// HMAC keys: GenerateMac and VerifyMac (GENERATE_VERIFY_MAC keys, the one MAC algorithm of the key spec). As on
/// AWS a MAC that does not verify is KMSInvalidMacException, never MacValid=false.
/// </summary>
internal sealed class KmsMacOperations(KmsKeyAccess access) : IServiceOperations
{
    private const int MaxMessageBytes = 4096;
    private const int MaxMacBytes = 6144;

    public AwsServiceDescriptor Service => AwsServices.Kms;

    public IReadOnlyDictionary<string, OperationHandler> Operations => new Dictionary<string, OperationHandler>
    {
        ["GenerateMac"] = Sync(GenerateMac),
        ["VerifyMac"] = Sync(VerifyMac),
    };

    private OperationResponse GenerateMac(OperationRequest request)
    {
        var (key, algorithm, message) = MacInput(request, KmsActions.GenerateMac, "GenerateMac");
        return OperationResponse.Json(new JsonObject
        {
            ["Mac"] = Convert.ToBase64String(KmsAsymmetricCrypto.Mac(algorithm, key.KeyMaterial, message)),
            ["MacAlgorithm"] = algorithm,
            ["KeyId"] = key.Arn,
        });
    }

    private OperationResponse VerifyMac(OperationRequest request)
    {
        var mac = KmsJson.Blob(request, "Mac") ?? throw request.Service.MissingParameter("mac");
        KmsSignOperations.CheckLength(mac, "mac", MaxMacBytes);
        var (key, algorithm, message) = MacInput(request, KmsActions.VerifyMac, "VerifyMac");
        if (!CryptographicOperations.FixedTimeEquals(KmsAsymmetricCrypto.Mac(algorithm, key.KeyMaterial, message), mac))
        {
            throw KmsErrors.InvalidMac();
        }

        return OperationResponse.Json(new JsonObject
        {
            ["KeyId"] = key.Arn,
            ["MacValid"] = true,
            ["MacAlgorithm"] = algorithm,
        });
    }

    private (KmsKeyRecord Key, string Algorithm, byte[] Message) MacInput(OperationRequest request, string action, string operation)
    {
        var message = KmsJson.Blob(request, "Message") ?? throw request.Service.MissingParameter("message");
        KmsSignOperations.CheckLength(message, "message", MaxMessageBytes);
        var algorithm = KmsJson.RequiredString(request, "MacAlgorithm");
        KmsKeySpecs.RequireEnum(algorithm, "macAlgorithm", KmsKeySpecs.MacAlgorithmEnum);

        var key = access.Resolve(request, "KeyId", allowAlias: true);
        var keys = KmsKeyStore.ContextKeys(request.Caller.AccountId, null);
        keys[ConditionKeys.KmsMacAlgorithm] = [algorithm];
        access.AuthorizeOn(request, action, key, keys);
        KmsKeyAccess.RequireUsable(key);
        if (key.Usage != KmsKeySpecs.GenerateVerifyMac)
        {
            throw KmsErrors.WrongKeyUsage(key.Arn, key.Usage, operation);
        }

        var supported = KmsKeySpecs.Of(key).MacAlgorithm;
        if (algorithm != supported)
        {
            throw KmsErrors.InvalidKeyUsage($"The MAC algorithm {algorithm} is not compatible with the KeySpec {key.Spec} of {key.Arn}; it supports {supported}.");
        }

        request.StopIfDryRun();
        return (key, algorithm, message);
    }
}
