using AmiShare.LocalCloud.Protocol;
using AmiShare.Policy.Catalogue;
using static AmiShare.LocalCloud.Protocol.OperationHandlers;
using static AmiShare.LocalCloud.Services.Ec2.Ec2ConditionContext;
using static AmiShare.LocalCloud.Services.Ec2.Ec2Tagging;
using static AmiShare.LocalCloud.Services.Ec2.Ec2Xml;

namespace AmiShare.LocalCloud.Services.Ec2;

/// <summary>CreateTags and DeleteTags on the caller's images, snapshots, volumes and instances; only their owner may.</summary>
internal sealed class Ec2TagOperations(Ec2TaggedResources resources) : IServiceOperations
{
    public AwsServiceDescriptor Service => AwsServices.Ec2;

    public IReadOnlyDictionary<string, OperationHandler> Operations => new Dictionary<string, OperationHandler>
    {
        ["CreateTags"] = Sync(CreateTags),
        ["DeleteTags"] = Sync(DeleteTags),
    };

    /// <summary>The resources named by <c>ResourceId.N</c>, each owned by the caller.</summary>
    private List<Ec2TaggedResource> Tagged(OperationRequest request)
    {
        var ids = request.Parameters.GetList("ResourceId");
        if (ids.Count == 0)
        {
            throw Ec2Errors.MissingParameter("resourceIdSet");
        }

        return [.. ids.Select(id => resources.Owned(request, id))];
    }

    private OperationResponse CreateTags(OperationRequest request)
    {
        var tags = ParseTags(request.Parameters.GetStructureList("Tag"), valueRequired: true);
        if (tags.Count == 0)
        {
            throw Ec2Errors.MissingParameter("tagSet");
        }

        var tagged = Tagged(request);
        var context = TagContext(tags.Select(t => KeyValuePair.Create(t.Key, t.Value)));
        foreach (var resource in tagged)
        {
            request.Authorize(Ec2Actions.CreateTags, resource.Arn, context);
            request.Trail.AddResource(resource.TrailType, resource.Arn, resource.OwnerId);
        }

        request.StopIfDryRun();
        foreach (var resource in tagged)
        {
            resources.Change(resource, current =>
            {
                var merged = new Dictionary<string, string>(current, StringComparer.Ordinal);
                foreach (var (key, value) in tags)
                {
                    merged[key] = value ?? string.Empty;
                }

                return CheckTagCount(merged);
            });
        }

        return Respond(Return());
    }

    /// <summary>DeleteTags: no Tag list removes every tag; a Tag with a Value removes it only when the value matches.</summary>
    private OperationResponse DeleteTags(OperationRequest request)
    {
        var tags = ParseTags(request.Parameters.GetStructureList("Tag"), valueRequired: false);
        var tagged = Tagged(request);
        foreach (var resource in tagged)
        {
            var keys = tags.Count > 0 ? tags.Select(t => t.Key) : resource.Tags.Keys;
            request.Authorize(Ec2Actions.DeleteTags, resource.Arn, TagContext(keys.Select(k => KeyValuePair.Create(k, (string?)null))));
            request.Trail.AddResource(resource.TrailType, resource.Arn, resource.OwnerId);
        }

        request.StopIfDryRun();
        foreach (var resource in tagged)
        {
            resources.Change(resource, current => tags.Count == 0
                ? new Dictionary<string, string>(StringComparer.Ordinal)
                : current.Where(t => !tags.Any(d => d.Key == t.Key && (d.Value is null || d.Value == t.Value))).ToDictionary(StringComparer.Ordinal));
        }

        return Respond(Return());
    }
}
