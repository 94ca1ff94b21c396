using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;

namespace AmiShare.Core.Audit;

/// <summary>
/// Reads the CloudTrail record LookupEvents returns as its <c>CloudTrailEvent</c> string into a
/// <see cref="TrailEvent"/>. Pure text in, record out, so the adapter stays a thin pager and the parsing is tested
/// here. Malformed records give null rather than an exception: one odd event must not sink an audit.
/// </summary>
public static class TrailRecordReader
{
    public static TrailEvent? Read(string cloudTrailEventJson)
    {
        ArgumentNullException.ThrowIfNull(cloudTrailEventJson);
        try
        {
            using var document = JsonDocument.Parse(cloudTrailEventJson);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || String(root, "eventName") is not { } name
                || String(root, "eventTime") is not { } timeText
                || !DateTimeOffset.TryParse(timeText, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time))
            {
                return null;
            }

            var identity = root.TryGetProperty("userIdentity", out var user) && user.ValueKind == JsonValueKind.Object ? user : default;
            var resources = ImmutableArray.CreateBuilder<TrailEventResource>();
            if (root.TryGetProperty("resources", out var list) && list.ValueKind == JsonValueKind.Array)
            {
                foreach (var item in list.EnumerateArray())
                {
                    if (item.ValueKind == JsonValueKind.Object && (String(item, "ARN") ?? String(item, "arn")) is { } arn)
                    {
                        resources.Add(new TrailEventResource(String(item, "type") ?? string.Empty, arn, String(item, "accountId")));
                    }
                }
            }

            return new TrailEvent(
                String(root, "eventID") ?? string.Empty,
                name,
                String(root, "eventSource") ?? string.Empty,
                time.ToUniversalTime(),
                String(root, "awsRegion") ?? string.Empty,
                identity.ValueKind == JsonValueKind.Object ? String(identity, "arn") : null,
                identity.ValueKind == JsonValueKind.Object ? String(identity, "accountId") : null,
                resources.ToImmutable(),
                identity.ValueKind == JsonValueKind.Object ? String(identity, "invokedBy") : null,
                String(root, "sharedEventID"),
                String(root, "errorCode"),
                Raw(root, "requestParameters"),
                Raw(root, "serviceEventDetails"));
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string? String(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static string? Raw(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Object ? value.GetRawText() : null;
}
