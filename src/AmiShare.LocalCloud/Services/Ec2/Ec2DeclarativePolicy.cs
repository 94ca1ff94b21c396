using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;
using AmiShare.LocalCloud.Services.Organizations;

namespace AmiShare.LocalCloud.Services.Ec2;

/// <summary>
/// The EC2 declarative policies of the organization (type <c>DECLARATIVE_POLICY_EC2</c>) applied to one account's
/// settings: Allowed AMIs, image and snapshot block public access. Attached at the root, an OU or the account, they
/// are read root first, so a lower level's <c>@@assign</c> wins, as in Organizations' inheritance for management
/// policies. A setting a policy sets is reported <c>ManagedBy: declarative-policy</c>, and the account cannot change
/// it. Syntax (Organizations User Guide, "Declarative policy syntax and examples"):
/// <c>{"ec2_attributes": {"allowed_images_settings": {"state": {"@@assign": "enabled"|"audit_mode"},
/// "image_criteria": {"criteria_1": {"allowed_image_providers": {"@@assign": [...]}, ...}}},
/// "image_block_public_access": {"state": {"@@assign": "block_new_sharing"}},
/// "snapshot_block_public_access": {"state": {"@@assign": "block_all_sharing"|"block_new_sharing"|"unblocked"}}}}</c>.
/// The criterion members beyond providers (<c>allowed_image_names</c>, <c>allowed_marketplace_product_codes</c>,
/// <c>creation_date_condition.maximum_days_since_created</c>, <c>deprecation_time_condition.maximum_days_since_deprecated</c>)
/// follow the API's names (inferred: docs/localcloud.md).
/// </summary>
internal static class Ec2DeclarativePolicy
{
    public const string PolicyType = "DECLARATIVE_POLICY_EC2";

    /// <summary>A problem with an EC2 declarative policy's content, or null (CreatePolicy answers MalformedPolicyDocumentException).</summary>
    public static string? Problem(JsonElement document) =>
        document.ValueKind != JsonValueKind.Object || !document.TryGetProperty("ec2_attributes", out var attributes) || attributes.ValueKind != JsonValueKind.Object
            ? "an EC2 declarative policy is a JSON object with an \"ec2_attributes\" object"
            : null;

    /// <summary>The settings with every attached EC2 declarative policy applied, root first; unchanged without one.</summary>
    public static Ec2AccountSettings Apply(Ec2AccountSettings settings, IReadOnlyList<OrganizationPolicyRecord> policies, IReadOnlyList<string> targets)
    {
        var result = settings;
        foreach (var target in targets)
        {
            foreach (var policy in policies.Where(p => p.Type == PolicyType && p.Targets.Contains(target)).OrderBy(p => p.Id, StringComparer.Ordinal))
            {
                using var document = JsonDocument.Parse(policy.Content);
                if (document.RootElement.TryGetProperty("ec2_attributes", out var attributes))
                {
                    result = ApplyAttributes(result, attributes);
                }
            }
        }

        return result;
    }

    private static Ec2AccountSettings ApplyAttributes(Ec2AccountSettings settings, JsonElement attributes)
    {
        var guardrails = settings.Guardrails;
        if (attributes.TryGetProperty("allowed_images_settings", out var allowed))
        {
            if (Assigned(allowed, "state") is { } state)
            {
                guardrails = guardrails with { AllowedImagesState = state.Replace('_', '-'), AllowedImagesManagedBy = Ec2Guardrails.ManagedByDeclarativePolicy };
            }

            if (allowed.TryGetProperty("image_criteria", out var criteria) && criteria.ValueKind == JsonValueKind.Object)
            {
                guardrails = guardrails with
                {
                    AllowedImageCriteria = [.. criteria.EnumerateObject().OrderBy(c => c.Name, StringComparer.Ordinal).Select(c => Criterion(c.Value))],
                    AllowedImagesManagedBy = Ec2Guardrails.ManagedByDeclarativePolicy,
                };
            }
        }

        var imageState = settings.ImageBlockPublicAccessState;
        if (attributes.TryGetProperty("image_block_public_access", out var image) && Assigned(image, "state") is { } imageAssigned)
        {
            imageState = imageAssigned.Replace('_', '-');
            guardrails = guardrails with { ImageBlockPublicAccessManagedBy = Ec2Guardrails.ManagedByDeclarativePolicy };
        }

        if (attributes.TryGetProperty("snapshot_block_public_access", out var snapshot) && Assigned(snapshot, "state") is { } snapshotAssigned)
        {
            guardrails = guardrails with
            {
                SnapshotBlockPublicAccessState = snapshotAssigned.Replace('_', '-'),
                SnapshotBlockPublicAccessManagedBy = Ec2Guardrails.ManagedByDeclarativePolicy,
            };
        }

        return settings with { Guardrails = guardrails, ImageBlockPublicAccessState = imageState };
    }

    private static Ec2ImageCriterion Criterion(JsonElement criterion) => new()
    {
        ImageProviders = Strings(criterion, "allowed_image_providers"),
        ImageNames = Strings(criterion, "allowed_image_names"),
        MarketplaceProductCodes = Strings(criterion, "allowed_marketplace_product_codes"),
        MaximumDaysSinceCreated = Days(criterion, "creation_date_condition", "maximum_days_since_created"),
        MaximumDaysSinceDeprecated = Days(criterion, "deprecation_time_condition", "maximum_days_since_deprecated"),
    };

    /// <summary>The value of <c>{"member": {"@@assign": value}}</c> (or <c>@@append</c> for lists).</summary>
    private static JsonElement? Operator(JsonElement parent, string member) =>
        parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(member, out var node) && node.ValueKind == JsonValueKind.Object
            ? node.TryGetProperty("@@assign", out var assigned) ? assigned : node.TryGetProperty("@@append", out var appended) ? appended : null
            : null;

    private static string? Assigned(JsonElement parent, string member) =>
        Operator(parent, member) is { ValueKind: JsonValueKind.String } value ? value.GetString() : null;

    private static ImmutableArray<string> Strings(JsonElement parent, string member) =>
        Operator(parent, member) switch
        {
            { ValueKind: JsonValueKind.Array } list => [.. list.EnumerateArray().Where(v => v.ValueKind == JsonValueKind.String).Select(v => v.GetString()!)],
            { ValueKind: JsonValueKind.String } one => [one.GetString()!],
            _ => [],
        };

    private static int? Days(JsonElement criterion, string condition, string member) =>
        criterion.TryGetProperty(condition, out var node)
            ? Operator(node, member) switch
            {
                { ValueKind: JsonValueKind.Number } number when number.TryGetInt32(out var days) => days,
                { ValueKind: JsonValueKind.String } text when int.TryParse(text.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out var days) => days,
                _ => null,
            }
            : null;
}
