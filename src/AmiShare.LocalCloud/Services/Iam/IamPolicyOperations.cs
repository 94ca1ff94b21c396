using System.Xml.Linq;
using AmiShare.LocalCloud.Protocol;
using AmiShare.LocalCloud.State;
using static AmiShare.LocalCloud.Protocol.OperationHandlers;

namespace AmiShare.LocalCloud.Services.Iam;

/// <summary>
/// Managed policies: create, get, get the default version; and GetAccountAuthorizationDetails, the account-wide
/// read of users, roles and policies. LocalCloud keeps one version per managed policy, so its default is <c>v1</c>.
/// </summary>
internal sealed class IamPolicyOperations(LocalCloudContext cloud, IamEntityAccess entities) : IServiceOperations
{
    public AwsServiceDescriptor Service => AwsServices.Iam;

    public IReadOnlyDictionary<string, OperationHandler> Operations => new Dictionary<string, OperationHandler>
    {
        ["CreatePolicy"] = Sync(CreatePolicy),
        ["GetPolicy"] = Sync(GetPolicy),
        ["GetPolicyVersion"] = Sync(GetPolicyVersion),
        ["GetAccountAuthorizationDetails"] = Sync(GetAccountAuthorizationDetails),
    };

    private const string OnlyVersion = "v1";

    private OperationResponse CreatePolicy(OperationRequest request)
    {
        var account = request.Caller.AccountId;
        var name = IamParameters.PolicyName(request);
        var path = IamParameters.PathParameter(request);
        var document = PolicyDocuments.Validate(request.Parameters.GetRequiredString("PolicyDocument"), PolicyDocuments.ManagedPolicyMaximumLength);
        var arn = $"arn:aws:iam::{account}:policy{path}{name}";
        request.Authorize("iam:CreatePolicy", arn);

        var now = request.Time.GetUtcNow();
        var policy = cloud.State.Write(tx =>
        {
            if (tx.List(IamEntityKinds.Policy, account).Any(p => string.Equals(p.PolicyName, name, StringComparison.OrdinalIgnoreCase)))
            {
                throw IamErrors.EntityAlreadyExists($"A policy called {name} already exists. Duplicate names are not allowed.");
            }

            var created = new IamManagedPolicy(account, name, cloud.Ids.UniqueId("ANPA"), path, arn, document, request.Parameters.GetString("Description"), now, now);
            tx.Put(IamEntityKinds.Policy, IamEntityKinds.PolicyKey(arn), created);
            return created;
        });
        return OperationResponse.Xml(IamXml.PolicyElement("Policy", policy, attachmentCount: 0, withVersions: false));
    }

    private OperationResponse GetPolicy(OperationRequest request)
    {
        var policy = RequireReadablePolicy(request);
        request.Authorize("iam:GetPolicy", policy.Arn);
        return OperationResponse.Xml(IamXml.PolicyElement("Policy", policy, AttachmentCount(policy.Arn), withVersions: false));
    }

    private OperationResponse GetPolicyVersion(OperationRequest request)
    {
        var policy = RequireReadablePolicy(request);
        var version = request.Parameters.GetRequiredString("VersionId");
        request.Authorize("iam:GetPolicyVersion", policy.Arn);
        if (version != OnlyVersion)
        {
            throw IamErrors.NoSuchEntity($"Policy {policy.Arn} version {version} does not exist or is not attachable.");
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
        return policy ?? throw IamErrors.NoSuchEntity($"Policy {arn} was not found.");
    }

    private int AttachmentCount(string arn) => cloud.State.Read(view =>
        view.List(IamEntityKinds.User, Authorization.ArnParts.AccountOf(arn) ?? string.Empty).Count(u => u.AttachedPolicyArns.Contains(arn, StringComparer.Ordinal))
        + view.List(IamEntityKinds.Role, Authorization.ArnParts.AccountOf(arn) ?? string.Empty).Count(r => r.AttachedPolicyArns.Contains(arn, StringComparer.Ordinal)));

    private OperationResponse GetAccountAuthorizationDetails(OperationRequest request)
    {
        var account = request.Caller.AccountId;
        request.Authorize("iam:GetAccountAuthorizationDetails", "*");
        var filter = request.Parameters.GetMemberList("Filter");
        bool Wanted(string kind) => filter.Count == 0 || filter.Contains(kind, StringComparer.Ordinal);

        var (users, roles, policies) = cloud.State.Read(view => (
            view.List(IamEntityKinds.User, account),
            view.List(IamEntityKinds.Role, account),
            view.List(IamEntityKinds.Policy, account).Concat(view.List(IamEntityKinds.Policy, IamEntityKinds.AwsManagedAccount)).ToList()));

        var attachmentCounts = users.SelectMany(u => u.AttachedPolicyArns)
            .Concat(roles.SelectMany(r => r.AttachedPolicyArns))
            .GroupBy(a => a, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);

        // AWS lists every AWS managed policy; LocalCloud lists those in use, which is what audits care about.
        var listedPolicies = policies
            .Where(p => p.AccountId == account ? Wanted("LocalManagedPolicy") : Wanted("AWSManagedPolicy") && attachmentCounts.ContainsKey(p.Arn))
            .Select(p => IamXml.PolicyElement("member", p, attachmentCounts.GetValueOrDefault(p.Arn), withVersions: true));

        return OperationResponse.Xml(
            new XElement("UserDetailList", Wanted("User") ? users.Select(u => new XElement(
                "member",
                IamXml.UserElement("member", u).Elements(),
                IamXml.InlinePolicyList("UserPolicyList", u.InlinePolicies),
                new XElement("GroupList"),
                entities.AttachedPolicies("AttachedManagedPolicies", u.AttachedPolicyArns))) : null),
            new XElement("GroupDetailList"),
            new XElement("RoleDetailList", Wanted("Role") ? roles.Select(r => new XElement(
                "member",
                IamXml.RoleElement("member", r).Elements().Where(e => e.Name.LocalName is not ("Description" or "MaxSessionDuration")),
                new XElement("InstanceProfileList"),
                IamXml.InlinePolicyList("RolePolicyList", r.InlinePolicies),
                entities.AttachedPolicies("AttachedManagedPolicies", r.AttachedPolicyArns))) : null),
            new XElement("Policies", listedPolicies),
            new XElement("IsTruncated", "false"));
    }
}
