using AmiShare.LocalCloud.Protocol;

namespace AmiShare.LocalCloud.Services.Iam;

/// <summary>
/// Every error IAM handlers raise, each wire code (and its HTTP status, which IAM varies) spelled once. Codes and
/// messages are AWS's own, so a change here is a change on the wire.
/// </summary>
internal static class IamErrors
{
    public static AwsServiceException NoSuchEntity(string message) => new("NoSuchEntity", message, 404);

    public static AwsServiceException EntityAlreadyExists(string message) => new("EntityAlreadyExists", message, 409);

    public static AwsServiceException DeleteConflict(string message) => new("DeleteConflict", message, 409);

    public static AwsServiceException LimitExceeded(string message) => new("LimitExceeded", message, 409);

    public static AwsServiceException Validation(string message) => new("ValidationError", message, 400);

    public static AwsServiceException InvalidInput(string message) => new("InvalidInput", message, 400);

    public static AwsServiceException MalformedPolicyDocument(string message) => new("MalformedPolicyDocument", message, 400);
}
