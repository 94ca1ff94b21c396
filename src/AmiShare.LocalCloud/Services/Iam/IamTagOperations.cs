using System.Xml.Linq;
using AmiShare.LocalCloud.Protocol;
using static AmiShare.LocalCloud.Protocol.OperationHandlers;

namespace AmiShare.LocalCloud.Services.Iam;

/// <summary>
/// Tags on roles and users: TagRole, UntagRole, ListRoleTags, TagUser, UntagUser, ListUserTags. Each is its own
/// action on the entity's ARN with the entity's tags as <c>aws:ResourceTag</c>/<c>iam:ResourceTag</c>; tagging adds
/// <c>aws:RequestTag</c> and <c>aws:TagKeys</c>, untagging <c>aws:TagKeys</c> (Service Authorization Reference, IAM).
/// </summary>
internal sealed class IamTagOperations(IamEntityAccess entities) : IServiceOperations
{
    public AwsServiceDescriptor Service => AwsServices.Iam;

    public IReadOnlyDictionary<string, OperationHandler> Operations => new Dictionary<string, OperationHandler>
    {
        ["TagRole"] = Sync(TagRole),
        ["UntagRole"] = Sync(UntagRole),
        ["ListRoleTags"] = Sync(ListRoleTags),
        ["TagUser"] = Sync(TagUser),
        ["UntagUser"] = Sync(UntagUser),
        ["ListUserTags"] = Sync(ListUserTags),
    };

    private OperationResponse TagRole(OperationRequest request)
    {
        var account = request.Caller.AccountId;
        var role = entities.RequireRole(account, request.Parameters.GetRequiredString("RoleName"));
        var tags = RequireTags(request);
        request.Authorize("iam:TagRole", role.Arn, IamTags.Context(role.Tags, tags));
        entities.UpdateRole(account, role.RoleName, r => r with { Tags = IamTags.With(r.Tags, tags) });
        return OperationResponse.Empty;
    }

    private OperationResponse UntagRole(OperationRequest request)
    {
        var account = request.Caller.AccountId;
        var role = entities.RequireRole(account, request.Parameters.GetRequiredString("RoleName"));
        var keys = IamTags.ReadKeys(request.Parameters);
        request.Authorize("iam:UntagRole", role.Arn, IamTags.Context(role.Tags, tagKeys: keys));
        entities.UpdateRole(account, role.RoleName, r => r with { Tags = IamTags.Without(r.Tags, keys) });
        return OperationResponse.Empty;
    }

    private OperationResponse ListRoleTags(OperationRequest request)
    {
        var role = entities.RequireRole(request.Caller.AccountId, request.Parameters.GetRequiredString("RoleName"));
        request.Authorize("iam:ListRoleTags", role.Arn, IamTags.Context(role.Tags));
        return OperationResponse.Xml(IamTags.List(role.Tags), new XElement("IsTruncated", "false"));
    }

    private OperationResponse TagUser(OperationRequest request)
    {
        var account = request.Caller.AccountId;
        var user = entities.RequireUser(account, request.Parameters.GetRequiredString("UserName"));
        var tags = RequireTags(request);
        request.Authorize("iam:TagUser", user.Arn, IamTags.Context(user.Tags, tags));
        entities.UpdateUser(account, user.UserName, u => u with { Tags = IamTags.With(u.Tags, tags) });
        return OperationResponse.Empty;
    }

    private OperationResponse UntagUser(OperationRequest request)
    {
        var account = request.Caller.AccountId;
        var user = entities.RequireUser(account, request.Parameters.GetRequiredString("UserName"));
        var keys = IamTags.ReadKeys(request.Parameters);
        request.Authorize("iam:UntagUser", user.Arn, IamTags.Context(user.Tags, tagKeys: keys));
        entities.UpdateUser(account, user.UserName, u => u with { Tags = IamTags.Without(u.Tags, keys) });
        return OperationResponse.Empty;
    }

    private OperationResponse ListUserTags(OperationRequest request)
    {
        var user = entities.RequireUser(request.Caller.AccountId, request.Parameters.GetRequiredString("UserName"));
        request.Authorize("iam:ListUserTags", user.Arn, IamTags.Context(user.Tags));
        return OperationResponse.Xml(IamTags.List(user.Tags), new XElement("IsTruncated", "false"));
    }

    // Tags is required on TagRole/TagUser (IAM API Reference); an empty list would authorize a no-op.
    private static IReadOnlyList<IamTag> RequireTags(OperationRequest request)
    {
        var tags = IamTags.Read(request.Parameters);
        return tags.Count > 0
            ? tags
            : throw IamErrors.Validation("1 validation error detected: Value null at 'tags' failed to satisfy constraint: Member must not be null");
    }
}
