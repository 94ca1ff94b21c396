using AmiShare.LocalCloud.Protocol;

namespace AmiShare.LocalCloud.Services.Ssm;

/// <summary>
/// Every error the Parameter Store handlers raise, each wire code spelled once (JSON <c>__type</c>, HTTP 400);
/// codes come from the SSM service model, messages follow AWS's wording.
/// </summary>
internal static class SsmErrors
{
    public static AwsServiceException Validation(string message) => Error("ValidationException", message);

    public static AwsServiceException ParameterNotFound(string name) => Error("ParameterNotFound", $"Parameter {name} not found.");

    public static AwsServiceException ParameterAlreadyExists() =>
        Error("ParameterAlreadyExists", "The parameter already exists. To overwrite this value, set the overwrite option in the request to true.");

    public static AwsServiceException VersionNotFound(string name, string selector) =>
        Error("ParameterVersionNotFound", $"Systems Manager could not find version {selector} of {name}. Verify the version and try again.");

    public static AwsServiceException LabelLimitExceeded() =>
        Error("ParameterVersionLabelLimitExceeded", "A parameter version can have maximum 10 labels. Move one or more labels to another version and try again.");

    public static AwsServiceException MaxVersionLimitExceeded(string name, long oldest) =>
        Error("ParameterMaxVersionLimitExceeded", $"You attempted to create a new version of {name} by calling the PutParameter API with the overwrite flag. Version {oldest}, the oldest version, can't be deleted because it has a label associated with it. Move the label to another version of the parameter, and try again.");

    public static AwsServiceException HierarchyLevelLimitExceeded() =>
        Error("HierarchyLevelLimitExceededException", "A hierarchy can have a maximum of 15 levels. Specify a parameter name with fewer levels and try again.");

    public static AwsServiceException HierarchyTypeMismatch() =>
        Error("HierarchyTypeMismatchException", "Parameter Store does not support changing a parameter type in a hierarchy. Create a new parameter with a different type.");

    public static AwsServiceException UnsupportedParameterType(string type) =>
        Error("UnsupportedParameterType", $"LocalCloud stores String and StringList parameters; {type} is not emulated (it would need KMS encryption of the value).");

    public static AwsServiceException InvalidNextToken() => Error("InvalidNextToken", "The specified token is not valid.");

    private static AwsServiceException Error(string code, string message) => new(code, message, 400);
}
