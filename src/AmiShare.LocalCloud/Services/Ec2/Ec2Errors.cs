using AmiShare.LocalCloud.Protocol;

namespace AmiShare.LocalCloud.Services.Ec2;

/// <summary>
/// Every error EC2 handlers raise, each wire code spelled once. Codes and messages are AWS's own (clients and
/// the botocore conformance tests match on them), so a change here is a change on the wire.
/// </summary>
internal static class Ec2Errors
{
    private const string SnapshotNotFoundCode = "InvalidSnapshot.NotFound";

    public static AwsServiceException InvalidParameterValue(string message) => Error("InvalidParameterValue", message);

    public static AwsServiceException InvalidParameterCombination(string message) => Error("InvalidParameterCombination", message);

    public static AwsServiceException InvalidParameter(string message) => Error("InvalidParameter", message);

    public static AwsServiceException MissingParameter(string parameter) => Error("MissingParameter", $"The request must contain the parameter {parameter}");

    public static AwsServiceException IncorrectState(string message) => Error("IncorrectState", message);

    public static AwsServiceException OperationNotPermitted(string message) => Error("OperationNotPermitted", message);

    public static AwsServiceException UnsupportedOperation(string message) => Error("UnsupportedOperation", message);

    public static AwsServiceException InvalidRequest(string message) => Error("InvalidRequest", message);

    public static AwsServiceException InvalidBlockDeviceMapping(string message) => Error("InvalidBlockDeviceMapping", message);

    public static AwsServiceException IdempotentParameterMismatch(string clientToken) =>
        Error("IdempotentParameterMismatch", $"The client token '{clientToken}' was already used with different parameters.");

    public static AwsServiceException TagLimitExceeded(string message) => Error("TagLimitExceeded", message);

    public static AwsServiceException ResourceLimitExceeded(string message) => Error("ResourceLimitExceeded", message);

    public static AwsServiceException InstanceLimitExceeded(string message) => Error("InstanceLimitExceeded", message);

    public static AwsServiceException NotOwner(string kind, string id) => Error("AuthFailure", $"Not authorized for {kind}:{id}");

    public static AwsServiceException MalformedImageId(string id) => Error("InvalidAMIID.Malformed", $"Invalid id: \"{id}\" (expecting \"ami-...\")");

    public static AwsServiceException MalformedSnapshotId(string id) => Error("InvalidSnapshotID.Malformed", $"Invalid id: \"{id}\" (expecting \"snap-...\")");

    public static AwsServiceException MalformedVolumeId(string id) => Error("InvalidVolumeID.Malformed", $"Invalid id: \"{id}\" (expecting \"vol-...\")");

    public static AwsServiceException MalformedInstanceId(string id) => Error("InvalidInstanceID.Malformed", $"Invalid id: \"{id}\"");

    public static AwsServiceException MalformedUserId(string id) => Error("InvalidUserID.Malformed", $"Invalid user id: \"{id}\"");

    public static AwsServiceException ImageNotFound(string id) => Error("InvalidAMIID.NotFound", $"The image id '[{id}]' does not exist");

    public static AwsServiceException ImagesNotFound(IReadOnlyList<string> ids) =>
        Error("InvalidAMIID.NotFound", $"The image ids '[{string.Join(", ", ids)}]' do not exist");

    public static AwsServiceException ImageUnavailable(string message) => Error("InvalidAMIID.Unavailable", message);

    public static AwsServiceException DuplicateImageName(string name, string existingImageId) =>
        Error("InvalidAMIName.Duplicate", $"AMI name {name} is already in use by AMI {existingImageId}");

    public static AwsServiceException SnapshotNotFound(string id) => Error(SnapshotNotFoundCode, $"The snapshot '{id}' does not exist.");

    /// <summary>RegisterImage of a snapshot shared with the caller: AWS answers NotFound, as for any snapshot not the caller's.</summary>
    public static AwsServiceException SnapshotNotOwned(string id) => Error(SnapshotNotFoundCode, $"The snapshot '{id}' is not owned by your account; copy it first.");

    public static AwsServiceException SnapshotInUse(string snapshotId, string imageId) =>
        Error("InvalidSnapshot.InUse", $"The snapshot {snapshotId} is currently in use by {imageId}");

    public static AwsServiceException VolumeNotFound(string id) => Error("InvalidVolume.NotFound", $"The volume '{id}' does not exist.");

    public static AwsServiceException VolumeInUse(string volumeId, string instanceId) =>
        Error("VolumeInUse", $"Volume {volumeId} is currently attached to {instanceId}");

    public static AwsServiceException InstanceNotFound(string id) => Error("InvalidInstanceID.NotFound", $"The instance ID '{id}' does not exist");

    /// <summary>A LocalCloud built without KMS: an emulator configuration fault, not the caller's, hence 500.</summary>
    public static AwsServiceException KmsUnavailable() =>
        new("InternalError", "This LocalCloud runs EC2 without KMS, so encrypted volumes and snapshots are unavailable.", 500);

    public static AwsServiceException InvalidParameterDependency(string parameter, string required) =>
        Error("InvalidParameterDependency", $"The parameter {parameter} requires the parameter {required} to be set.");

    public static AwsServiceException InvalidId(string message) => Error("InvalidID", message);

    public static AwsServiceException AttachmentNotFound(string volumeId, string instanceId) =>
        Error("InvalidAttachment.NotFound", $"The volume '{volumeId}' is not attached to instance '{instanceId}'.");

    public static AwsServiceException VolumeZoneMismatch(string volumeId, string instanceId) =>
        Error("InvalidVolume.ZoneMismatch", $"The volume '{volumeId}' is not in the same availability zone as instance '{instanceId}'");

    public static AwsServiceException VolumeAlreadyAttached(string volumeId, string instanceId) =>
        Error("VolumeInUse", $"{volumeId} is already attached to an instance ({instanceId}).");

    private static AwsServiceException Error(string code, string message) => new(code, message, 400);
}
