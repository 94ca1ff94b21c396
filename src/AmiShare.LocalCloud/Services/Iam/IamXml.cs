using System.Globalization;
using System.Xml.Linq;
using AmiShare.LocalCloud.Protocol;

namespace AmiShare.LocalCloud.Services.Iam;

/// <summary>The IAM query protocol's shapes of users, roles, policies and policy lists.</summary>
internal static class IamXml
{
    public static XElement InlinePolicyList(string name, IReadOnlyDictionary<string, string> policies) => XmlShapes.MemberList(
        name,
        policies.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => (IEnumerable<XElement>)
        [
            new XElement("PolicyName", p.Key),
            new XElement("PolicyDocument", PolicyDocuments.Encode(p.Value)),
        ]));

    public static XElement? BoundaryElement(string? boundaryArn) => boundaryArn is null
        ? null
        : new XElement(
            "PermissionsBoundary",
            new XElement("PermissionsBoundaryType", "PermissionsBoundaryPolicy"),
            new XElement("PermissionsBoundaryArn", boundaryArn));

    public static XElement UserElement(string elementName, IamUser user) => new(
        elementName,
        new XElement("Path", user.Path),
        new XElement("UserName", user.UserName),
        new XElement("UserId", user.UserId),
        new XElement("Arn", user.Arn),
        new XElement("CreateDate", XmlShapes.Timestamp(user.CreateDate)),
        BoundaryElement(user.PermissionsBoundaryArn),
        IamTags.Element(user.Tags));

    public static XElement RoleElement(string elementName, IamRole role) => new(
        elementName,
        new XElement("Path", role.Path),
        new XElement("RoleName", role.RoleName),
        new XElement("RoleId", role.RoleId),
        new XElement("Arn", role.Arn),
        new XElement("CreateDate", XmlShapes.Timestamp(role.CreateDate)),
        new XElement("AssumeRolePolicyDocument", PolicyDocuments.Encode(role.AssumeRolePolicyDocument)),
        role.Description is null ? null : new XElement("Description", role.Description),
        new XElement("MaxSessionDuration", role.MaxSessionDuration.ToString(CultureInfo.InvariantCulture)),
        BoundaryElement(role.PermissionsBoundaryArn),
        IamTags.Element(role.Tags));

    public static XElement PolicyElement(string elementName, IamManagedPolicy policy, int attachmentCount, bool withVersions) => new(
        elementName,
        new XElement("PolicyName", policy.PolicyName),
        new XElement("PolicyId", policy.PolicyId),
        new XElement("Arn", policy.Arn),
        new XElement("Path", policy.Path),
        new XElement("DefaultVersionId", "v1"),
        new XElement("AttachmentCount", attachmentCount.ToString(CultureInfo.InvariantCulture)),
        new XElement("PermissionsBoundaryUsageCount", "0"),
        new XElement("IsAttachable", "true"),
        policy.Description is null ? null : new XElement("Description", policy.Description),
        new XElement("CreateDate", XmlShapes.Timestamp(policy.CreateDate)),
        new XElement("UpdateDate", XmlShapes.Timestamp(policy.UpdateDate)),
        withVersions
            ? XmlShapes.MemberList("PolicyVersionList", [[
                new XElement("Document", PolicyDocuments.Encode(policy.Document)),
                new XElement("VersionId", "v1"),
                new XElement("IsDefaultVersion", "true"),
                new XElement("CreateDate", XmlShapes.Timestamp(policy.CreateDate))]])
            : null);
}
