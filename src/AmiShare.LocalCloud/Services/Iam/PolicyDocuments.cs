using System.Text.Json;
using AmiShare.LocalCloud.Protocol;

namespace AmiShare.LocalCloud.Services.Iam;

/// <summary>
/// The syntax checks IAM makes before storing a policy. Deeper grammar (valid actions, condition operators)
/// belongs to the AmiShare.Policy engine; here a document must be a JSON object with a <c>Statement</c>.
/// </summary>
public static class PolicyDocuments
{
    public static string Validate(string document, int maximumLength)
    {
        ArgumentNullException.ThrowIfNull(document);
        if (document.Length > maximumLength)
        {
            throw new AwsServiceException("LimitExceeded", $"Cannot exceed quota for PolicySize: {maximumLength}", 409);
        }

        try
        {
            using var parsed = JsonDocument.Parse(document);
            var root = parsed.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw Malformed("Syntax errors in policy.");
            }

            if (!root.TryGetProperty("Statement", out var statement) || statement.ValueKind is not (JsonValueKind.Object or JsonValueKind.Array))
            {
                throw Malformed("Missing required field Statement");
            }

            var statements = statement.ValueKind == JsonValueKind.Array ? [.. statement.EnumerateArray()] : new List<JsonElement> { statement };
            foreach (var item in statements)
            {
                if (item.ValueKind != JsonValueKind.Object
                    || !item.TryGetProperty("Effect", out var effect)
                    || effect.GetString() is not ("Allow" or "Deny"))
                {
                    throw Malformed("Statement is missing a valid Effect (Allow or Deny).");
                }
            }
        }
        catch (JsonException)
        {
            throw Malformed("Syntax errors in policy.");
        }

        return document;
    }

    /// <summary>IAM returns documents URL-encoded (RFC 3986), and so do we.</summary>
    public static string Encode(string document) => Uri.EscapeDataString(document);

    private static AwsServiceException Malformed(string message) => new("MalformedPolicyDocument", message, 400);
}
