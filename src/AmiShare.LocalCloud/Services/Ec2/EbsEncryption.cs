using AmiShare.LocalCloud.Protocol;
using AmiShare.LocalCloud.Services.Kms;

namespace AmiShare.LocalCloud.Services.Ec2;

/// <summary>What a new snapshot or volume is made from: content plus how it is encrypted.</summary>
internal sealed record EbsSource(string Id, Ec2ContentRef Content, bool Encrypted, string? KmsKeyId, byte[]? DataKeyCiphertext, string? DataKeyContextId);

/// <summary>The new object's encryption and content.</summary>
internal sealed record EbsResult(Ec2ContentRef Content, bool Encrypted, string? KmsKeyId, byte[]? DataKeyCiphertext, string? DataKeyContextId);

/// <summary>
/// The KMS side of copies and launches, done as EC2 does it: every call is made AS the caller via EC2 through
/// <see cref="IKmsForEc2"/> (key policy, the caller's IAM policies and grants decide; refusals surface as
/// <see cref="KmsRefusedException"/>).
/// <list type="bullet">
/// <item>Launch / CreateVolume (<c>forAttachment</c>): CreateGrant on the source key (and on the
/// target key when different), GenerateDataKeyWithoutPlaintext under the target key for the new volume, Decrypt
/// of the source data key, then every block is decrypted and sealed again under the new data key.</item>
/// <item>Copy (CopySnapshot / CopyImage) of encrypted content: ReEncrypt of the data key from the source key to
/// the destination key (ReEncryptFrom + ReEncryptTo); the sealed blocks are shared, not rewritten.</item>
/// <item>Encrypting plaintext: GenerateDataKeyWithoutPlaintext under the target key, blocks sealed.</item>
/// <item>Plaintext to plaintext: blocks shared.</item>
/// </list>
/// </summary>
internal sealed class EbsEncryption(IKmsForEc2? kms, Ec2ContentStore content, Ec2AccountSettingsStore settings)
{
    private IKmsForEc2 Kms => kms ?? throw Ec2Errors.KmsUnavailable();

    /// <summary>The caller's default EBS key in the region: the customer managed default, else its aws/ebs key.</summary>
    public KmsKeyFacts DefaultEbsKey(string accountId, string region)
    {
        var accountSettings = settings.Get(accountId, region);
        return accountSettings.EbsDefaultKmsKeyArn is { } arn
            ? Kms.DescribeKeyByArn(arn) ?? throw new KmsRefusedException("NotFoundException", $"Key '{arn}' does not exist")
            : Kms.AwsManagedEbsKey(accountId, region);
    }

    public KmsKeyFacts ResolveKey(OperationRequest request, string region, string kmsKeyId) =>
        Kms.FindKey(request, region, kmsKeyId) ?? throw new KmsRefusedException("NotFoundException", $"Key '{kmsKeyId}' does not exist");

    public KmsKeyFacts SourceKey(EbsSource source) =>
        Kms.DescribeKeyByArn(source.KmsKeyId!) ?? throw new KmsRefusedException("NotFoundException", $"Key '{source.KmsKeyId}' does not exist");

    /// <summary>
    /// Makes the content of a new EBS object <paramref name="newId"/> from <paramref name="source"/>, encrypted under
    /// <paramref name="target"/> (null: plaintext). Throws <see cref="KmsRefusedException"/> when KMS refuses.
    /// </summary>
    public EbsResult Materialize(OperationRequest request, EbsSource source, string newId, KmsKeyFacts? target, bool forAttachment)
    {
        if (target is null)
        {
            if (source.Encrypted)
            {
                throw new InvalidOperationException("Encrypted content cannot become plaintext.");
            }

            return new EbsResult(source.Content, false, null, null, null);
        }

        if (!source.Encrypted)
        {
            if (forAttachment)
            {
                Kms.CreateGrantForEbs(request, target, newId);
            }

            var fresh = Kms.GenerateDataKeyForEbs(request, target, newId);
            var sealedContent = content.Transform(source.Content, null, "content-" + newId, fresh.Plaintext);
            return new EbsResult(sealedContent, true, target.KeyArn, fresh.CiphertextBlob, newId);
        }

        var sourceKey = SourceKey(source);
        var sourceContext = source.DataKeyContextId ?? source.Id;
        if (!forAttachment)
        {
            var rewrapped = Kms.ReEncryptDataKeyForEbs(request, sourceKey, source.DataKeyCiphertext!, sourceContext, target, newId);
            return new EbsResult(source.Content, true, target.KeyArn, rewrapped, newId);
        }

        Kms.CreateGrantForEbs(request, sourceKey, newId);
        if (!string.Equals(sourceKey.KeyArn, target.KeyArn, StringComparison.Ordinal))
        {
            Kms.CreateGrantForEbs(request, target, newId);
        }

        var dataKey = Kms.GenerateDataKeyForEbs(request, target, newId);
        var sourcePlainKey = Kms.DecryptDataKeyForEbs(request, sourceKey, source.DataKeyCiphertext!, sourceContext);
        var resealed = content.Transform(source.Content, sourcePlainKey, "content-" + newId, dataKey.Plaintext);
        return new EbsResult(resealed, true, target.KeyArn, dataKey.CiphertextBlob, newId);
    }

    /// <summary>
    /// A Region-to-Region copy moves the content, so it is sealed afresh under a new data key of the destination
    /// key (GenerateDataKeyWithoutPlaintext there, Decrypt of the source data key in the source Region).
    /// </summary>
    public EbsResult ResealForRegionCopy(OperationRequest request, EbsSource source, string newId, KmsKeyFacts target)
    {
        var dataKey = Kms.GenerateDataKeyForEbs(request, target, newId);
        var sourcePlainKey = source.Encrypted ? Kms.DecryptDataKeyForEbs(request, SourceKey(source), source.DataKeyCiphertext!, source.DataKeyContextId ?? source.Id) : null;
        var resealed = content.Transform(source.Content, sourcePlainKey, "content-" + newId, dataKey.Plaintext);
        return new EbsResult(resealed, true, target.KeyArn, dataKey.CiphertextBlob, newId);
    }

    public static EbsSource SourceOf(Ec2Snapshot snapshot) =>
        new(snapshot.SnapshotId, snapshot.Content, snapshot.Encrypted, snapshot.KmsKeyId, snapshot.DataKeyCiphertext, snapshot.DataKeyContextId);

    /// <summary>A key's facts, or null when unknown or when this LocalCloud runs EC2 without KMS.</summary>
    public KmsKeyFacts? DescribeKeyByArn(string keyArn) => kms?.DescribeKeyByArn(keyArn);

    /// <summary>Whether a key is the AWS managed aws/ebs key (such snapshots cannot be shared).</summary>
    public bool IsAwsManagedKey(string? keyArn) => keyArn is not null && kms?.DescribeKeyByArn(keyArn) is { IsAwsManaged: true };
}
