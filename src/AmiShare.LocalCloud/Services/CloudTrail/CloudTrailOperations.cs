using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AmiShare.LocalCloud.Protocol;

namespace AmiShare.LocalCloud.Services.CloudTrail;

/// <summary>CloudTrail's event history API: <c>LookupEvents</c> over the caller's account in the signed region.</summary>
public sealed class CloudTrailOperations(LocalCloudContext cloud) : IServiceOperations
{
    public const int MaxResultsLimit = 50;
    public const int MaxAttributeValueLength = 2000;

    private static readonly string[] AttributeKeys =
        ["EventId", "EventName", "ReadOnly", "Username", "ResourceType", "ResourceName", "EventSource", "AccessKeyId"];

    public AwsServiceDescriptor Service => AwsServices.CloudTrail;

    public IReadOnlyDictionary<string, OperationHandler> Operations => new Dictionary<string, OperationHandler>
    {
        ["LookupEvents"] = request => Task.FromResult(LookupEvents(request)),
    };

    private OperationResponse LookupEvents(OperationRequest request)
    {
        var body = request.Body;
        var (key, value) = ReadAttribute(body);
        var startTime = ReadTime(body, "StartTime");
        var endTime = ReadTime(body, "EndTime");
        if (startTime > endTime)
        {
            throw CloudTrailErrors.InvalidTimeRange("Start time must be equal to or less than end time.");
        }

        var maxResults = MaxResultsLimit;
        if (Member(body, "MaxResults") is { } max)
        {
            if (max.ValueKind != JsonValueKind.Number || !max.TryGetInt32(out maxResults) || maxResults is < 1 or > MaxResultsLimit)
            {
                throw CloudTrailErrors.InvalidMaxResults($"MaxResults must be between 1 and {MaxResultsLimit}.");
            }
        }

        var category = Member(body, "EventCategory") is { ValueKind: JsonValueKind.String } c ? c.GetString() : null;
        if (category is not null && category != "insight")
        {
            throw CloudTrailErrors.InvalidEventCategory($"Event category '{category}' is not valid; the only category is 'insight'.");
        }

        request.Authorize("cloudtrail:LookupEvents", "*");

        var fingerprint = Fingerprint(request.Caller.AccountId, request.Region, key, value, startTime, endTime);
        TrailPosition? before = null;
        if (Member(body, "NextToken") is { } token)
        {
            before = token.ValueKind == JsonValueKind.String ? ParseToken(token.GetString()!, fingerprint) : throw CloudTrailErrors.InvalidNextToken();
        }

        var events = new JsonArray();
        var result = new JsonObject { ["Events"] = events };
        if (category == "insight")
        {
            // LocalCloud produces no Insights events.
            return OperationResponse.Json(result);
        }

        var page = cloud.CloudTrail.Lookup(request.Caller.AccountId, request.Region, startTime, endTime, before, Matcher(key, value), maxResults);
        foreach (var record in page.Events)
        {
            events.Add(new JsonObject
            {
                ["EventId"] = record.EventId,
                ["EventName"] = record.EventName,
                ["ReadOnly"] = record.ReadOnly ? "true" : "false",
                ["AccessKeyId"] = record.AccessKeyId,
                ["EventTime"] = record.EventTime.ToUnixTimeSeconds(),
                ["EventSource"] = record.EventSource,
                ["Username"] = record.Username,
                ["Resources"] = new JsonArray([.. record.Resources.Select(r => (JsonNode)new JsonObject
                {
                    ["ResourceType"] = r.ResourceType,
                    ["ResourceName"] = r.ResourceName,
                })]),
                ["CloudTrailEvent"] = record.CloudTrailEvent,
            });
        }

        if (page.HasMore)
        {
            result["NextToken"] = Token(TrailPosition.Of(page.Events[^1]), fingerprint);
        }

        // Absent members are left out, as AWS does, rather than sent as null.
        foreach (var item in events.OfType<JsonObject>())
        {
            foreach (var name in item.Where(p => p.Value is null).Select(p => p.Key).ToList())
            {
                item.Remove(name);
            }
        }

        return OperationResponse.Json(result);
    }

    private static (string? Key, string? Value) ReadAttribute(JsonElement body)
    {
        if (Member(body, "LookupAttributes") is not { } list || list.ValueKind == JsonValueKind.Null)
        {
            return (null, null);
        }

        if (list.ValueKind != JsonValueKind.Array)
        {
            throw CloudTrailErrors.InvalidLookupAttributes("LookupAttributes must be a list.");
        }

        var count = list.GetArrayLength();
        if (count == 0)
        {
            return (null, null);
        }

        if (count > 1)
        {
            throw CloudTrailErrors.InvalidLookupAttributes("You cannot specify more than one lookup attribute.");
        }

        var attribute = list[0];
        var key = attribute.ValueKind == JsonValueKind.Object && Member(attribute, "AttributeKey") is { ValueKind: JsonValueKind.String } k ? k.GetString() : null;
        var value = attribute.ValueKind == JsonValueKind.Object && Member(attribute, "AttributeValue") is { ValueKind: JsonValueKind.String } v ? v.GetString() : null;
        if (key is null || !AttributeKeys.Contains(key, StringComparer.Ordinal))
        {
            throw CloudTrailErrors.InvalidLookupAttributes($"Lookup attribute key '{key}' is not valid. Valid keys: {string.Join(", ", AttributeKeys)}.");
        }

        if (string.IsNullOrEmpty(value) || value.Length > MaxAttributeValueLength)
        {
            throw CloudTrailErrors.InvalidLookupAttributes($"The value of lookup attribute {key} must be between 1 and {MaxAttributeValueLength} characters.");
        }

        if (key == "ReadOnly" && !bool.TryParse(value, out _))
        {
            throw CloudTrailErrors.InvalidLookupAttributes($"The value of lookup attribute ReadOnly must be 'true' or 'false', not '{value}'.");
        }

        return (key, value);
    }

    private static Func<TrailEventRecord, bool>? Matcher(string? key, string? value) => key switch
    {
        null => null,
        "EventId" => e => e.EventId == value,
        "EventName" => e => e.EventName == value,
        "EventSource" => e => e.EventSource == value,
        "Username" => e => e.Username == value,
        "AccessKeyId" => e => e.AccessKeyId == value,
        "ReadOnly" => e => e.ReadOnly == bool.Parse(value!),
        "ResourceType" => e => e.Resources.Any(r => r.ResourceType == value),
        "ResourceName" => e => e.Resources.Any(r => r.ResourceName == value || r.Arn == value),
        _ => throw new InvalidOperationException($"Unhandled lookup attribute {key}."),
    };

    // Timestamps arrive as epoch seconds (the JSON protocol's default); ISO 8601 strings are accepted too.
    private static DateTimeOffset? ReadTime(JsonElement body, string name)
    {
        if (Member(body, name) is not { } value || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var seconds) && double.IsFinite(seconds)
            && seconds is >= 0 and < 253402300800)
        {
            return DateTimeOffset.FromUnixTimeMilliseconds((long)Math.Round(seconds * 1000));
        }

        if (value.ValueKind == JsonValueKind.String
            && DateTimeOffset.TryParse(value.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
        {
            return parsed;
        }

        throw CloudTrailErrors.InvalidTimeRange($"{name} is not a valid timestamp.");
    }

    private static JsonElement? Member(JsonElement obj, string name) =>
        obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(name, out var value) ? value : null;

    // A token names the last event returned and is bound to the account, region and filters it was issued for.
    private static string Token(TrailPosition position, string fingerprint) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes(string.Join(
            '|',
            "v1",
            position.EventTime.UtcTicks.ToString(CultureInfo.InvariantCulture),
            position.Sequence.ToString(CultureInfo.InvariantCulture),
            fingerprint)));

    private static TrailPosition ParseToken(string token, string fingerprint)
    {
        string[] parts;
        try
        {
            parts = Encoding.UTF8.GetString(Convert.FromBase64String(token)).Split('|');
        }
        catch (FormatException)
        {
            throw CloudTrailErrors.InvalidNextToken();
        }

        if (parts.Length != 4 || parts[0] != "v1"
            || !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
            || ticks > DateTimeOffset.MaxValue.UtcTicks
            || !long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var sequence))
        {
            throw CloudTrailErrors.InvalidNextToken();
        }

        if (parts[3] != fingerprint)
        {
            throw CloudTrailErrors.NextTokenMismatch();
        }

        return new TrailPosition(new DateTimeOffset(ticks, TimeSpan.Zero), sequence);
    }

    private static string Fingerprint(string accountId, string region, string? key, string? value, DateTimeOffset? start, DateTimeOffset? end)
    {
        var text = string.Join('\n', accountId, region, key, value, start?.UtcTicks, end?.UtcTicks);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..16];
    }
}
