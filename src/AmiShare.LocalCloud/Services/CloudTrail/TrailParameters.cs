using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using AmiShare.LocalCloud.Protocol;

namespace AmiShare.LocalCloud.Services.CloudTrail;

/// <summary>
/// Builds <c>requestParameters</c> the way CloudTrail shows them: query parameters folded into nested camelCase
/// objects (EC2 lists as <c>{"items": […]}</c>, IAM/STS member lists as plain arrays), JSON bodies with camelCase
/// member names, and every secret removed: never plaintext, secret keys, session tokens, key material, grant
/// tokens or ciphertext blobs.
/// </summary>
internal static class TrailParameters
{
    private static readonly JsonSerializerOptions NotedJson = new(JsonSerializerDefaults.Web);

    /// <summary>Members that are never recorded, at any depth (compared case-insensitively).</summary>
    private static readonly HashSet<string> Secrets = new(StringComparer.OrdinalIgnoreCase)
    {
        "SecretAccessKey", "SessionToken", "SecurityToken", "X-Amz-Security-Token",
        "Password", "NewPassword", "OldPassword", "PrivateKey", "PrivateKeyPlaintext", "PrivateKeyCiphertextBlob",
        "Plaintext", "CiphertextBlob", "CiphertextForRecipient", "GrantToken", "GrantTokens",
        "KeyMaterial", "EncryptedKeyMaterial", "ImportToken", "TokenCode", "SAMLAssertion", "WebIdentityToken",
        "UserData", "Signature", "Message",
    };

    /// <summary>JSON members whose own keys are user data (encryption contexts) and keep their spelling.</summary>
    private static readonly HashSet<string> Maps = new(StringComparer.OrdinalIgnoreCase)
    {
        "EncryptionContext", "SourceEncryptionContext", "DestinationEncryptionContext",
        "EncryptionContextSubset", "EncryptionContextEquals",
    };

    /// <summary>Query parameters that belong to the envelope or the signature, not to the operation.</summary>
    private static readonly HashSet<string> Envelope = new(StringComparer.OrdinalIgnoreCase)
    {
        "Action", "Version", "AWSAccessKeyId", "SignatureMethod", "SignatureVersion", "Timestamp", "Expires",
    };

    public static bool IsSecret(string name) => Secrets.Contains(name);

    /// <summary>Null when the operation had no parameters, as CloudTrail records it.</summary>
    public static JsonObject? From(OperationRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var parameters = request.Service.Protocol == WireProtocol.Json11
            ? FromJson(request.Body)
            : FromQuery(request.Service.Protocol == WireProtocol.Ec2Query, request.Operation, request.Parameters.All);
        return parameters is { Count: > 0 } ? parameters : null;
    }

    public static JsonObject FromJson(JsonElement body)
    {
        var node = body.ValueKind == JsonValueKind.Object ? JsonNode.Parse(body.GetRawText()) : null;
        return node is JsonObject json ? (JsonObject)CamelJson(json, keepKeys: false)! : [];
    }

    public static JsonObject FromQuery(bool ec2, string operation, IReadOnlyDictionary<string, string> all)
    {
        ArgumentNullException.ThrowIfNull(all);
        var values = all
            .Where(p => !Envelope.Contains(p.Key) && !p.Key.StartsWith("X-Amz-", StringComparison.OrdinalIgnoreCase))
            .ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        if (ec2)
        {
            values = FoldLegacyPermissionForm(operation, values);
        }

        var root = new Node();
        foreach (var (name, value) in values)
        {
            var node = root;
            var segments = name.Split('.');
            for (var i = 0; i < segments.Length; i++)
            {
                var segment = segments[i];
                // IAM/STS lists are Name.member.N: the word "member" is wire syntax, not a field.
                if (!ec2 && segment == "member" && i + 1 < segments.Length && IsIndex(segments[i + 1]))
                {
                    continue;
                }

                node = node.Child(segment);
            }

            node.Value = value;
        }

        return root.ToJson(ec2) as JsonObject ?? [];
    }

    /// <summary>
    /// ModifyImageAttribute / ModifySnapshotAttribute also come as <c>OperationType=add&amp;UserId.1=…&amp;UserGroup.1=all</c>;
    /// CloudTrail shows both forms as <c>launchPermission.add.items[]</c> (<c>createVolumePermission</c> for snapshots),
    /// with <c>attributeType</c> naming the attribute.
    /// </summary>
    private static Dictionary<string, string> FoldLegacyPermissionForm(string operation, Dictionary<string, string> values)
    {
        var (attribute, attributeType) = operation switch
        {
            "ModifyImageAttribute" => ("LaunchPermission", "launchPermission"),
            "ModifySnapshotAttribute" => ("CreateVolumePermission", "CREATE_VOLUME_PERMISSION"),
            _ => (null, null),
        };
        if (attribute is null)
        {
            return values;
        }

        var folded = new Dictionary<string, string>(StringComparer.Ordinal);
        var operationType = values.TryGetValue("OperationType", out var type) ? type : null;
        var direction = string.Equals(operationType, "remove", StringComparison.OrdinalIgnoreCase) ? "Remove" : "Add";
        var touchesPermission = false;
        foreach (var (name, value) in values)
        {
            if (name.StartsWith("UserId.", StringComparison.Ordinal) && IsIndex(name["UserId.".Length..]))
            {
                folded[$"{attribute}.{direction}.{name["UserId.".Length..]}.UserId"] = value;
                touchesPermission = true;
            }
            else if (name.StartsWith("UserGroup.", StringComparison.Ordinal) && IsIndex(name["UserGroup.".Length..]))
            {
                // Indices are offset so user and group entries of one request never collide.
                var index = int.Parse(name["UserGroup.".Length..], CultureInfo.InvariantCulture) + 100_000;
                folded[$"{attribute}.{direction}.{index.ToString(CultureInfo.InvariantCulture)}.Group"] = value;
                touchesPermission = true;
            }
            else if (name is "OperationType" or "Attribute")
            {
                continue;
            }
            else
            {
                touchesPermission |= name.StartsWith(attribute + ".", StringComparison.Ordinal);
                folded[name] = value;
            }
        }

        var named = values.TryGetValue("Attribute", out var attributeName) ? attributeName : null;
        if (touchesPermission || string.Equals(named, attributeType, StringComparison.OrdinalIgnoreCase)
            || string.Equals(named, attribute, StringComparison.OrdinalIgnoreCase))
        {
            folded["AttributeType"] = attributeType!;
        }
        else if (named is not null)
        {
            folded["AttributeType"] = named;
        }

        return folded;
    }

    /// <summary>
    /// Serializes what a handler noted (response elements, an invoked call's parameters) with camelCase member
    /// names and drops secret members at any depth; member names the handler chose are otherwise kept.
    /// </summary>
    public static JsonObject? Scrubbed(IReadOnlyDictionary<string, object?>? values)
    {
        if (values is null || values.Count == 0)
        {
            return null;
        }

        var node = JsonSerializer.SerializeToNode(values, NotedJson);
        return Scrub(node) as JsonObject;
    }

    private static JsonNode? Scrub(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var name in obj.Select(p => p.Key).ToList())
                {
                    if (IsSecret(name))
                    {
                        obj.Remove(name);
                    }
                    else
                    {
                        Scrub(obj[name]);
                    }
                }

                return obj;
            case JsonArray array:
                foreach (var item in array)
                {
                    Scrub(item);
                }

                return array;
            default:
                return node;
        }
    }

    private static JsonNode? CamelJson(JsonNode? node, bool keepKeys)
    {
        switch (node)
        {
            case JsonObject obj:
                var result = new JsonObject();
                foreach (var (name, value) in obj)
                {
                    if (!keepKeys && IsSecret(name))
                    {
                        continue;
                    }

                    result[keepKeys ? name : Camel(name)] = CamelJson(value, keepKeys: !keepKeys && Maps.Contains(name));
                }

                return result;
            case JsonArray array:
                return new JsonArray([.. array.Select(item => CamelJson(item, keepKeys: false))]);
            default:
                return node?.DeepClone();
        }
    }

    internal static string Camel(string name) =>
        name.Length == 0 || char.IsLower(name[0]) ? name : char.ToLowerInvariant(name[0]) + name[1..];

    private static bool IsIndex(string text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var index) && index > 0;

    /// <summary>A query parameter tree: numbered children become a list, named children an object.</summary>
    private sealed class Node
    {
        private readonly SortedDictionary<int, Node> indexed = [];
        private readonly Dictionary<string, Node> named = new(StringComparer.Ordinal);

        public string? Value { get; set; }

        public Node Child(string segment)
        {
            if (IsIndex(segment))
            {
                var index = int.Parse(segment, CultureInfo.InvariantCulture);
                if (!indexed.TryGetValue(index, out var item))
                {
                    item = new Node();
                    indexed[index] = item;
                }

                return item;
            }

            if (!named.TryGetValue(segment, out var child))
            {
                child = new Node();
                named[segment] = child;
            }

            return child;
        }

        public JsonNode? ToJson(bool ec2)
        {
            if (named.Count == 0 && indexed.Count == 0)
            {
                return Value is null ? null : JsonValue.Create(Value);
            }

            if (named.Count == 0)
            {
                var items = new JsonArray([.. indexed.Values.Select(item => item.ToJson(ec2))]);
                return ec2 ? new JsonObject { ["items"] = items } : items;
            }

            var obj = new JsonObject();
            foreach (var (name, child) in named.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                if (!IsSecret(name))
                {
                    obj[Camel(name)] = child.ToJson(ec2);
                }
            }

            return obj;
        }
    }
}
