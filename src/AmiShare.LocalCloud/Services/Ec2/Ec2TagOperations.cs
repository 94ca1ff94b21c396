using AmiShare.LocalCloud.Protocol;
using AmiShare.Policy.Catalogue;
using static AmiShare.LocalCloud.Protocol.OperationHandlers;
using static AmiShare.LocalCloud.Services.Ec2.Ec2ConditionContext;
using static AmiShare.LocalCloud.Services.Ec2.Ec2Tagging;
using static AmiShare.LocalCloud.Services.Ec2.Ec2Xml;

namespace AmiShare.LocalCloud.Services.Ec2;

/// <summary>CreateTags and DeleteTags; LocalCloud tags images only, and only their owner may.</summary>
internal sealed class Ec2TagOperations(Ec2ResourceLookup lookup) : IServiceOperations
{
    public AwsServiceDescriptor Service => AwsServices.Ec2;

    public IReadOnlyDictionary<string, OperationHandler> Operations => new Dictionary<string, OperationHandler>
    {
        ["CreateTags"] = Sync(CreateTags),
        ["DeleteTags"] = Sync(DeleteTags),
    };

    /// <summary>The images named by <c>ResourceId.N</c>; LocalCloud tags images only, and only their owner may.</summary>
    private List<Ec2Image> TaggedImages(OperationRequest request)
    {
        var ids = request.Parameters.GetList("ResourceId");
        if (ids.Count == 0)
        {
            throw Ec2Errors.MissingParameter("resourceIdSet");
        }

        return [.. ids.Select(id => id.StartsWith("ami-", StringComparison.Ordinal)
            ? lookup.OwnedImage(request, id)
            : throw Ec2Errors.InvalidParameterValue($"LocalCloud tags images only; '{id}' is not an image id (ami-...)."))];
    }

    private OperationResponse CreateTags(OperationRequest request)
    {
        var tags = ParseTags(request.Parameters.GetStructureList("Tag"), valueRequired: true);
        if (tags.Count == 0)
        {
            throw Ec2Errors.MissingParameter("tagSet");
        }

        var images = TaggedImages(request);
        var context = TagContext(tags.Select(t => KeyValuePair.Create(t.Key, t.Value)));
        foreach (var image in images)
        {
            request.Authorize(Ec2Actions.CreateTags, image.Arn, context);
            request.Trail.AddResource("AWS::EC2::Image", image.Arn, image.OwnerId);
        }

        request.StopIfDryRun();
        foreach (var image in images)
        {
            lookup.UpdateImage(image, i =>
            {
                var merged = new Dictionary<string, string>(i.Tags, StringComparer.Ordinal);
                foreach (var (key, value) in tags)
                {
                    merged[key] = value ?? string.Empty;
                }

                return i with { Tags = CheckTagCount(merged) };
            });
        }

        return Respond(Return());
    }

    /// <summary>DeleteTags: no Tag list removes every tag; a Tag with a Value removes it only when the value matches.</summary>
    private OperationResponse DeleteTags(OperationRequest request)
    {
        var tags = ParseTags(request.Parameters.GetStructureList("Tag"), valueRequired: false);
        var images = TaggedImages(request);
        foreach (var image in images)
        {
            var keys = tags.Count > 0 ? tags.Select(t => t.Key) : image.Tags.Keys;
            request.Authorize(Ec2Actions.DeleteTags, image.Arn, TagContext(keys.Select(k => KeyValuePair.Create(k, (string?)null))));
            request.Trail.AddResource("AWS::EC2::Image", image.Arn, image.OwnerId);
        }

        request.StopIfDryRun();
        foreach (var image in images)
        {
            lookup.UpdateImage(image, i => i with
            {
                Tags = tags.Count == 0
                    ? new Dictionary<string, string>(StringComparer.Ordinal)
                    : i.Tags.Where(t => !tags.Any(d => d.Key == t.Key && (d.Value is null || d.Value == t.Value))).ToDictionary(StringComparer.Ordinal),
            });
        }

        return Respond(Return());
    }
}
