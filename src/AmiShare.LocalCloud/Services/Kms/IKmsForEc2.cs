using AmiShare.LocalCloud.Protocol;

namespace AmiShare.LocalCloud.Services.Kms;

/// <summary>What EC2 needs to know about a KMS key to encrypt volumes and snapshots with it.</summary>
/// <param name="KeyArn">The key's ARN; cross-account callers must name keys by ARN.</param>
/// <param name="IsAwsManaged">True for <c>alias/aws/ebs</c>: such snapshots cannot be shared.</param>
/// <param name="KeyState">Enabled, Disabled, PendingDeletion, …, as DescribeKey reports it.</param>
public sealed record KmsKeyFacts(
    string KeyArn,
    string KeyId,
    string AccountId,
    string Region,
    bool IsAwsManaged,
    string KeyState,
    string? AliasName);

/// <summary>A data key as GenerateDataKey returns it: EC2 keeps only the ciphertext blob with the volume.</summary>
public sealed record DataKey(byte[] Plaintext, byte[] CiphertextBlob);

/// <summary>
/// A KMS call EC2 made for a caller was refused (key policy, IAM, grant, key state). EC2 does not pass it
/// through as an API error for launches: the instance terminates with Client.InvalidKMSKey.InvalidState.
/// </summary>
public sealed class KmsRefusedException : Exception
{
    public KmsRefusedException(string code, string message)
        : base(message) => Code = code;

    public KmsRefusedException()
        : this("AccessDeniedException", "KMS refused the request.")
    {
    }

    public KmsRefusedException(string message, Exception innerException)
        : base(message, innerException) => Code = "AccessDeniedException";

    /// <summary>The KMS error code: AccessDeniedException, DisabledException, KMSInvalidStateException, NotFoundException.</summary>
    public string Code { get; }
}

/// <summary>
/// The KMS calls EC2 makes on a caller's behalf, exactly as on AWS: each is made AS the calling principal
/// with <c>kms:ViaService = ec2.REGION.amazonaws.com</c> and the EBS encryption context
/// <c>aws:ebs:id = volume or snapshot id</c>, authorized against the key's policy, the caller's IAM
/// policies and the key's grants (through <see cref="OperationRequest.Authorize"/> semantics), refused for a
/// key that is not Enabled, and recorded in CloudTrail as KMS events invoked by EC2.
/// Implemented by the KMS service; used by the EC2 service.
/// </summary>
public interface IKmsForEc2
{
    /// <summary>
    /// Resolves a <c>KmsKeyId</c> as EC2 accepts it (key id, key ARN, <c>alias/NAME</c>, alias ARN) in
    /// <paramref name="region"/>; key ids and alias names resolve in the caller's account. Null when unknown.
    /// </summary>
    KmsKeyFacts? FindKey(OperationRequest request, string region, string keyIdOrAlias);

    /// <summary>The account's AWS managed EBS key (<c>alias/aws/ebs</c>) in the region, created on first use with AWS's fixed policy.</summary>
    KmsKeyFacts AwsManagedEbsKey(string accountId, string region);

    /// <summary>Looks a key up by ARN (any account) without authorizing; null when there is none.</summary>
    KmsKeyFacts? DescribeKeyByArn(string keyArn);

    /// <summary>
    /// The grant EC2 creates when it attaches an encrypted volume: <c>kms:CreateGrant</c> by the caller via
    /// EC2 (with <c>kms:GrantIsForAWSResource = true</c>), grantee the EC2 infrastructure principal, constraint
    /// EncryptionContextSubset <c>aws:ebs:id</c>. Throws <see cref="KmsRefusedException"/> when refused.
    /// </summary>
    void CreateGrantForEbs(OperationRequest request, KmsKeyFacts key, string ebsId);

    /// <summary><c>kms:GenerateDataKeyWithoutPlaintext</c> by the caller via EC2; EC2 receives the plaintext internally.</summary>
    DataKey GenerateDataKeyForEbs(OperationRequest request, KmsKeyFacts key, string ebsId);

    /// <summary><c>kms:Decrypt</c> of a data key by the caller via EC2, with the context it was generated under.</summary>
    byte[] DecryptDataKeyForEbs(OperationRequest request, KmsKeyFacts key, byte[] ciphertextBlob, string ebsId);

    /// <summary>
    /// <c>kms:ReEncryptFrom</c> on the source key and <c>kms:ReEncryptTo</c> on the destination key, by the
    /// caller via EC2, as copies and cross-key launches do; returns the data key re-wrapped under the destination.
    /// </summary>
    byte[] ReEncryptDataKeyForEbs(OperationRequest request, KmsKeyFacts source, byte[] ciphertextBlob, string sourceEbsId, KmsKeyFacts destination, string destinationEbsId);
}
