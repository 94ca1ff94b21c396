namespace AmiShare.LocalCloud.Services.Ec2;

/// <summary>The two ways a new snapshot record comes to be: from a volume, or as a copy of another snapshot.</summary>
internal static class NewSnapshots
{
    /// <summary>A snapshot shares its volume's sealed blocks and data key (no KMS call), as an EBS snapshot does.</summary>
    public static Ec2Snapshot OfVolume(Ec2Volume volume, string snapshotId, string? description, DateTimeOffset now) => new()
    {
        SnapshotId = snapshotId,
        OwnerId = volume.OwnerId,
        Region = volume.Region,
        VolumeId = volume.VolumeId,
        VolumeSize = volume.Size,
        Description = description,
        StartTime = now,
        Encrypted = volume.Encrypted,
        KmsKeyId = volume.KmsKeyId,
        DataKeyCiphertext = volume.DataKeyCiphertext,
        DataKeyContextId = volume.DataKeyContextId ?? volume.VolumeId,
        Content = volume.Content,
    };

    public static Ec2Snapshot CopiedFrom(Ec2Snapshot source, string snapshotId, string account, string region, EbsResult result, string description, DateTimeOffset now) => new()
    {
        SnapshotId = snapshotId,
        OwnerId = account,
        Region = region,
        VolumeId = "vol-ffffffff",
        VolumeSize = source.VolumeSize,
        Description = description,
        StartTime = now,
        Encrypted = result.Encrypted,
        KmsKeyId = result.KmsKeyId,
        DataKeyCiphertext = result.DataKeyCiphertext,
        DataKeyContextId = result.DataKeyContextId,
        Content = result.Content,
        SourceSnapshotId = source.SnapshotId,
    };
}
