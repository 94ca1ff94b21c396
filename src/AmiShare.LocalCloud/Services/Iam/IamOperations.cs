using System.Globalization;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using AmiShare.LocalCloud.Auth;
using AmiShare.LocalCloud.Protocol;
using AmiShare.LocalCloud.State;

namespace AmiShare.LocalCloud.Services.Iam;

/// <summary>
/// IAM users, roles, policies and access keys (query protocol, global: the credential scope says us-east-1).
/// Every operation acts in the caller's own account and asks the authorizer for <c>iam:&lt;Operation&gt;</c>.
/// </summary>
public sealed partial class IamOperations(LocalCloudContext cloud) : IServiceOperations
{
    public const int DefaultMaxSessionDuration = 3600;
    private const int InlinePolicyMaximumLength = 10240;
    private const int ManagedPolicyMaximumLength = 6144;
    private const int TrustPolicyMaximumLength = 2048;

    /// <summary>Services that can own a service-linked role here, and the role name AWS gives it.</summary>
    private static readonly Dictionary<string, (string RoleName, string PolicyArn)> ServiceLinkedRoles = new(StringComparer.Ordinal)
    {
        ["autoscaling.amazonaws.com"] = ("AWSServiceRoleForAutoScaling", AwsManagedPolicies.AutoScalingServiceRolePolicyArn),
        ["spot.amazonaws.com"] = ("AWSServiceRoleForEC2Spot", AwsManagedPolicies.Ec2SpotServiceRolePolicyArn),
    };

    public AwsServiceDescriptor Service => AwsServices.Iam;

    public IReadOnlyDictionary<string, OperationHandler> Operations => new Dictionary<string, OperationHandler>
    {
        ["CreateUser"] = Sync(CreateUser),
        ["GetUser"] = Sync(GetUser),
        ["CreateAccessKey"] = Sync(CreateAccessKey),
        ["PutUserPolicy"] = Sync(PutUserPolicy),
        ["GetUserPolicy"] = Sync(GetUserPolicy),
        ["AttachUserPolicy"] = Sync(AttachUserPolicy),
        ["ListUserPolicies"] = Sync(ListUserPolicies),
        ["ListAttachedUserPolicies"] = Sync(ListAttachedUserPolicies),
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
        ["CreatePolicy"] = Sync(CreatePolicy),
        ["GetPolicy"] = Sync(GetPolicy),
        ["GetPolicyVersion"] = Sync(GetPolicyVersion),
        ["CreateServiceLinkedRole"] = Sync(CreateServiceLinkedRole),
        ["GetAccountAuthorizationDetails"] = Sync(GetAccountAuthorizationDetails),
        ["SimulatePrincipalPolicy"] = Sync(SimulatePrincipalPolicy),
    };

    // IAM work is in-memory and synchronous; the adapter keeps handler signatures uniform.
    private static OperationHandler Sync(Func<OperationRequest, OperationResponse> handler) => request => Task.FromResult(handler(request));

    // ---- users ----

    private OperationResponse CreateUser(OperationRequest request)
    {
        var account = request.Caller.AccountId;
        var name = Name(request, "UserName");
        var path = PathParameter(request);
        var arn = $"arn:aws:iam::{account}:user{path}{name}";
        request.Authorize("iam:CreateUser", arn);

        var user = cloud.State.Write(tx =>
        {
            if (tx.Find(IamEntityKinds.User, IamEntityKinds.UserKey(account, name)) is not null)
            {
                throw new AwsServiceException("EntityAlreadyExists", $"User with name {name} already exists.", 409);
            }

            var created = new IamUser(account, name, cloud.Ids.UniqueId("AIDA"), path, arn, request.Time.GetUtcNow(), new Dictionary<string, string>(), []);
            tx.Put(IamEntityKinds.User, IamEntityKinds.UserKey(account, name), created);
            return created;
        });
        return OperationResponse.Xml(UserElement("User", user));
    }

    private OperationResponse GetUser(OperationRequest request)
    {
        var caller = request.Caller;
        var name = request.Parameters.GetString("UserName");
        if (name is null)
        {
            switch (caller.Kind)
            {
                case PrincipalKind.AccountRoot:
                    return OperationResponse.Xml(new XElement(
                        "User",
                        new XElement("UserId", caller.AccountId),
                        new XElement("Arn", caller.PrincipalArn),
                        new XElement("CreateDate", XmlShapes.Timestamp(DateTimeOffset.UnixEpoch))));
                case PrincipalKind.IamUser:
                    name = caller.UserName!;
                    break;
                default:
                    throw new AwsServiceException("ValidationError", "Must specify userName when calling with non-User credentials", 400);
            }
        }

        var user = RequireUser(caller.AccountId, name);
        request.Authorize("iam:GetUser", user.Arn);
        return OperationResponse.Xml(UserElement("User", user));
    }

    private OperationResponse CreateAccessKey(OperationRequest request)
    {
        var caller = request.Caller;
        var name = request.Parameters.GetString("UserName") ?? caller.UserName;
        var now = request.Time.GetUtcNow();
        AccessKeyRecord key;
        if (name is null)
        {
            if (!caller.IsRoot)
            {
                throw new AwsServiceException("ValidationError", "Must specify userName when calling with non-User credentials", 400);
            }

            request.Authorize("iam:CreateAccessKey", caller.PrincipalArn);
            key = new AccessKeyRecord(cloud.Ids.LongTermAccessKeyId(), cloud.Ids.SecretAccessKey(), caller.AccountId, PrincipalKind.AccountRoot, now);
        }
        else
        {
            var user = RequireUser(caller.AccountId, name);
            request.Authorize("iam:CreateAccessKey", user.Arn);
            key = new AccessKeyRecord(cloud.Ids.LongTermAccessKeyId(), cloud.Ids.SecretAccessKey(), caller.AccountId, PrincipalKind.IamUser, now, user.UserName);
        }

        cloud.State.Write(tx => tx.Put(AccessKeyKinds.AccessKey, AccessKeyKinds.Key(key.AccessKeyId), key));
        return OperationResponse.Xml(new XElement(
            "AccessKey",
            key.UserName is null ? null : new XElement("UserName", key.UserName),
            new XElement("AccessKeyId", key.AccessKeyId),
            new XElement("Status", "Active"),
            new XElement("SecretAccessKey", key.SecretAccessKey),
            new XElement("CreateDate", XmlShapes.Timestamp(key.CreateDate))));
    }

    private OperationResponse PutUserPolicy(OperationRequest request)
    {
        var account = request.Caller.AccountId;
        var user = RequireUser(account, request.Parameters.GetRequiredString("UserName"));
        var policyName = PolicyName(request);
        var document = PolicyDocuments.Validate(request.Parameters.GetRequiredString("PolicyDocument"), InlinePolicyMaximumLength);
        request.Authorize("iam:PutUserPolicy", user.Arn);
        UpdateUser(account, user.UserName, u => u with { InlinePolicies = With(u.InlinePolicies, policyName, document) });
        return OperationResponse.Empty;
    }

    private OperationResponse GetUserPolicy(OperationRequest request)
    {
        var user = RequireUser(request.Caller.AccountId, request.Parameters.GetRequiredString("UserName"));
        var policyName = request.Parameters.GetRequiredString("PolicyName");
        request.Authorize("iam:GetUserPolicy", user.Arn);
        var document = user.InlinePolicies.GetValueOrDefault(policyName)
            ?? throw NoSuchEntity($"The user policy with name {policyName} cannot be found.");
        return OperationResponse.Xml(
            new XElement("UserName", user.UserName),
            new XElement("PolicyName", policyName),
            new XElement("PolicyDocument", PolicyDocuments.Encode(document)));
    }

    private OperationResponse AttachUserPolicy(OperationRequest request)
    {
        var account = request.Caller.AccountId;
        var user = RequireUser(account, request.Parameters.GetRequiredString("UserName"));
        var policy = RequireAttachablePolicy(request);
        request.Authorize("iam:AttachUserPolicy", user.Arn);
        UpdateUser(account, user.UserName, u => u with { AttachedPolicyArns = WithArn(u.AttachedPolicyArns, policy.Arn) });
        return OperationResponse.Empty;
    }

    // ---- roles ----

    private OperationResponse CreateRole(OperationRequest request)
    {
        var account = request.Caller.AccountId;
        var name = Name(request, "RoleName");
        var path = PathParameter(request);
        var trust = PolicyDocuments.Validate(request.Parameters.GetRequiredString("AssumeRolePolicyDocument"), TrustPolicyMaximumLength);
        var maxSession = request.Parameters.GetInt32("MaxSessionDuration") ?? DefaultMaxSessionDuration;
        if (maxSession is < 3600 or > 43200)
        {
            throw new AwsServiceException("ValidationError", $"1 validation error detected: Value '{maxSession}' at 'maxSessionDuration' failed to satisfy constraint: Member must have value between 3600 and 43200", 400);
        }

        var arn = $"arn:aws:iam::{account}:role{path}{name}";
        request.Authorize("iam:CreateRole", arn);
        var role = AddRole(new IamRole(
            account, name, cloud.Ids.UniqueId("AROA"), path, arn, request.Time.GetUtcNow(), trust,
            request.Parameters.GetString("Description"), maxSession, new Dictionary<string, string>(), [],
            request.Parameters.GetString("PermissionsBoundary")));
        return OperationResponse.Xml(RoleElement("Role", role));
    }

    private OperationResponse GetRole(OperationRequest request)
    {
        var role = RequireRole(request.Caller.AccountId, request.Parameters.GetRequiredString("RoleName"));
        request.Authorize("iam:GetRole", role.Arn);
        return OperationResponse.Xml(RoleElement("Role", role));
    }

    private OperationResponse DeleteRole(OperationRequest request)
    {
        var account = request.Caller.AccountId;
        var role = RequireRole(account, request.Parameters.GetRequiredString("RoleName"));
        request.Authorize("iam:DeleteRole", role.Arn);
        if (role.InlinePolicies.Count > 0)
        {
            throw new AwsServiceException("DeleteConflict", "Cannot delete entity, must delete policies first.", 409);
        }

        if (role.AttachedPolicyArns.Count > 0)
        {
            throw new AwsServiceException("DeleteConflict", "Cannot delete entity, must detach all policies first.", 409);
        }

        cloud.State.Write(tx => tx.Delete(IamEntityKinds.Role, IamEntityKinds.RoleKey(account, role.RoleName)));
        return OperationResponse.Empty;
    }

    private OperationResponse PutRolePolicy(OperationRequest request)
    {
        var account = request.Caller.AccountId;
        var role = RequireRole(account, request.Parameters.GetRequiredString("RoleName"));
        var policyName = PolicyName(request);
        var document = PolicyDocuments.Validate(request.Parameters.GetRequiredString("PolicyDocument"), InlinePolicyMaximumLength);
        request.Authorize("iam:PutRolePolicy", role.Arn);
        UpdateRole(account, role.RoleName, r => r with { InlinePolicies = With(r.InlinePolicies, policyName, document) });
        return OperationResponse.Empty;
    }

    private OperationResponse GetRolePolicy(OperationRequest request)
    {
        var role = RequireRole(request.Caller.AccountId, request.Parameters.GetRequiredString("RoleName"));
        var policyName = request.Parameters.GetRequiredString("PolicyName");
        request.Authorize("iam:GetRolePolicy", role.Arn);
        var document = role.InlinePolicies.GetValueOrDefault(policyName)
            ?? throw NoSuchEntity($"The role policy with name {policyName} cannot be found.");
        return OperationResponse.Xml(
            new XElement("RoleName", role.RoleName),
            new XElement("PolicyName", policyName),
            new XElement("PolicyDocument", PolicyDocuments.Encode(document)));
    }

    private OperationResponse DeleteRolePolicy(OperationRequest request)
    {
        var account = request.Caller.AccountId;
        var role = RequireRole(account, request.Parameters.GetRequiredString("RoleName"));
        var policyName = request.Parameters.GetRequiredString("PolicyName");
        request.Authorize("iam:DeleteRolePolicy", role.Arn);
        if (!role.InlinePolicies.ContainsKey(policyName))
        {
            throw NoSuchEntity($"The role policy with name {policyName} cannot be found.");
        }

        UpdateRole(account, role.RoleName, r => r with { InlinePolicies = Without(r.InlinePolicies, policyName) });
        return OperationResponse.Empty;
    }

    private OperationResponse ListRolePolicies(OperationRequest request)
    {
        var role = RequireRole(request.Caller.AccountId, request.Parameters.GetRequiredString("RoleName"));
        request.Authorize("iam:ListRolePolicies", role.Arn);
        return OperationResponse.Xml(
            XmlShapes.MemberValues("PolicyNames", role.InlinePolicies.Keys.Order(StringComparer.Ordinal)),
            new XElement("IsTruncated", "false"));
    }

    private OperationResponse AttachRolePolicy(OperationRequest request)
    {
        var account = request.Caller.AccountId;
        var role = RequireRole(account, request.Parameters.GetRequiredString("RoleName"));
        var policy = RequireAttachablePolicy(request);
        request.Authorize("iam:AttachRolePolicy", role.Arn);
        UpdateRole(account, role.RoleName, r => r with { AttachedPolicyArns = WithArn(r.AttachedPolicyArns, policy.Arn) });
        return OperationResponse.Empty;
    }

    private OperationResponse DetachRolePolicy(OperationRequest request)
    {
        var account = request.Caller.AccountId;
        var role = RequireRole(account, request.Parameters.GetRequiredString("RoleName"));
        var policyArn = request.Parameters.GetRequiredString("PolicyArn");
        request.Authorize("iam:DetachRolePolicy", role.Arn);
        if (!role.AttachedPolicyArns.Contains(policyArn, StringComparer.Ordinal))
        {
            throw NoSuchEntity($"Policy {policyArn} was not found.");
        }

        UpdateRole(account, role.RoleName, r => r with { AttachedPolicyArns = [.. r.AttachedPolicyArns.Where(a => a != policyArn)] });
        return OperationResponse.Empty;
    }

    private OperationResponse ListAttachedRolePolicies(OperationRequest request)
    {
        var role = RequireRole(request.Caller.AccountId, request.Parameters.GetRequiredString("RoleName"));
        request.Authorize("iam:ListAttachedRolePolicies", role.Arn);
        return OperationResponse.Xml(
            AttachedPolicies("AttachedPolicies", role.AttachedPolicyArns),
            new XElement("IsTruncated", "false"));
    }

    private OperationResponse CreateServiceLinkedRole(OperationRequest request)
    {
        var account = request.Caller.AccountId;
        var serviceName = request.Parameters.GetRequiredString("AWSServiceName");
        if (!ServiceLinkedRoles.TryGetValue(serviceName, out var known))
        {
            throw new AwsServiceException("InvalidInput", $"Service name {serviceName} is not a valid service linked role service in LocalCloud (known: {string.Join(", ", ServiceLinkedRoles.Keys)}).", 400);
        }

        var suffix = request.Parameters.GetString("CustomSuffix");
        var name = suffix is null ? known.RoleName : $"{known.RoleName}_{suffix}";
        var path = $"/aws-service-role/{serviceName}/";
        var arn = $"arn:aws:iam::{account}:role{path}{name}";
        request.Authorize("iam:CreateServiceLinkedRole", arn, new Dictionary<string, IReadOnlyList<string>> { ["iam:AWSServiceName"] = [serviceName] });

        var trust = $$"""{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":["{{serviceName}}"]},"Action":["sts:AssumeRole"]}]}""";
        var role = AddRole(new IamRole(
            account, name, cloud.Ids.UniqueId("AROA"), path, arn, request.Time.GetUtcNow(), trust,
            request.Parameters.GetString("Description"), DefaultMaxSessionDuration, new Dictionary<string, string>(), [known.PolicyArn]),
            $"Service role name {name} has been taken in this account, please try a different suffix.", "InvalidInput", 400);
        return OperationResponse.Xml(RoleElement("Role", role));
    }

    // ---- policies ----

    private OperationResponse CreatePolicy(OperationRequest request)
    {
        var account = request.Caller.AccountId;
        var name = PolicyName(request);
        var path = PathParameter(request);
        var document = PolicyDocuments.Validate(request.Parameters.GetRequiredString("PolicyDocument"), ManagedPolicyMaximumLength);
        var arn = $"arn:aws:iam::{account}:policy{path}{name}";
        request.Authorize("iam:CreatePolicy", arn);

        var now = request.Time.GetUtcNow();
        var policy = cloud.State.Write(tx =>
        {
            if (tx.List(IamEntityKinds.Policy, account).Any(p => string.Equals(p.PolicyName, name, StringComparison.OrdinalIgnoreCase)))
            {
                throw new AwsServiceException("EntityAlreadyExists", $"A policy called {name} already exists. Duplicate names are not allowed.", 409);
            }

            var created = new IamManagedPolicy(account, name, cloud.Ids.UniqueId("ANPA"), path, arn, document, request.Parameters.GetString("Description"), now, now);
            tx.Put(IamEntityKinds.Policy, IamEntityKinds.PolicyKey(arn), created);
            return created;
        });
        return OperationResponse.Xml(PolicyElement("Policy", policy, attachmentCount: 0, withVersions: false));
    }

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
            .Select(p => PolicyElement("member", p, attachmentCounts.GetValueOrDefault(p.Arn), withVersions: true));

        return OperationResponse.Xml(
            new XElement("UserDetailList", Wanted("User") ? users.Select(u => new XElement(
                "member",
                UserElement("member", u).Elements(),
                InlinePolicyList("UserPolicyList", u.InlinePolicies),
                new XElement("GroupList"),
                AttachedPolicies("AttachedManagedPolicies", u.AttachedPolicyArns))) : null),
            new XElement("GroupDetailList"),
            new XElement("RoleDetailList", Wanted("Role") ? roles.Select(r => new XElement(
                "member",
                RoleElement("member", r).Elements().Where(e => e.Name.LocalName is not ("Description" or "MaxSessionDuration")),
                new XElement("InstanceProfileList"),
                InlinePolicyList("RolePolicyList", r.InlinePolicies),
                AttachedPolicies("AttachedManagedPolicies", r.AttachedPolicyArns))) : null),
            new XElement("Policies", listedPolicies),
            new XElement("IsTruncated", "false"));
    }

    // ---- shared pieces ----

    private IamRole AddRole(IamRole role, string? takenMessage = null, string takenCode = "EntityAlreadyExists", int takenStatus = 409) =>
        cloud.State.Write(tx =>
        {
            var key = IamEntityKinds.RoleKey(role.AccountId, role.RoleName);
            if (tx.Find(IamEntityKinds.Role, key) is not null)
            {
                throw new AwsServiceException(takenCode, takenMessage ?? $"Role with name {role.RoleName} already exists.", takenStatus);
            }

            if (role.PermissionsBoundaryArn is { } boundary && tx.Find(IamEntityKinds.Policy, IamEntityKinds.PolicyKey(boundary)) is null)
            {
                throw NoSuchEntity($"Scope ARN: {boundary} does not exist or is not attachable.");
            }

            tx.Put(IamEntityKinds.Role, key, role);
            return role;
        });

    private IamUser RequireUser(string account, string name) =>
        cloud.Iam.FindUser(account, name) ?? throw NoSuchEntity($"The user with name {name} cannot be found.");

    private IamRole RequireRole(string account, string name) =>
        cloud.Iam.FindRole(account, name) ?? throw NoSuchEntity($"The role with name {name} cannot be found.");

    private IamManagedPolicy RequireAttachablePolicy(OperationRequest request)
    {
        var arn = request.Parameters.GetRequiredString("PolicyArn");
        var policy = cloud.Iam.FindPolicy(arn);
        var owner = Authorization.ArnParts.AccountOf(arn);
        if (policy is null || (owner != IamEntityKinds.AwsManagedAccount && owner != request.Caller.AccountId))
        {
            throw NoSuchEntity($"Policy {arn} does not exist or is not attachable.");
        }

        return policy;
    }

    private void UpdateUser(string account, string name, Func<IamUser, IamUser> change) => cloud.State.Write(tx =>
    {
        var key = IamEntityKinds.UserKey(account, name);
        var user = tx.Find(IamEntityKinds.User, key) ?? throw NoSuchEntity($"The user with name {name} cannot be found.");
        tx.Put(IamEntityKinds.User, key, change(user));
    });

    private void UpdateRole(string account, string name, Func<IamRole, IamRole> change) => cloud.State.Write(tx =>
    {
        var key = IamEntityKinds.RoleKey(account, name);
        var role = tx.Find(IamEntityKinds.Role, key) ?? throw NoSuchEntity($"The role with name {name} cannot be found.");
        tx.Put(IamEntityKinds.Role, key, change(role));
    });

    // ListAttached*Policies answers AttachedPolicies; the *Detail shapes of GetAccountAuthorizationDetails use AttachedManagedPolicies.
    private XElement AttachedPolicies(string elementName, IEnumerable<string> arns) => XmlShapes.MemberList(
        elementName,
        arns.Select(arn => (IEnumerable<XElement>)
        [
            new XElement("PolicyName", cloud.Iam.FindPolicy(arn)?.PolicyName ?? arn[(arn.LastIndexOf('/') + 1)..]),
            new XElement("PolicyArn", arn),
        ]));

    private static XElement InlinePolicyList(string name, IReadOnlyDictionary<string, string> policies) => XmlShapes.MemberList(
        name,
        policies.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => (IEnumerable<XElement>)
        [
            new XElement("PolicyName", p.Key),
            new XElement("PolicyDocument", PolicyDocuments.Encode(p.Value)),
        ]));

    private static XElement? BoundaryElement(string? boundaryArn) => boundaryArn is null
        ? null
        : new XElement(
            "PermissionsBoundary",
            new XElement("PermissionsBoundaryType", "PermissionsBoundaryPolicy"),
            new XElement("PermissionsBoundaryArn", boundaryArn));

    private static XElement UserElement(string elementName, IamUser user) => new(
        elementName,
        new XElement("Path", user.Path),
        new XElement("UserName", user.UserName),
        new XElement("UserId", user.UserId),
        new XElement("Arn", user.Arn),
        new XElement("CreateDate", XmlShapes.Timestamp(user.CreateDate)),
        BoundaryElement(user.PermissionsBoundaryArn));

    private static XElement RoleElement(string elementName, IamRole role) => new(
        elementName,
        new XElement("Path", role.Path),
        new XElement("RoleName", role.RoleName),
        new XElement("RoleId", role.RoleId),
        new XElement("Arn", role.Arn),
        new XElement("CreateDate", XmlShapes.Timestamp(role.CreateDate)),
        new XElement("AssumeRolePolicyDocument", PolicyDocuments.Encode(role.AssumeRolePolicyDocument)),
        role.Description is null ? null : new XElement("Description", role.Description),
        new XElement("MaxSessionDuration", role.MaxSessionDuration.ToString(CultureInfo.InvariantCulture)),
        BoundaryElement(role.PermissionsBoundaryArn));

    private static XElement PolicyElement(string elementName, IamManagedPolicy policy, int attachmentCount, bool withVersions) => new(
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

    private static Dictionary<string, string> With(IReadOnlyDictionary<string, string> policies, string name, string document) =>
        new(policies, StringComparer.Ordinal) { [name] = document };

    private static Dictionary<string, string> Without(IReadOnlyDictionary<string, string> policies, string name)
    {
        var result = new Dictionary<string, string>(policies, StringComparer.Ordinal);
        result.Remove(name);
        return result;
    }

    private static List<string> WithArn(IReadOnlyList<string> arns, string arn) =>
        arns.Contains(arn, StringComparer.Ordinal) ? [.. arns] : [.. arns, arn];

    private static string Name(OperationRequest request, string parameter)
    {
        var name = request.Parameters.GetRequiredString(parameter);
        return EntityNamePattern().IsMatch(name)
            ? name
            : throw new AwsServiceException("ValidationError", $"1 validation error detected: Value '{name}' at '{char.ToLowerInvariant(parameter[0])}{parameter[1..]}' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+ and have length at most 64", 400);
    }

    private static string PolicyName(OperationRequest request)
    {
        var name = request.Parameters.GetRequiredString("PolicyName");
        return PolicyNamePattern().IsMatch(name)
            ? name
            : throw new AwsServiceException("ValidationError", $"1 validation error detected: Value '{name}' at 'policyName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+", 400);
    }

    private static string PathParameter(OperationRequest request)
    {
        var path = request.Parameters.GetString("Path") ?? "/";
        return PathPattern().IsMatch(path)
            ? path
            : throw new AwsServiceException("ValidationError", $"The specified value for path is invalid. It must begin and end with / and contain only alphanumeric characters and/or / characters.", 400);
    }

    private static AwsServiceException NoSuchEntity(string message) => new("NoSuchEntity", message, 404);

    [GeneratedRegex(@"^[\w+=,.@-]{1,64}$")]
    private static partial Regex EntityNamePattern();

    [GeneratedRegex(@"^[\w+=,.@-]{1,128}$")]
    private static partial Regex PolicyNamePattern();

    [GeneratedRegex(@"^/([\x21-\x7E]{0,510}/)?$")]
    private static partial Regex PathPattern();
}
