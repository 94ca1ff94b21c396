using AmiShare.LocalCloud.Protocol;

namespace AmiShare.LocalCloud.Services.Sts;

/// <summary>The errors STS handlers raise, each wire code spelled once; codes and messages are STS's own.</summary>
internal static class StsErrors
{
    public static AwsServiceException Validation(string message) => new("ValidationError", message, 400);

    public static AwsServiceException InvalidParameterValue(string message) => new("InvalidParameterValue", message, 400);

    public static AwsServiceException AccessDenied(string message) => new("AccessDenied", message, 403);

    public static AwsServiceException InvalidAuthorizationMessage(string message) => new("InvalidAuthorizationMessageException", message, 400);
}
