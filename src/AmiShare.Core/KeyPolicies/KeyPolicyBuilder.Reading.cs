using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using AmiShare.Policy.Catalogue;
using AmiShare.Policy.Model;

namespace AmiShare.Core.KeyPolicies;

/// <summary>Reading a key policy: which statements are AmiShare's (by Sid) and whom they admit.</summary>
public static partial class KeyPolicyBuilder
{
    private sealed record ParsedDocument(JsonObject Root, List<JsonNode> Statements);

    private static ParsedDocument? ParseDocument(string policyJson)
    {
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(policyJson);
        }
        catch (JsonException)
        {
            return null;
        }

        if (node is not JsonObject root)
        {
            return null;
        }

        var statements = root["Statement"] switch
        {
            JsonArray array => array.Where(n => n is not null).Select(n => n!).ToList(),
            JsonObject single => [single],
            _ => null,
        };
        return statements is null ? null : new ParsedDocument(root, statements);
    }

    private static KeyPolicyReading ReadParsed(List<JsonNode> statements)
    {
        var audiences = ImmutableSortedDictionary.Create<string, KeyAudience>(StringComparer.Ordinal);
        var foreign = ImmutableArray.CreateBuilder<string>();
        foreach (var statement in statements)
        {
            if (!IsOwned(statement, out var region, out _, out var shape))
            {
                foreign.Add(statement.ToJsonString(PolicyWriter.Compact));
                continue;
            }

            var principals = Strings(statement["Principal"] is JsonObject p ? p["AWS"] : null);
            var condition = statement["Condition"] as JsonObject;
            var found = shape switch
            {
                Shape.Principals => KeyAudience.Of(principals: principals),
                Shape.Asg => KeyAudience.Of(asgPrincipals: principals),
                Shape.Org => KeyAudience.Of(organizationIds: Strings((condition?[AuthoredCondition.StringEquals] as JsonObject)?[ConditionKeys.AwsPrincipalOrgId])),
                _ => KeyAudience.Of(orgPaths: Strings((condition?[AuthoredCondition.ForAnyValueStringLike] as JsonObject)?[ConditionKeys.AwsPrincipalOrgPaths])),
            };
            audiences = audiences.SetItem(region, (audiences.TryGetValue(region, out var known) ? known : KeyAudience.Empty).Union(found));
        }

        return new(audiences, foreign.ToImmutable());
    }

    private static bool IsOwned(JsonNode statement, out string region, out Concern concern, out Shape shape)
    {
        region = string.Empty;
        concern = Concern.Use;
        shape = Shape.Principals;
        if (statement is not JsonObject obj
            || obj["Sid"] is not JsonValue sidValue
            || !sidValue.TryGetValue<string>(out var sid)
            || OwnedSidPattern().Match(sid) is not { Success: true } match)
        {
            return false;
        }

        region = RegionFromToken(match.Groups["region"].Value);
        concern = match.Groups["concern"].Value == "Use" ? Concern.Use : Concern.Grant;
        shape = match.Groups["shape"].Value switch
        {
            "Org" => Shape.Org,
            "Ou" => Shape.Ou,
            "Asg" => Shape.Asg,
            _ => Shape.Principals,
        };

        // An Asg shape only exists for grants; "AmiShareUseUsEast1Asg" was not written by AmiShare.
        return !(shape == Shape.Asg && concern == Concern.Use);
    }

    private static IEnumerable<string> Strings(JsonNode? node) => node switch
    {
        JsonArray array => array.OfType<JsonValue>().Select(v => v.TryGetValue<string>(out var s) ? s : null).OfType<string>(),
        JsonValue value when value.TryGetValue<string>(out var s) => [s],
        _ => [],
    };

    [GeneratedRegex("^AmiShare(?<concern>Use|Grant)(?<region>[A-Z][a-z]+(?:[A-Z][a-z]+)*[0-9]+)(?<shape>Org|Ou|Asg)?$")]
    private static partial Regex OwnedSidPattern();
}
