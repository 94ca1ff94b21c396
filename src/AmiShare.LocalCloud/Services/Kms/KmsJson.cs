using System.Text.Json;
using System.Text.Json.Nodes;
using AmiShare.LocalCloud.Protocol;

namespace AmiShare.LocalCloud.Services.Kms;

/// <summary>Reads KMS JSON 1.1 request members with AWS's validation wording, and writes its value shapes.</summary>
internal static class KmsJson
{
    public static string? String(OperationRequest request, string member)
    {
        if (!TryGet(request, member, out var value))
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.String ? value.GetString() : throw KmsErrors.Serialization(member, "a string");
    }

    public static string RequiredString(OperationRequest request, string member)
    {
        var value = String(request, member);
        return string.IsNullOrEmpty(value) ? throw request.Service.MissingParameter(Camel(member)) : value;
    }

    public static bool Bool(OperationRequest request, string member)
    {
        if (!TryGet(request, member, out var value))
        {
            return false;
        }

        return value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw KmsErrors.Serialization(member, "a boolean"),
        };
    }

    public static int? Int(OperationRequest request, string member)
    {
        if (!TryGet(request, member, out var value))
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number) ? number : throw KmsErrors.Serialization(member, "an integer");
    }

    public static byte[]? Blob(OperationRequest request, string member)
    {
        var text = String(request, member);
        if (text is null)
        {
            return null;
        }

        try
        {
            return Convert.FromBase64String(text);
        }
        catch (FormatException)
        {
            throw KmsErrors.Serialization(member, "base64-encoded binary data");
        }
    }

    public static Dictionary<string, string>? Map(OperationRequest request, string member) =>
        TryGet(request, member, out var value) ? Map(value, member) : null;

    public static Dictionary<string, string> Map(JsonElement value, string member)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw KmsErrors.Serialization(member, "a map of strings");
        }

        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var property in value.EnumerateObject())
        {
            map[property.Name] = property.Value.ValueKind == JsonValueKind.String
                ? property.Value.GetString()!
                : throw KmsErrors.Serialization(member, "a map of strings");
        }

        return map;
    }

    public static List<string>? StringList(OperationRequest request, string member)
    {
        if (!TryGet(request, member, out var value))
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Array)
        {
            throw KmsErrors.Serialization(member, "a list of strings");
        }

        return [.. value.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.String ? e.GetString()! : throw KmsErrors.Serialization(member, "a list of strings"))];
    }

    public static bool TryGet(OperationRequest request, string member, out JsonElement value)
    {
        ArgumentNullException.ThrowIfNull(request);
        value = default;
        return request.Body.ValueKind == JsonValueKind.Object
               && request.Body.TryGetProperty(member, out value)
               && value.ValueKind != JsonValueKind.Null;
    }

    /// <summary>JSON 1.1 timestamps are epoch seconds.</summary>
    public static JsonNode Timestamp(DateTimeOffset time) => JsonValue.Create(time.ToUnixTimeMilliseconds() / 1000.0);

    public static JsonObject StringMap(IEnumerable<KeyValuePair<string, string>> map)
    {
        var json = new JsonObject();
        foreach (var (key, value) in map)
        {
            json[key] = value;
        }

        return json;
    }

    public static JsonArray StringArray(IEnumerable<string> values) => [.. values.Select(v => (JsonNode?)JsonValue.Create(v))];

    private static string Camel(string member) => char.ToLowerInvariant(member[0]) + member[1..];
}
