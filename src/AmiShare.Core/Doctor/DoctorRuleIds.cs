namespace AmiShare.Core.Doctor;

/// <summary>
/// The ids of doctor's rules, the one place they are written. They are stable: reports carry them, scripts match on
/// them, and docs/doctor.md lists every one (a test holds the two together).
/// </summary>
public static class DoctorRuleIds
{
    public const string Principal = "principal";
    public const string ImageState = "image-state";
    public const string LaunchPermission = "launch-permission";
    public const string AllowedImages = "allowed-images";
    public const string IamRunInstances = "iam-run-instances";
    public const string SourceKeyState = "source-key-state";
    public const string SourceKeyPermission = "source-key-permission";
    public const string DefaultEbsKey = "default-ebs-key";
    public const string CopySnapshotPermission = "copy-snapshot-permission";
    public const string IamCopyImage = "iam-copy-image";
    public const string AsgGrant = "asg-grant";
    public const string ServiceControlPolicy = "service-control-policy";
}
