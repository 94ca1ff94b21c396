using AmiShare.LocalCloud.Protocol;

namespace AmiShare.LocalCloud.Services.Kms;

/// <summary>
/// Every error KMS handlers raise, each wire code spelled once. KMS answers HTTP 400 for all of them (the JSON
/// <c>__type</c> carries the code); codes and messages are AWS's own, so a change here is a change on the wire.
/// </summary>
internal static class KmsErrors
{
    private const string NotFoundCode = "NotFoundException";
    private const string InvalidStateCode = "KMSInvalidStateException";
    private const string InvalidGrantIdCode = "InvalidGrantIdException";
    private const string MalformedPolicyDocumentCode = "MalformedPolicyDocumentException";
    private const string LimitExceededCode = "LimitExceededException";

    public static AwsServiceException Validation(string message) => Error("ValidationException", message);

    /// <summary>A request member of the wrong JSON type: the SDKs never send one, hand-written requests might.</summary>
    public static AwsServiceException Serialization(string member, string expected) => Error("SerializationException", $"{member} must be {expected}.");

    public static AwsServiceException NotFound(string message) => Error(NotFoundCode, message);

    public static AwsServiceException KeyNotFound(string keyArn) => NotFound($"Key '{keyArn}' does not exist");

    public static AwsServiceException AliasNotFound(string aliasArn) => NotFound($"Alias {aliasArn} is not found.");

    public static AwsServiceException PolicyNotFound(string name, string defaultName) =>
        NotFound($"Policy '{name}' does not exist; a key has one policy, named \"{defaultName}\".");

    public static AwsServiceException AliasExists(string aliasArn) => Error("AlreadyExistsException", $"An alias with the name {aliasArn} already exists");

    public static AwsServiceException PendingDeletion(string keyArn) => Error(InvalidStateCode, $"{keyArn} is pending deletion.");

    public static AwsServiceException NotPendingDeletion(string keyArn) => Error(InvalidStateCode, $"{keyArn} is not pending deletion.");

    public static AwsServiceException Disabled(string keyArn) => Error("DisabledException", $"{keyArn} is disabled.");

    public static AwsServiceException UnsupportedOperation(string message) => Error("UnsupportedOperationException", message);

    public static AwsServiceException NotAuthorized(string message) => Error("NotAuthorizedException", message);

    public static AwsServiceException AccessDenied(string message) => Error("AccessDeniedException", message);

    public static AwsServiceException LimitExceeded(string message) => Error(LimitExceededCode, message);

    public static AwsServiceException MalformedPolicyDocument(string message) => Error(MalformedPolicyDocumentCode, message);

    public static AwsServiceException IncorrectKey() =>
        Error("IncorrectKeyException", "The key ID in the request does not identify a KMS key that can perform this operation.");

    public static AwsServiceException InvalidKeyUsage(string message) => Error("InvalidKeyUsageException", message);

    /// <summary>KMS says nothing more about a ciphertext it cannot use: the message is empty on purpose.</summary>
    public static AwsServiceException InvalidCiphertext() => Error("InvalidCiphertextException", string.Empty);

    /// <summary>Verify's answer to a signature that does not verify: AWS raises this rather than returning SignatureValid=false.</summary>
    public static AwsServiceException InvalidSignature() => Error("KMSInvalidSignatureException", string.Empty);

    /// <summary>VerifyMac's answer to a MAC that does not verify: AWS raises this rather than returning MacValid=false.</summary>
    public static AwsServiceException InvalidMac() => Error("KMSInvalidMacException", string.Empty);

    /// <summary>The key's usage does not allow the operation (KeyUsage), or the algorithm does not fit its KeySpec.</summary>
    public static AwsServiceException WrongKeyUsage(string keyArn, string usage, string operation) =>
        InvalidKeyUsage($"{keyArn} key usage is {usage} which is not valid for {operation}.");

    public static AwsServiceException InvalidGrantToken() => Error("InvalidGrantTokenException", "The grant token is not valid.");

    public static AwsServiceException InvalidGrantId(string grantId, string keyArn) => Error(InvalidGrantIdCode, $"Grant ID {grantId} is not valid for {keyArn}.");

    public static AwsServiceException TagException(string message) => Error("TagException", message);

    public static AwsServiceException InvalidState(string message) => Error(InvalidStateCode, message);

    public static AwsServiceException InvalidMarker() => Error("InvalidMarkerException", "The marker does not come from a previous response.");

    private static AwsServiceException Error(string code, string message) => new(code, message, 400);
}
