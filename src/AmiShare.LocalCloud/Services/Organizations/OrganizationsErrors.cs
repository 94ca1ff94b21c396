using AmiShare.LocalCloud.Protocol;

namespace AmiShare.LocalCloud.Services.Organizations;

/// <summary>Every error the Organizations API raises, each wire code spelled once; codes and messages are Organizations' own.</summary>
internal static class OrganizationsErrors
{
    public static AwsServiceException NotInUse() =>
        Error("AWSOrganizationsNotInUseException", "Your account is not a member of an organization.");

    public static AwsServiceException NotAdministrator() =>
        Error("AccessDeniedException", "You don't have permissions to access this resource. Call this operation from the management account or a delegated administrator.");

    public static AwsServiceException AccountNotFound(string id) =>
        Error("AccountNotFoundException", $"You specified an account that doesn't exist: {id}.");

    public static AwsServiceException ParentNotFound(string id) =>
        Error("ParentNotFoundException", $"We can't find a root or OU with the ParentId that you specified: {id}.");

    public static AwsServiceException ChildNotFound(string id) =>
        Error("ChildNotFoundException", $"We can't find an organizational unit (OU) or AWS account with the ChildId that you specified: {id}.");

    public static AwsServiceException PolicyNotFound(string id) =>
        Error("PolicyNotFoundException", $"We can't find a policy with the PolicyId that you specified: {id}.");

    public static AwsServiceException TargetNotFound(string id) =>
        Error("TargetNotFoundException", $"We can't find a root, OU, or account with the TargetId that you specified: {id}.");

    public static AwsServiceException DuplicateAttachment() =>
        Error("DuplicatePolicyAttachmentException", "The selected policy is already attached to the specified target.");

    public static AwsServiceException NotAttached() =>
        Error("PolicyNotAttachedException", "The policy isn't attached to the specified target.");

    public static AwsServiceException DuplicatePolicy(string name) =>
        Error("DuplicatePolicyException", $"A policy with the same name already exists: {name}.");

    public static AwsServiceException MalformedPolicy(string why) =>
        Error("MalformedPolicyDocumentException", $"The provided policy document doesn't meet the requirements of the specified policy type: {why}");

    public static AwsServiceException PolicyTypeNotAvailable(string type) =>
        Error("PolicyTypeNotAvailableForOrganizationException", $"You can't use policy type {type} in LocalCloud; use SERVICE_CONTROL_POLICY or RESOURCE_CONTROL_POLICY.");

    /// <summary>AWS sends the rule broken in <c>Reason</c>, e.g. MIN_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED.</summary>
    public static AwsServiceException ConstraintViolation(string reason, string message) =>
        Error("ConstraintViolationException", $"{message} ({reason})");

    public static AwsServiceException InvalidInput(string message) => Error("InvalidInputException", message);

    private static AwsServiceException Error(string code, string message) => new(code, message, 400);
}
