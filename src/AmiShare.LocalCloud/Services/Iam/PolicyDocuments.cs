using System.Text.Json;
using AmiShare.LocalCloud.Protocol;

namespace AmiShare.LocalCloud.Services.Iam;

/// <summary>
/// The syntax checks IAM makes before storing a policy. Deeper grammar (valid actions, condition operators)
/// belongs to the AmiShare.Policy engine; here a document must be a JSON object with a <c>Statement</c>.
/// </summary>
public static class PolicyDocuments
{
    public const int InlinePolicyMaximumLength = 10240;
    public const int ManagedPolicyMaximumLength = 6144;
    public const int TrustPolicyMaximumLength = 2048;

    public static string Validate(string document, int maximumLength)
    {
        ArgumentNullException.ThrowIfNull(document);
        if (document.Length > maximumLength)
        {
            throw IamErrors.LimitExceeded($"Cannot exceed quota for PolicySize: {maximumLength}");
        }

        try
        {
            using var parsed = JsonDocument.Parse(document);
            var root = parsed.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw IamErrors.MalformedPolicyDocument("Syntax errors in policy.");
            }

            if (!root.TryGetProperty("Statement", out var statement) || statement.ValueKind is not (JsonValueKind.Object or JsonValueKind.Array))
            {
                throw IamErrors.MalformedPolicyDocument("Missing required field Statement");
            }

            var statements = statement.ValueKind == JsonValueKind.Array ? [.. statement.EnumerateArray()] : new List<JsonElement> { statement };
            foreach (var item in statements)
            {
                if (item.ValueKind != JsonValueKind.Object
                    || !item.TryGetProperty("Effect", out var effect)
                    || effect.GetString() is not ("Allow" or "Deny"))
                {
                    throw IamErrors.MalformedPolicyDocument("Statement is missing a valid Effect (Allow or Deny).");
                }
            }
        }
        catch (JsonException)
        {
            throw IamErrors.MalformedPolicyDocument("Syntax errors in policy.");
        }

        return document;
    }

    /// <summary>IAM returns documents URL-encoded (RFC 3986), and so do we.</summary>
    public static string Encode(string document) => Uri.EscapeDataString(document);

}
