using System.Text.Json;
using AmiShare.Policy;
using AmiShare.Policy.Model;
using AmiShare.Policy.Parsing;

namespace AmiShare.LocalCloud.Seed;

/// <summary>
/// What AWS Organizations accepts as an SCP or RCP document (Organizations User Guide, "SCP syntax", "RCP syntax"),
/// checked for seeds and for CreatePolicy alike. Each method returns the first problem, or null.
/// </summary>
public static class OrganizationPolicyRules
{
    public const string ServiceControlPolicyType = "SERVICE_CONTROL_POLICY";

    public const string ResourceControlPolicyType = "RESOURCE_CONTROL_POLICY";

    /// <summary>Organizations' limit on a policy document, in characters.</summary>
    public const int MaxPolicyCharacters = 5120;

    /// <summary>SCPs are identity-style: no Principal or NotPrincipal.</summary>
    public static string? ServiceControlPolicyProblem(JsonElement document)
    {
        var (parsed, problem) = Parse(document);
        return problem ?? (parsed!.Statements.Any(s => s.Principal is not null || s.NotPrincipal is not null)
            ? "an SCP cannot name a Principal or NotPrincipal"
            : null);
    }

    /// <summary>RCPs deny only (Allow is reserved for RCPFullAWSAccess) and every statement names <c>"Principal": "*"</c>.</summary>
    public static string? ResourceControlPolicyProblem(JsonElement document)
    {
        var (parsed, problem) = Parse(document);
        if (problem is not null)
        {
            return problem;
        }

        if (parsed!.Statements.Any(s => s.Effect != Effect.Deny))
        {
            return "every statement must have \"Effect\": \"Deny\" (only RCPFullAWSAccess may allow)";
        }

        return parsed.Statements.Any(s => s.Principal is not { IsWildcard: true } || s.NotPrincipal is not null)
            ? "every statement must have \"Principal\": \"*\" (no NotPrincipal)"
            : null;
    }

    private static (PolicyDocument? Document, string? Problem) Parse(JsonElement document)
    {
        var parsed = document.ValueKind == JsonValueKind.Object ? PolicyParser.Parse(document) : null;
        if (parsed is null || parsed.HasErrors || parsed.Document is null)
        {
            return (null, parsed?.Findings.FirstOrDefault(f => f.Severity == Severity.Error)?.Message ?? "the document must be a policy JSON object");
        }

        return (parsed.Document, null);
    }
}
