using AmiShare.LocalCloud.State;
using AmiShare.Policy.Sharing;

namespace AmiShare.LocalCloud.Services.Ec2;

/// <summary>A launch permission or createVolumePermission entry as stored (exactly one member set).</summary>
public sealed record Ec2Permission(string? UserId = null, string? Group = null, string? OrganizationArn = null, string? OrganizationalUnitArn = null)
{
    public SharingEntry ToSharingEntry() => new(UserId, Group, OrganizationArn, OrganizationalUnitArn);

    public bool IsPublic => Group == "all";
}

/// <summary>
/// Where a snapshot's or volume's blocks live. <see cref="GeneratorSeed"/> set: deterministic pseudo-random
/// plaintext computed on read (public seed images), never stored. Otherwise rows of <see cref="Ec2ContentStore"/>
/// under <see cref="ContentId"/>, AES-GCM encrypted under the owner's data key when the owner is encrypted.
/// Several snapshots and volumes may share one content (same data key or both plaintext).
/// </summary>
public sealed record Ec2ContentRef(string ContentId, long LengthBytes, string? GeneratorSeed = null);

/// <summary>One block-device mapping of an image: a device backed by a snapshot.</summary>
public sealed record Ec2ImageBlockDevice(string DeviceName, string SnapshotId, int VolumeSize, string VolumeType, bool DeleteOnTermination, bool Encrypted);

public sealed record Ec2Image
{
    public required string ImageId { get; init; }

    public required string OwnerId { get; init; }

    public string? OwnerAlias { get; init; }

    public required string Region { get; init; }

    public required string Name { get; init; }

    public string? Description { get; init; }

    /// <summary>available, disabled, or failed (a copy whose KMS calls were refused).</summary>
    public string State { get; init; } = "available";

    public string? StateReasonCode { get; init; }

    public string? StateReasonMessage { get; init; }

    public required DateTimeOffset CreationDate { get; init; }

    public string Architecture { get; init; } = "x86_64";

    public required string RootDeviceName { get; init; }

    public string VirtualizationType { get; init; } = "hvm";

    public bool EnaSupport { get; init; } = true;

    public IReadOnlyList<Ec2ImageBlockDevice> BlockDevices { get; init; } = [];

    public IReadOnlyList<Ec2Permission> LaunchPermissions { get; init; } = [];

    public string? SourceImageId { get; init; }

    public string? SourceImageRegion { get; init; }

    public string? SourceInstanceId { get; init; }

    /// <summary>CopyImage idempotency token with the hash of the request it came with.</summary>
    public string? ClientToken { get; init; }

    public string? ClientTokenRequest { get; init; }

    /// <summary>The owner's tags (key → value). Defaulted so images stored before tags existed still load.</summary>
    public IReadOnlyDictionary<string, string> Tags { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>When the image becomes deprecated (EnableImageDeprecation); null: never. Does not travel with a copy.</summary>
    public DateTimeOffset? DeprecationTime { get; init; }

    /// <summary>disabled, enabled or enabled-with-cooldown (EnableImageDeregistrationProtection).</summary>
    public string DeregistrationProtection { get; init; } = "disabled";

    /// <summary>After protection with cooldown is disabled: DeregisterImage stays refused until this time.</summary>
    public DateTimeOffset? DeregistrationCooldownUntil { get; init; }

    /// <summary>The last RunInstances from this image (AWS reports it up to 24 hours late; LocalCloud at once).</summary>
    public DateTimeOffset? LastLaunchedTime { get; init; }

    public bool IsPublic => LaunchPermissions.Any(p => p.IsPublic);

    public ResourceSharing Sharing => new(OwnerId, [.. LaunchPermissions.Select(p => p.ToSharingEntry())]);

    public string Arn => $"arn:aws:ec2:{Region}::image/{ImageId}";
}

public sealed record Ec2Snapshot
{
    public required string SnapshotId { get; init; }

    public required string OwnerId { get; init; }

    public string? OwnerAlias { get; init; }

    public required string Region { get; init; }

    public required string VolumeId { get; init; }

    public required int VolumeSize { get; init; }

    public string? Description { get; init; }

    public required DateTimeOffset StartTime { get; init; }

    public bool Encrypted { get; init; }

    /// <summary>Key ARN when encrypted.</summary>
    public string? KmsKeyId { get; init; }

    /// <summary>The data key wrapped under <see cref="KmsKeyId"/> with encryption context aws:ebs:id = <see cref="DataKeyContextId"/>.</summary>
    public byte[]? DataKeyCiphertext { get; init; }

    /// <summary>The EBS id the data key was generated for (this snapshot's id, or the volume a snapshot was taken from).</summary>
    public string? DataKeyContextId { get; init; }

    public required Ec2ContentRef Content { get; init; }

    public IReadOnlyList<Ec2Permission> CreateVolumePermissions { get; init; } = [];

    public string? SourceSnapshotId { get; init; }

    /// <summary>pending, completed or error (a copy whose KMS calls were refused).</summary>
    public string State { get; init; } = "completed";

    public string? StateMessage { get; init; }

    public string? ClientToken { get; init; }

    /// <summary>The owner's tags (key → value); defaulted so records stored before tags existed still load.</summary>
    public IReadOnlyDictionary<string, string> Tags { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    public ResourceSharing Sharing => new(OwnerId, [.. CreateVolumePermissions.Select(p => p.ToSharingEntry())]);

    public string Arn => $"arn:aws:ec2:{Region}::snapshot/{SnapshotId}";
}

public sealed record Ec2VolumeAttachment(string InstanceId, string Device, bool DeleteOnTermination, DateTimeOffset AttachTime);

public sealed record Ec2Volume
{
    public required string VolumeId { get; init; }

    public required string OwnerId { get; init; }

    public required string Region { get; init; }

    public required string AvailabilityZone { get; init; }

    public required int Size { get; init; }

    public string? SnapshotId { get; init; }

    public string VolumeType { get; init; } = "gp3";

    /// <summary>available or in-use (deleted volumes are removed).</summary>
    public string State { get; init; } = "available";

    public required DateTimeOffset CreateTime { get; init; }

    public bool Encrypted { get; init; }

    public string? KmsKeyId { get; init; }

    /// <summary>The data key wrapped under <see cref="KmsKeyId"/> with encryption context aws:ebs:id = <see cref="DataKeyContextId"/>.</summary>
    public byte[]? DataKeyCiphertext { get; init; }

    /// <summary>The EBS id the data key was generated for (this volume's id, or the volume a snapshot was taken from).</summary>
    public string? DataKeyContextId { get; init; }

    public required Ec2ContentRef Content { get; init; }

    public Ec2VolumeAttachment? Attachment { get; init; }

    /// <summary>Provisioned IOPS (io1, io2, gp3); null: the type's baseline, not reported for gp2/standard.</summary>
    public int? Iops { get; init; }

    /// <summary>Provisioned throughput in MiB/s (gp3 only).</summary>
    public int? Throughput { get; init; }

    /// <summary>Multi-Attach (io1 and io2 only): the volume may be attached to several instances.</summary>
    public bool MultiAttachEnabled { get; init; }

    /// <summary>The owner's tags (key → value); defaulted so records stored before tags existed still load.</summary>
    public IReadOnlyDictionary<string, string> Tags { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    public string Arn => $"arn:aws:ec2:{Region}:{OwnerId}:volume/{VolumeId}";
}

/// <summary>A volume attached to an instance; <see cref="AttachTime"/> null: attached at launch.</summary>
public sealed record Ec2InstanceDevice(string DeviceName, string VolumeId, bool DeleteOnTermination, DateTimeOffset? AttachTime = null);

public sealed record Ec2Instance
{
    public required string InstanceId { get; init; }

    public required string OwnerId { get; init; }

    public required string Region { get; init; }

    public required string ReservationId { get; init; }

    public required string ImageId { get; init; }

    public required string InstanceType { get; init; }

    public required string AvailabilityZone { get; init; }

    public required DateTimeOffset LaunchTime { get; init; }

    public int AmiLaunchIndex { get; init; }

    /// <summary>pending, running, shutting-down, terminated.</summary>
    public required string State { get; init; }

    public string? StateReasonCode { get; init; }

    public string? StateReasonMessage { get; init; }

    public string? StateTransitionReason { get; init; }

    public required string RootDeviceName { get; init; }

    public IReadOnlyList<Ec2InstanceDevice> Devices { get; init; } = [];

    public string? ClientToken { get; init; }

    public string? ClientTokenRequest { get; init; }

    public required string PrivateIpAddress { get; init; }

    /// <summary>The owner's tags (key → value); defaulted so records stored before tags existed still load.</summary>
    public IReadOnlyDictionary<string, string> Tags { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    public string Arn => $"arn:aws:ec2:{Region}:{OwnerId}:instance/{InstanceId}";
}

/// <summary>Per account and region EC2 settings.</summary>
public sealed record Ec2AccountSettings
{
    public bool EbsEncryptionByDefault { get; init; }

    /// <summary>Customer managed default EBS key ARN; null means the AWS managed key alias/aws/ebs.</summary>
    public string? EbsDefaultKmsKeyArn { get; init; }

    /// <summary>unblocked or block-new-sharing.</summary>
    public string ImageBlockPublicAccessState { get; init; } = "unblocked";

    /// <summary>Allowed AMIs, snapshot block public access and who manages them (see <see cref="Ec2Guardrails"/>).</summary>
    public Ec2Guardrails Guardrails { get; init; } = new();
}

public static class Ec2EntityKinds
{
    public static readonly EntityKind<Ec2Image> Image = new("ec2.image");
    public static readonly EntityKind<Ec2Snapshot> Snapshot = new("ec2.snapshot");
    public static readonly EntityKind<Ec2Volume> Volume = new("ec2.volume");
    public static readonly EntityKind<Ec2Instance> Instance = new("ec2.instance");
    public static readonly EntityKind<Ec2AccountSettings> Settings = new("ec2.settings");

    public static EntityKey SettingsKey(string accountId, string region) => new(accountId, region, "settings");
}
