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
        ["TagRole"] = Sync(request => Tag(request, Role(request), "iam:TagRole")),
        ["UntagRole"] = Sync(request => Untag(request, Role(request), "iam:UntagRole")),
        ["ListRoleTags"] = Sync(request => List(request, Role(request), "iam:ListRoleTags")),
        ["TagUser"] = Sync(request => Tag(request, User(request), "iam:TagUser")),
        ["UntagUser"] = Sync(request => Untag(request, User(request), "iam:UntagUser")),
        ["ListUserTags"] = Sync(request => List(request, User(request), "iam:ListUserTags")),
    };

    private static OperationResponse Tag(OperationRequest request, Tagged entity, string action)
    {
        var tags = RequireTags(request);
        request.Authorize(action, entity.Arn, IamTags.Context(entity.Tags, tags));
        entity.Update(current => IamTags.With(current, tags));
        return OperationResponse.Empty;
    }

    private static OperationResponse Untag(OperationRequest request, Tagged entity, string action)
    {
        var keys = IamTags.ReadKeys(request.Parameters);
        request.Authorize(action, entity.Arn, IamTags.Context(entity.Tags, tagKeys: keys));
        entity.Update(current => IamTags.Without(current, keys));
        return OperationResponse.Empty;
    }

    private static OperationResponse List(OperationRequest request, Tagged entity, string action)
    {
        request.Authorize(action, entity.Arn, IamTags.Context(entity.Tags));
        return OperationResponse.Xml(IamTags.List(entity.Tags), new XElement("IsTruncated", "false"));
    }

    // The role or user the request names, as the three operations above need it: the same steps serve both kinds.
    private Tagged Role(OperationRequest request)
    {
        var account = request.Caller.AccountId;
        var role = entities.RequireRole(account, request.Parameters.GetRequiredString("RoleName"));
        return new Tagged(role.Arn, role.Tags, change => entities.UpdateRole(account, role.RoleName, r => r with { Tags = change(r.Tags) }));
    }

    private Tagged User(OperationRequest request)
    {
        var account = request.Caller.AccountId;
        var user = entities.RequireUser(account, request.Parameters.GetRequiredString("UserName"));
        return new Tagged(user.Arn, user.Tags, change => entities.UpdateUser(account, user.UserName, u => u with { Tags = change(u.Tags) }));
    }

    // Tags is required on TagRole/TagUser (IAM API Reference); an empty list would authorize a no-op.
    private static IReadOnlyList<IamTag> RequireTags(OperationRequest request)
    {
        var tags = IamTags.Read(request.Parameters);
        return tags.Count > 0
            ? tags
            : throw IamErrors.Validation("1 validation error detected: Value null at 'tags' failed to satisfy constraint: Member must not be null");
    }

    /// <param name="Update">Changes the stored tags inside the state's write, from the tags as they are then.</param>
    private sealed record Tagged(string Arn, IReadOnlyList<IamTag> Tags, Action<Func<IReadOnlyList<IamTag>, IReadOnlyList<IamTag>>> Update);
}
