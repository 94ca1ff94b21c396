using System.Xml.Linq;
using AmiShare.LocalCloud.Protocol;
using AmiShare.LocalCloud.State;
using AmiShare.Policy.Catalogue;
using static AmiShare.LocalCloud.Protocol.OperationHandlers;

namespace AmiShare.LocalCloud.Services.Iam;

/// <summary>Roles: create, get, delete, inline and attached policies, service-linked roles.</summary>
internal sealed class IamRoleOperations(LocalCloudContext cloud, IamEntityAccess entities) : IServiceOperations
{
    public AwsServiceDescriptor Service => AwsServices.Iam;

    public IReadOnlyDictionary<string, OperationHandler> Operations => new Dictionary<string, OperationHandler>
    {
        ["CreateRole"] = Sync(CreateRole),
        ["GetRole"] = Sync(GetRole),
        ["DeleteRole"] = Sync(DeleteRole),
        ["PutRolePolicy"] = Sync(PutRolePolicy),
        ["GetRolePolicy"] = Sync(GetRolePolicy),
        ["DeleteRolePolicy"] = Sync(DeleteRolePolicy),
        ["ListRolePolicies"] = Sync(ListRolePolicies),
        ["AttachRolePolicy"] = Sync(AttachRolePolicy),
        ["DetachRolePolicy"] = Sync(DetachRolePolicy),
        ["ListAttachedRolePolicies"] = Sync(ListAttachedRolePolicies),
        ["CreateServiceLinkedRole"] = Sync(CreateServiceLinkedRole),
    };

    public const int DefaultMaxSessionDuration = 3600;

    /// <summary>Services that can own a service-linked role here, and the role name AWS gives it.</summary>
    private static readonly Dictionary<string, (string RoleName, string PolicyArn)> ServiceLinkedRoles = new(StringComparer.Ordinal)
    {
        [AwsServicePrincipals.AutoScaling] = (AwsServicePrincipals.AutoScalingServiceRoleName, AwsManagedPolicies.AutoScalingServiceRolePolicyArn),
        ["spot.amazonaws.com"] = ("AWSServiceRoleForEC2Spot", AwsManagedPolicies.Ec2SpotServiceRolePolicyArn),
    };

    private OperationResponse CreateRole(OperationRequest request)
    {
        var account = request.Caller.AccountId;
        var name = IamParameters.Name(request, "RoleName");
        var path = IamParameters.PathParameter(request);
        var trust = PolicyDocuments.Validate(request.Parameters.GetRequiredString("AssumeRolePolicyDocument"), PolicyDocuments.TrustPolicyMaximumLength);
        var maxSession = request.Parameters.GetInt32("MaxSessionDuration") ?? DefaultMaxSessionDuration;
        if (maxSession is < 3600 or > 43200)
        {
            throw IamErrors.Validation($"1 validation error detected: Value '{maxSession}' at 'maxSessionDuration' failed to satisfy constraint: Member must have value between 3600 and 43200");
        }

        var tags = IamTags.Read(request.Parameters);
        var arn = $"arn:aws:iam::{account}:role{path}{name}";
        IamTags.AuthorizeCreate(request, "iam:CreateRole", "iam:TagRole", arn, tags);
        var role = entities.AddRole(new IamRole(
            account, name, cloud.Ids.UniqueId("AROA"), path, arn, request.Time.GetUtcNow(), trust,
            request.Parameters.GetString("Description"), maxSession, new Dictionary<string, string>(), [],
            request.Parameters.GetString("PermissionsBoundary")) { Tags = tags });
        return OperationResponse.Xml(IamXml.RoleElement("Role", role));
    }

    private OperationResponse GetRole(OperationRequest request)
    {
        var role = entities.RequireRole(request.Caller.AccountId, request.Parameters.GetRequiredString("RoleName"));
        request.Authorize("iam:GetRole", role.Arn, IamTags.Context(role.Tags));
        return OperationResponse.Xml(IamXml.RoleElement("Role", role));
    }

    private OperationResponse DeleteRole(OperationRequest request)
    {
        var account = request.Caller.AccountId;
        var role = entities.RequireRole(account, request.Parameters.GetRequiredString("RoleName"));
        request.Authorize("iam:DeleteRole", role.Arn);
        if (role.InlinePolicies.Count > 0)
        {
            throw IamErrors.DeleteConflict("Cannot delete entity, must delete policies first.");
        }

        if (role.AttachedPolicyArns.Count > 0)
        {
            throw IamErrors.DeleteConflict("Cannot delete entity, must detach all policies first.");
        }

        cloud.State.Write(tx => tx.Delete(IamEntityKinds.Role, IamEntityKinds.RoleKey(account, role.RoleName)));
        return OperationResponse.Empty;
    }

    private OperationResponse PutRolePolicy(OperationRequest request)
    {
        var account = request.Caller.AccountId;
        var role = entities.RequireRole(account, request.Parameters.GetRequiredString("RoleName"));
        var policyName = IamParameters.PolicyName(request);
        var document = PolicyDocuments.Validate(request.Parameters.GetRequiredString("PolicyDocument"), PolicyDocuments.InlinePolicyMaximumLength);
        request.Authorize("iam:PutRolePolicy", role.Arn);
        entities.UpdateRole(account, role.RoleName, r => r with { InlinePolicies = IamPolicyLists.With(r.InlinePolicies, policyName, document) });
        return OperationResponse.Empty;
    }

    private OperationResponse GetRolePolicy(OperationRequest request)
    {
        var role = entities.RequireRole(request.Caller.AccountId, request.Parameters.GetRequiredString("RoleName"));
        var policyName = request.Parameters.GetRequiredString("PolicyName");
        request.Authorize("iam:GetRolePolicy", role.Arn);
        var document = role.InlinePolicies.GetValueOrDefault(policyName)
            ?? throw IamErrors.NoSuchEntity($"The role policy with name {policyName} cannot be found.");
        return OperationResponse.Xml(
            new XElement("RoleName", role.RoleName),
            new XElement("PolicyName", policyName),
            new XElement("PolicyDocument", PolicyDocuments.Encode(document)));
    }

    private OperationResponse DeleteRolePolicy(OperationRequest request)
    {
        var account = request.Caller.AccountId;
        var role = entities.RequireRole(account, request.Parameters.GetRequiredString("RoleName"));
        var policyName = request.Parameters.GetRequiredString("PolicyName");
        request.Authorize("iam:DeleteRolePolicy", role.Arn);
        if (!role.InlinePolicies.ContainsKey(policyName))
        {
            throw IamErrors.NoSuchEntity($"The role policy with name {policyName} cannot be found.");
        }

        entities.UpdateRole(account, role.RoleName, r => r with { InlinePolicies = IamPolicyLists.Without(r.InlinePolicies, policyName) });
        return OperationResponse.Empty;
    }

    private OperationResponse ListRolePolicies(OperationRequest request)
    {
        var role = entities.RequireRole(request.Caller.AccountId, request.Parameters.GetRequiredString("RoleName"));
        request.Authorize("iam:ListRolePolicies", role.Arn);
        return OperationResponse.Xml(
            XmlShapes.MemberValues("PolicyNames", role.InlinePolicies.Keys.Order(StringComparer.Ordinal)),
            new XElement("IsTruncated", "false"));
    }

    private OperationResponse AttachRolePolicy(OperationRequest request)
    {
        var account = request.Caller.AccountId;
        var role = entities.RequireRole(account, request.Parameters.GetRequiredString("RoleName"));
        var policy = entities.RequireAttachablePolicy(request);
        request.Authorize("iam:AttachRolePolicy", role.Arn);
        entities.UpdateRole(account, role.RoleName, r => r with { AttachedPolicyArns = IamPolicyLists.WithArn(r.AttachedPolicyArns, policy.Arn) });
        return OperationResponse.Empty;
    }

    private OperationResponse DetachRolePolicy(OperationRequest request)
    {
        var account = request.Caller.AccountId;
        var role = entities.RequireRole(account, request.Parameters.GetRequiredString("RoleName"));
        var policyArn = request.Parameters.GetRequiredString("PolicyArn");
        request.Authorize("iam:DetachRolePolicy", role.Arn);
        if (!role.AttachedPolicyArns.Contains(policyArn, StringComparer.Ordinal))
        {
            throw IamErrors.NoSuchEntity($"Policy {policyArn} was not found.");
        }

        entities.UpdateRole(account, role.RoleName, r => r with { AttachedPolicyArns = [.. r.AttachedPolicyArns.Where(a => a != policyArn)] });
        return OperationResponse.Empty;
    }

    private OperationResponse ListAttachedRolePolicies(OperationRequest request)
    {
        var role = entities.RequireRole(request.Caller.AccountId, request.Parameters.GetRequiredString("RoleName"));
        request.Authorize("iam:ListAttachedRolePolicies", role.Arn);
        return OperationResponse.Xml(
            entities.AttachedPolicies("AttachedPolicies", role.AttachedPolicyArns),
            new XElement("IsTruncated", "false"));
    }

    private OperationResponse CreateServiceLinkedRole(OperationRequest request)
    {
        var account = request.Caller.AccountId;
        var serviceName = request.Parameters.GetRequiredString("AWSServiceName");
        if (!ServiceLinkedRoles.TryGetValue(serviceName, out var known))
        {
            throw IamErrors.InvalidInput($"Service name {serviceName} is not a valid service linked role service in LocalCloud (known: {string.Join(", ", ServiceLinkedRoles.Keys)}).");
        }

        var suffix = request.Parameters.GetString("CustomSuffix");
        var name = suffix is null ? known.RoleName : $"{known.RoleName}_{suffix}";
        var path = $"/aws-service-role/{serviceName}/";
        var arn = $"arn:aws:iam::{account}:role{path}{name}";
        request.Authorize("iam:CreateServiceLinkedRole", arn, new Dictionary<string, IReadOnlyList<string>> { ["iam:AWSServiceName"] = [serviceName] });

        var trust = $$"""{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":["{{serviceName}}"]},"Action":["sts:AssumeRole"]}]}""";
        var role = entities.AddRole(new IamRole(
            account, name, cloud.Ids.UniqueId("AROA"), path, arn, request.Time.GetUtcNow(), trust,
            request.Parameters.GetString("Description"), DefaultMaxSessionDuration, new Dictionary<string, string>(), [known.PolicyArn]),
            () => IamErrors.InvalidInput($"Service role name {name} has been taken in this account, please try a different suffix."));
        return OperationResponse.Xml(IamXml.RoleElement("Role", role));
    }
}
