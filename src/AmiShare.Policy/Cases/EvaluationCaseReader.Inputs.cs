using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;
using AmiShare.Policy.Evaluation;
using AmiShare.Policy.Kms;
using AmiShare.Policy.Parsing;
using AmiShare.Policy.Sharing;

namespace AmiShare.Policy.Cases;

/// <summary>Reading the members of a case that are not policies: grants, sharing entries, string maps.</summary>
public static partial class EvaluationCaseReader
{
    private static ImmutableArray<KmsGrant> ReadGrants(JsonElement parent, ImmutableArray<Finding>.Builder findings)
    {
        if (!parent.TryGetProperty("grants", out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return [];
        }

        if (element.ValueKind != JsonValueKind.Array)
        {
            findings.Add(Finding.Error("InvalidGrants", "grants", "grants must be an array of grants as ListGrants returns them."));
            return [];
        }

        var grants = ImmutableArray.CreateBuilder<KmsGrant>();
        var index = 0;
        foreach (var item in element.EnumerateArray())
        {
            var at = PolicyEvaluator.Indexed("grants", index++);
            if (item.ValueKind != JsonValueKind.Object)
            {
                findings.Add(Finding.Error("InvalidGrant", at, "A grant must be an object."));
                continue;
            }

            var grantee = ReadString(item, "GranteePrincipal", findings);
            var operations = ReadStrings(item, "Operations", findings);
            if (grantee is null || operations.IsEmpty)
            {
                findings.Add(Finding.Error("InvalidGrant", at, "A grant needs \"GranteePrincipal\" and a non-empty \"Operations\" array."));
                continue;
            }

            GrantConstraints? constraints = null;
            if (item.TryGetProperty("Constraints", out var constraintElement) && constraintElement.ValueKind == JsonValueKind.Object)
            {
                constraints = new GrantConstraints(
                    ReadStringMap(constraintElement, "EncryptionContextEquals", findings),
                    ReadStringMap(constraintElement, "EncryptionContextSubset", findings));
            }

            grants.Add(new KmsGrant(
                grantee,
                operations,
                constraints,
                ReadString(item, "RetiringPrincipal", findings),
                ReadString(item, "KeyId", findings),
                ReadString(item, "GrantId", findings),
                ReadString(item, "Name", findings)));
        }

        return grants.ToImmutable();
    }

    private static ResourceSharing? ReadSharing(JsonElement parent, string member, ImmutableArray<Finding>.Builder findings)
    {
        if (!parent.TryGetProperty(member, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        var owner = element.ValueKind == JsonValueKind.Object ? ReadString(element, "ownerId", findings) : null;
        if (owner is null)
        {
            findings.Add(Finding.Error("InvalidSharing", member, $"{member} needs \"ownerId\" and \"entries\"."));
            return null;
        }

        var entries = ImmutableArray.CreateBuilder<SharingEntry>();
        if (element.TryGetProperty("entries", out var list) && list.ValueKind == JsonValueKind.Array)
        {
            foreach (var entry in list.EnumerateArray())
            {
                if (entry.ValueKind != JsonValueKind.Object)
                {
                    findings.Add(Finding.Error("InvalidSharing", member, "Each entry must be an object such as {\"UserId\": \"222222222222\"}."));
                    continue;
                }

                entries.Add(new SharingEntry(
                    ReadString(entry, "UserId", findings),
                    ReadString(entry, "Group", findings),
                    ReadString(entry, "OrganizationArn", findings),
                    ReadString(entry, "OrganizationalUnitArn", findings)));
            }
        }

        return new ResourceSharing(owner, entries.ToImmutable());
    }

    private static ImmutableDictionary<string, string>? ReadStringMap(JsonElement parent, string member, ImmutableArray<Finding>.Builder findings)
    {
        if (!parent.TryGetProperty(member, out var element) || element.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        var map = ImmutableDictionary.CreateBuilder<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var property in element.EnumerateObject())
        {
            if (property.Value.ValueKind == JsonValueKind.String)
            {
                map[property.Name] = property.Value.GetString()!;
            }
            else
            {
                findings.Add(Finding.Error("InvalidGrant", member + "." + property.Name, "Encryption context values are strings."));
            }
        }

        return map.ToImmutable();
    }
}
