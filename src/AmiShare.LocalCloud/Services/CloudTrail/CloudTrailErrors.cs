using AmiShare.LocalCloud.Protocol;

namespace AmiShare.LocalCloud.Services.CloudTrail;

/// <summary>Every error LookupEvents raises, each wire code spelled once; codes and messages are CloudTrail's own.</summary>
internal static class CloudTrailErrors
{
    private const string InvalidNextTokenCode = "InvalidNextTokenException";

    public static AwsServiceException InvalidTimeRange(string message) => Error("InvalidTimeRangeException", message);

    public static AwsServiceException InvalidMaxResults(string message) => Error("InvalidMaxResultsException", message);

    public static AwsServiceException InvalidEventCategory(string message) => Error("InvalidEventCategoryException", message);

    public static AwsServiceException InvalidLookupAttributes(string message) => Error("InvalidLookupAttributesException", message);

    public static AwsServiceException InvalidNextToken() => Error(InvalidNextTokenCode, "The NextToken is not valid.");

    public static AwsServiceException NextTokenMismatch() =>
        Error(InvalidNextTokenCode, "The NextToken was issued for a request with different parameters; repeat the original LookupAttributes, StartTime and EndTime.");

    private static AwsServiceException Error(string code, string message) => new(code, message, 400);
}
