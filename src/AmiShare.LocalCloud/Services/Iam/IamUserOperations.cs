using System.Xml.Linq;
using AmiShare.LocalCloud.Auth;
using AmiShare.LocalCloud.Protocol;
using AmiShare.LocalCloud.State;
using static AmiShare.LocalCloud.Protocol.OperationHandlers;

namespace AmiShare.LocalCloud.Services.Iam;

/// <summary>Users: create, get, access keys, inline and attached policies (and their listings).</summary>
internal sealed class IamUserOperations(LocalCloudContext cloud, IamEntityAccess entities) : IServiceOperations
{
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
    };

    private OperationResponse CreateUser(OperationRequest request)
    {
        var account = request.Caller.AccountId;
        var name = IamParameters.Name(request, "UserName");
        var path = IamParameters.PathParameter(request);
        var tags = IamTags.Read(request.Parameters);
        var arn = $"arn:aws:iam::{account}:user{path}{name}";
        IamTags.AuthorizeCreate(request, "iam:CreateUser", "iam:TagUser", arn, tags);

        var user = cloud.State.Write(tx =>
        {
            if (tx.Find(IamEntityKinds.User, IamEntityKinds.UserKey(account, name)) is not null)
            {
                throw IamErrors.EntityAlreadyExists($"User with name {name} already exists.");
            }

            var created = new IamUser(account, name, cloud.Ids.UniqueId("AIDA"), path, arn, request.Time.GetUtcNow(), new Dictionary<string, string>(), []) { Tags = tags };
            tx.Put(IamEntityKinds.User, IamEntityKinds.UserKey(account, name), created);
            return created;
        });
        return OperationResponse.Xml(IamXml.UserElement("User", user));
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
                    throw IamErrors.Validation("Must specify userName when calling with non-User credentials");
            }
        }

        var user = entities.RequireUser(caller.AccountId, name);
        request.Authorize("iam:GetUser", user.Arn, IamTags.Context(user.Tags));
        return OperationResponse.Xml(IamXml.UserElement("User", user));
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
                throw IamErrors.Validation("Must specify userName when calling with non-User credentials");
            }

            request.Authorize("iam:CreateAccessKey", caller.PrincipalArn);
            key = new AccessKeyRecord(cloud.Ids.LongTermAccessKeyId(), cloud.Ids.SecretAccessKey(), caller.AccountId, PrincipalKind.AccountRoot, now);
        }
        else
        {
            var user = entities.RequireUser(caller.AccountId, name);
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
        var user = entities.RequireUser(account, request.Parameters.GetRequiredString("UserName"));
        var policyName = IamParameters.PolicyName(request);
        var document = PolicyDocuments.Validate(request.Parameters.GetRequiredString("PolicyDocument"), PolicyDocuments.InlinePolicyMaximumLength);
        request.Authorize("iam:PutUserPolicy", user.Arn);
        entities.UpdateUser(account, user.UserName, u => u with { InlinePolicies = IamPolicyLists.With(u.InlinePolicies, policyName, document) });
        return OperationResponse.Empty;
    }

    private OperationResponse GetUserPolicy(OperationRequest request)
    {
        var user = entities.RequireUser(request.Caller.AccountId, request.Parameters.GetRequiredString("UserName"));
        var policyName = request.Parameters.GetRequiredString("PolicyName");
        request.Authorize("iam:GetUserPolicy", user.Arn);
        var document = user.InlinePolicies.GetValueOrDefault(policyName)
            ?? throw IamErrors.NoSuchEntity($"The user policy with name {policyName} cannot be found.");
        return OperationResponse.Xml(
            new XElement("UserName", user.UserName),
            new XElement("PolicyName", policyName),
            new XElement("PolicyDocument", PolicyDocuments.Encode(document)));
    }

    private OperationResponse AttachUserPolicy(OperationRequest request)
    {
        var account = request.Caller.AccountId;
        var user = entities.RequireUser(account, request.Parameters.GetRequiredString("UserName"));
        var policy = entities.RequireAttachablePolicy(request);
        request.Authorize("iam:AttachUserPolicy", user.Arn);
        entities.UpdateUser(account, user.UserName, u => u with { AttachedPolicyArns = IamPolicyLists.WithArn(u.AttachedPolicyArns, policy.Arn) });
        return OperationResponse.Empty;
    }

    private OperationResponse ListUserPolicies(OperationRequest request)
    {
        var user = entities.RequireUser(request.Caller.AccountId, request.Parameters.GetRequiredString("UserName"));
        request.Authorize("iam:ListUserPolicies", user.Arn);
        return OperationResponse.Xml(
            XmlShapes.MemberValues("PolicyNames", user.InlinePolicies.Keys.Order(StringComparer.Ordinal)),
            new XElement("IsTruncated", "false"));
    }

    private OperationResponse ListAttachedUserPolicies(OperationRequest request)
    {
        var user = entities.RequireUser(request.Caller.AccountId, request.Parameters.GetRequiredString("UserName"));
        request.Authorize("iam:ListAttachedUserPolicies", user.Arn);
        return OperationResponse.Xml(
            entities.AttachedPolicies("AttachedPolicies", user.AttachedPolicyArns),
            new XElement("IsTruncated", "false"));
    }
}
