using System.Text.RegularExpressions;

namespace AmiShare.LocalCloud.Services.Ec2;

/// <summary>The shapes of EC2 resource ids; a malformed id is refused before any lookup, as EC2 does.</summary>
internal static class Ec2Ids
{
    private static readonly Regex ImageIdPattern = new("^ami-[0-9a-f]{8}([0-9a-f]{9})?$", RegexOptions.CultureInvariant);
    private static readonly Regex SnapshotIdPattern = new("^snap-[0-9a-f]{8}([0-9a-f]{9})?$", RegexOptions.CultureInvariant);
    private static readonly Regex VolumeIdPattern = new("^vol-[0-9a-f]{8}([0-9a-f]{9})?$", RegexOptions.CultureInvariant);
    private static readonly Regex InstanceIdPattern = new("^i-[0-9a-f]{8}([0-9a-f]{9})?$", RegexOptions.CultureInvariant);

    public static string CheckImageId(string id) => ImageIdPattern.IsMatch(id) ? id
        : throw Ec2Errors.MalformedImageId(id);

    public static string CheckSnapshotId(string id) => SnapshotIdPattern.IsMatch(id) ? id
        : throw Ec2Errors.MalformedSnapshotId(id);

    public static string CheckVolumeId(string id) => VolumeIdPattern.IsMatch(id) ? id
        : throw Ec2Errors.MalformedVolumeId(id);

    public static string CheckInstanceId(string id) => InstanceIdPattern.IsMatch(id) ? id
        : throw Ec2Errors.MalformedInstanceId(id);
}
