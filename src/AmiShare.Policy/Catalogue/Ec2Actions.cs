namespace AmiShare.Policy.Catalogue;

/// <summary>EC2 action names as IAM spells them (<c>ec2:Operation</c>), written once.</summary>
public static class Ec2Actions
{
    public const string Prefix = "ec2:";
    public const string All = "ec2:*";
    public const string DescribeAny = "ec2:Describe*";

    public const string RunInstances = "ec2:RunInstances";
    public const string TerminateInstances = "ec2:TerminateInstances";
    public const string DescribeInstances = "ec2:DescribeInstances";

    public const string DescribeImages = "ec2:DescribeImages";
    public const string DescribeImageAttribute = "ec2:DescribeImageAttribute";
    public const string ModifyImageAttribute = "ec2:ModifyImageAttribute";
    public const string ResetImageAttribute = "ec2:ResetImageAttribute";
    public const string CancelImageLaunchPermission = "ec2:CancelImageLaunchPermission";
    public const string CreateImage = "ec2:CreateImage";
    public const string RegisterImage = "ec2:RegisterImage";
    public const string DeregisterImage = "ec2:DeregisterImage";
    public const string CopyImage = "ec2:CopyImage";
    public const string DisableImage = "ec2:DisableImage";
    public const string EnableImage = "ec2:EnableImage";

    public const string DescribeSnapshots = "ec2:DescribeSnapshots";
    public const string DescribeSnapshotAttribute = "ec2:DescribeSnapshotAttribute";
    public const string ModifySnapshotAttribute = "ec2:ModifySnapshotAttribute";
    public const string ResetSnapshotAttribute = "ec2:ResetSnapshotAttribute";
    public const string CreateSnapshot = "ec2:CreateSnapshot";
    public const string CopySnapshot = "ec2:CopySnapshot";
    public const string DeleteSnapshot = "ec2:DeleteSnapshot";

    public const string CreateVolume = "ec2:CreateVolume";
    public const string DeleteVolume = "ec2:DeleteVolume";
    public const string DescribeVolumes = "ec2:DescribeVolumes";

    public const string CreateTags = "ec2:CreateTags";
    public const string DeleteTags = "ec2:DeleteTags";
    public const string DescribeRegions = "ec2:DescribeRegions";

    public const string GetEbsDefaultKmsKeyId = "ec2:GetEbsDefaultKmsKeyId";
    public const string ModifyEbsDefaultKmsKeyId = "ec2:ModifyEbsDefaultKmsKeyId";
    public const string ResetEbsDefaultKmsKeyId = "ec2:ResetEbsDefaultKmsKeyId";
    public const string GetEbsEncryptionByDefault = "ec2:GetEbsEncryptionByDefault";
    public const string EnableEbsEncryptionByDefault = "ec2:EnableEbsEncryptionByDefault";
    public const string DisableEbsEncryptionByDefault = "ec2:DisableEbsEncryptionByDefault";
    public const string GetImageBlockPublicAccessState = "ec2:GetImageBlockPublicAccessState";
    public const string EnableImageBlockPublicAccess = "ec2:EnableImageBlockPublicAccess";
    public const string DisableImageBlockPublicAccess = "ec2:DisableImageBlockPublicAccess";
    public const string GetAllowedImagesSettings = "ec2:GetAllowedImagesSettings";
    public const string EnableImageDeprecation = "ec2:EnableImageDeprecation";
    public const string DisableImageDeprecation = "ec2:DisableImageDeprecation";
    public const string EnableImageDeregistrationProtection = "ec2:EnableImageDeregistrationProtection";
    public const string DisableImageDeregistrationProtection = "ec2:DisableImageDeregistrationProtection";
    public const string EnableAllowedImagesSettings = "ec2:EnableAllowedImagesSettings";
    public const string DisableAllowedImagesSettings = "ec2:DisableAllowedImagesSettings";
    public const string ReplaceImageCriteriaInAllowedImagesSettings = "ec2:ReplaceImageCriteriaInAllowedImagesSettings";
    public const string GetSnapshotBlockPublicAccessState = "ec2:GetSnapshotBlockPublicAccessState";
    public const string EnableSnapshotBlockPublicAccess = "ec2:EnableSnapshotBlockPublicAccess";
    public const string DisableSnapshotBlockPublicAccess = "ec2:DisableSnapshotBlockPublicAccess";
    public const string AttachVolume = "ec2:AttachVolume";
    public const string DetachVolume = "ec2:DetachVolume";
    public const string CreateSnapshots = "ec2:CreateSnapshots";
    public const string DescribeTags = "ec2:DescribeTags";
    public const string ModifyInstanceAttribute = "ec2:ModifyInstanceAttribute";

    /// <summary>The actions an image's launch permission authorizes for another account (a launch and a copy).</summary>
    public static readonly IReadOnlyList<string> ImageSharingActions = [RunInstances, CopyImage];

    /// <summary>The actions a snapshot's createVolumePermission authorizes for another account.</summary>
    public static readonly IReadOnlyList<string> SnapshotSharingActions = [CreateVolume, CopySnapshot];
}
