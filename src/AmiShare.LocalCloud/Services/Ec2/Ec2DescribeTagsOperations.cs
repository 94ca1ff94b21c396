using System.Xml.Linq;
using AmiShare.LocalCloud.Protocol;
using AmiShare.Policy.Catalogue;
using static AmiShare.LocalCloud.Protocol.OperationHandlers;
using static AmiShare.LocalCloud.Services.Ec2.Ec2Describe;
using static AmiShare.LocalCloud.Services.Ec2.Ec2Xml;

namespace AmiShare.LocalCloud.Services.Ec2;

/// <summary>DescribeTags: one entry per tag of the caller's own resources in the region (tags are the owner's).</summary>
internal sealed class Ec2DescribeTagsOperations(Ec2TaggedResources resources) : IServiceOperations
{
    private static readonly string[] TagFilters = ["resource-id", "resource-type", "key", "value", "tag:"];

    private sealed record TagEntry(string ResourceId, string ResourceType, string Key, string Value);

    public AwsServiceDescriptor Service => AwsServices.Ec2;

    public IReadOnlyDictionary<string, OperationHandler> Operations => new Dictionary<string, OperationHandler>
    {
        ["DescribeTags"] = Sync(DescribeTags),
    };

    private OperationResponse DescribeTags(OperationRequest request)
    {
        request.Authorize(Ec2Actions.DescribeTags, "*");
        request.StopIfDryRun();
        var filters = Filters(request, TagFilters);
        var owned = resources.AllOwned(request);
        var entries = owned
            .SelectMany(r => r.Tags.Select(t => (Resource: r, Entry: new TagEntry(r.ResourceId, r.ResourceType, t.Key, t.Value))))
            .Where(e => Passes(e, filters, (item, name) => name switch
            {
                "resource-id" => [item.Entry.ResourceId],
                "resource-type" => [item.Entry.ResourceType],
                "key" => [item.Entry.Key],
                "value" => [item.Entry.Value],
                _ => item.Resource.Tags.TryGetValue(name[4..], out var value) ? [value] : [],
            }))
            .Select(e => e.Entry)
            .OrderBy(e => e.ResourceId, StringComparer.Ordinal)
            .ThenBy(e => e.Key, StringComparer.Ordinal)
            .ToList();
        var (page, next) = Paginate(request, entries, 5, 1000, idsGiven: false);
        return Respond(
            Items("tagSet", page.Select(e => new XElement?[]
            {
                new XElement("resourceId", e.ResourceId),
                new XElement("resourceType", e.ResourceType),
                new XElement("key", e.Key),
                new XElement("value", e.Value),
            })),
            Optional("nextToken", next));
    }
}
