using System.Text.Json.Nodes;
using AmiShare.LocalCloud.Protocol;
using AmiShare.Policy.Catalogue;
using static AmiShare.LocalCloud.Protocol.OperationHandlers;

namespace AmiShare.LocalCloud.Services.Kms;

/// <summary>
/// Asymmetric keys: Sign and Verify (SIGN_VERIFY keys, RAW or DIGEST messages) and GetPublicKey. As on AWS a
/// signature that does not verify is KMSInvalidSignatureException, never SignatureValid=false.
/// </summary>
internal sealed class KmsSignOperations(KmsKeyAccess access) : IServiceOperations
{
    private const int MaxMessageBytes = 4096;
    private const int MaxSignatureBytes = 6144;

    public AwsServiceDescriptor Service => AwsServices.Kms;

    public IReadOnlyDictionary<string, OperationHandler> Operations => new Dictionary<string, OperationHandler>
    {
        ["Sign"] = Sync(Sign),
        ["Verify"] = Sync(Verify),
        ["GetPublicKey"] = Sync(GetPublicKey),
    };

    private OperationResponse Sign(OperationRequest request)
    {
        var (key, algorithm, digest) = SigningInput(request, KmsActions.Sign, "Sign");
        var signature = KmsAsymmetricCrypto.Sign(KmsKeySpecs.Of(key), key.KeyMaterial, algorithm, digest);
        return OperationResponse.Json(new JsonObject
        {
            ["KeyId"] = key.Arn,
            ["Signature"] = Convert.ToBase64String(signature),
            ["SigningAlgorithm"] = algorithm,
        });
    }

    private OperationResponse Verify(OperationRequest request)
    {
        var signature = KmsJson.Blob(request, "Signature") ?? throw request.Service.MissingParameter("signature");
        CheckLength(signature, "signature", MaxSignatureBytes);
        var (key, algorithm, digest) = SigningInput(request, KmsActions.Verify, "Verify");
        if (!KmsAsymmetricCrypto.Verify(KmsKeySpecs.Of(key), key.KeyMaterial, algorithm, digest, signature))
        {
            throw KmsErrors.InvalidSignature();
        }

        return OperationResponse.Json(new JsonObject
        {
            ["KeyId"] = key.Arn,
            ["SignatureValid"] = true,
            ["SigningAlgorithm"] = algorithm,
        });
    }

    private OperationResponse GetPublicKey(OperationRequest request)
    {
        var key = access.Resolve(request, "KeyId", allowAlias: true);
        access.AuthorizeOn(request, KmsActions.GetPublicKey, key);
        KmsKeyAccess.RequireUsable(key);
        var spec = KmsKeySpecs.Of(key);
        if (spec.Family is not (KmsKeyFamily.Rsa or KmsKeyFamily.Ecc))
        {
            throw KmsErrors.UnsupportedOperation($"{key.Arn} is a {key.Spec} key: only asymmetric KMS keys have a public key.");
        }

        var response = new JsonObject
        {
            ["KeyId"] = key.Arn,
            ["PublicKey"] = Convert.ToBase64String(spec.PublicKey(key.KeyMaterial)),
            ["CustomerMasterKeySpec"] = key.Spec,
            ["KeySpec"] = key.Spec,
            ["KeyUsage"] = key.Usage,
        };
        KmsResponses.AddAlgorithms(response, key);
        return OperationResponse.Json(response);
    }

    /// <summary>
    /// What Sign and Verify share, in KMS's order: the members' validation, the key, authorization (with
    /// kms:SigningAlgorithm and kms:MessageType), the key's state, usage and spec, and the digest to sign.
    /// </summary>
    private (KmsKeyRecord Key, string Algorithm, byte[] Digest) SigningInput(OperationRequest request, string action, string operation)
    {
        var message = KmsJson.Blob(request, "Message") ?? throw request.Service.MissingParameter("message");
        CheckLength(message, "message", MaxMessageBytes);
        var algorithm = KmsJson.RequiredString(request, "SigningAlgorithm");
        KmsKeySpecs.RequireEnum(algorithm, "signingAlgorithm", KmsKeySpecs.SigningAlgorithmEnum);
        var messageType = KmsJson.String(request, "MessageType") ?? KmsAsymmetricCrypto.Raw;
        KmsKeySpecs.RequireEnum(messageType, "messageType", KmsAsymmetricCrypto.MessageTypeEnum);

        var key = access.Resolve(request, "KeyId", allowAlias: true);
        var keys = KmsKeyStore.ContextKeys(request.Caller.AccountId, null);
        keys[ConditionKeys.KmsSigningAlgorithm] = [algorithm];
        keys[ConditionKeys.KmsMessageType] = [messageType];
        access.AuthorizeOn(request, action, key, keys);
        KmsKeyAccess.RequireUsable(key);
        if (key.Usage != KmsKeySpecs.SignVerify)
        {
            throw KmsErrors.WrongKeyUsage(key.Arn, key.Usage, operation);
        }

        var spec = KmsKeySpecs.Of(key);
        if (!spec.SigningAlgorithms.Contains(algorithm))
        {
            throw KmsErrors.InvalidKeyUsage($"The signing algorithm {algorithm} is not compatible with the KeySpec {key.Spec} of {key.Arn}; it supports {string.Join(", ", spec.SigningAlgorithms)}.");
        }

        if (messageType == KmsAsymmetricCrypto.ExternalMu)
        {
            throw KmsErrors.InvalidKeyUsage($"MessageType {KmsAsymmetricCrypto.ExternalMu} is for ML-DSA keys only; {key.Arn} is a {key.Spec} key.");
        }

        request.StopIfDryRun();
        return (key, algorithm, KmsAsymmetricCrypto.DigestToSign(algorithm, messageType, message));
    }

    /// <summary>KMS names the one bound of a blob member that was broken, with the member's camel-case name.</summary>
    internal static void CheckLength(byte[] value, string member, int max)
    {
        if (value.Length is 0 || value.Length > max)
        {
            throw KmsErrors.Validation($"1 validation error detected: Value at '{member}' failed to satisfy constraint: Member must have length {(value.Length == 0 ? "greater than or equal to 1" : $"less than or equal to {max}")}");
        }
    }
}
