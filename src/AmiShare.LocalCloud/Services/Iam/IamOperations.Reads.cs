using System.Xml.Linq;
using AmiShare.LocalCloud.Protocol;

namespace AmiShare.LocalCloud.Services.Iam;

/// <summary>
/// The per-entity reads <c>amishare doctor</c> makes to learn a principal's identity policies, as IAM answers them:
/// a user's inline and attached policies, and a managed policy's default version. LocalCloud keeps one version per
/// managed policy, so its default version is always <c>v1</c>.
/// </summary>
public sealed partial class IamOperations
{
    private const string OnlyVersion = "v1";

    private OperationResponse ListUserPolicies(OperationRequest request)
    {
        var user = RequireUser(request.Caller.AccountId, request.Parameters.GetRequiredString("UserName"));
        request.Authorize("iam:ListUserPolicies", user.Arn);
        return OperationResponse.Xml(
            XmlShapes.MemberValues("PolicyNames", user.InlinePolicies.Keys.Order(StringComparer.Ordinal)),
            new XElement("IsTruncated", "false"));
    }

    private OperationResponse ListAttachedUserPolicies(OperationRequest request)
    {
        var user = RequireUser(request.Caller.AccountId, request.Parameters.GetRequiredString("UserName"));
        request.Authorize("iam:ListAttachedUserPolicies", user.Arn);
        return OperationResponse.Xml(
            AttachedPolicies("AttachedPolicies", user.AttachedPolicyArns),
            new XElement("IsTruncated", "false"));
    }

    private OperationResponse GetPolicy(OperationRequest request)
    {
        var policy = RequireReadablePolicy(request);
        request.Authorize("iam:GetPolicy", policy.Arn);
        return OperationResponse.Xml(PolicyElement("Policy", policy, AttachmentCount(policy.Arn), withVersions: false));
    }

    private OperationResponse GetPolicyVersion(OperationRequest request)
    {
        var policy = RequireReadablePolicy(request);
        var version = request.Parameters.GetRequiredString("VersionId");
        request.Authorize("iam:GetPolicyVersion", policy.Arn);
        if (version != OnlyVersion)
        {
            throw NoSuchEntity($"Policy {policy.Arn} version {version} does not exist or is not attachable.");
        }

        return OperationResponse.Xml(new XElement(
            "PolicyVersion",
            new XElement("Document", PolicyDocuments.Encode(policy.Document)),
            new XElement("VersionId", OnlyVersion),
            new XElement("IsDefaultVersion", "true"),
            new XElement("CreateDate", XmlShapes.Timestamp(policy.CreateDate))));
    }

    /// <summary>A policy of the caller's account or an AWS managed one; another account's policies are invisible, as in IAM.</summary>
    private IamManagedPolicy RequireReadablePolicy(OperationRequest request)
    {
        var arn = request.Parameters.GetRequiredString("PolicyArn");
        var owner = Authorization.ArnParts.AccountOf(arn);
        var policy = owner == IamEntityKinds.AwsManagedAccount || owner == request.Caller.AccountId ? cloud.Iam.FindPolicy(arn) : null;
        return policy ?? throw NoSuchEntity($"Policy {arn} was not found.");
    }

    private int AttachmentCount(string arn) => cloud.State.Read(view =>
        view.List(IamEntityKinds.User, Authorization.ArnParts.AccountOf(arn) ?? string.Empty).Count(u => u.AttachedPolicyArns.Contains(arn, StringComparer.Ordinal))
        + view.List(IamEntityKinds.Role, Authorization.ArnParts.AccountOf(arn) ?? string.Empty).Count(r => r.AttachedPolicyArns.Contains(arn, StringComparer.Ordinal)));
}
