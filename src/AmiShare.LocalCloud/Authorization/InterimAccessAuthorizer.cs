using System.Text.Json;
using AmiShare.LocalCloud.Auth;

namespace AmiShare.LocalCloud.Authorization;

/// <summary>
/// PLACEHOLDER until the AmiShare.Policy evaluator is plugged in (via <see cref="LocalCloudOptions.AuthorizerFactory"/>,
/// then as the default here). It is deliberately tiny and NOT AWS's evaluation logic:
/// <list type="bullet">
/// <item>identity side: an account's root is allowed; anyone else needs an inline or attached identity policy
/// with an <c>Allow</c> statement whose <c>Action</c> lists the action literally or <c>*</c> (resources and
/// conditions are ignored);</item>
/// <item>resource side (trust and key policies, or any resource policy for cross-account access): a statement
/// whose <c>Principal</c> is <c>*</c>, the caller's account id, account root ARN, role ARN or user ARN, whose
/// action matches, and whose only supported condition is <c>StringEquals</c> on <c>sts:ExternalId</c>;
/// a matching <c>Deny</c> wins.</item>
/// </list>
/// </summary>
public sealed class InterimAccessAuthorizer(IIdentityPolicySource identityPolicies) : IAccessAuthorizer
{
    public AuthorizationDecision Authorize(AuthorizationRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var caller = request.Caller;
        var sameAccount = request.ResourceAccountId == caller.AccountId;
        var identityAllows = caller.IsRoot || IdentityPolicyListsAction(caller, request.Action);

        if (request.ResourcePolicy is not { } resourcePolicy)
        {
            return sameAccount && identityAllows
                ? AuthorizationDecision.Allow(caller.IsRoot ? "the account root may act on its own account's resources" : "an identity-based policy allows the action")
                : AuthorizationDecision.Deny(sameAccount
                    ? $"no identity-based policy allows the {request.Action} action"
                    : $"no resource-based policy allows the {request.Action} action");
        }

        var resourceMatch = MatchResourcePolicy(resourcePolicy.Document, request);
        if (resourceMatch == ResourcePolicyMatch.Denied)
        {
            return AuthorizationDecision.Deny($"an explicit deny in a resource-based policy applies to the {request.Action} action");
        }

        var resourceAllows = resourceMatch is ResourcePolicyMatch.AllowsAccount or ResourcePolicyMatch.AllowsPrincipal;
        var required = resourcePolicy.Kind is ResourcePolicyKind.RoleTrustPolicy or ResourcePolicyKind.KeyPolicy;
        if (required && !resourceAllows)
        {
            return AuthorizationDecision.Deny(resourcePolicy.Kind == ResourcePolicyKind.RoleTrustPolicy
                ? "the role's trust policy does not allow it"
                : "the key policy does not allow it");
        }

        // Within one account, a resource policy naming the caller itself grants access on its own.
        if (sameAccount && resourceMatch == ResourcePolicyMatch.AllowsPrincipal)
        {
            return AuthorizationDecision.Allow("a resource-based policy names the caller");
        }

        if (sameAccount && !required && identityAllows)
        {
            return AuthorizationDecision.Allow("an identity-based policy allows the action");
        }

        return resourceAllows && identityAllows
            ? AuthorizationDecision.Allow("both an identity-based and a resource-based policy allow the action")
            : AuthorizationDecision.Deny(identityAllows
                ? $"no resource-based policy allows the {request.Action} action"
                : $"no identity-based policy allows the {request.Action} action");
    }

    private bool IdentityPolicyListsAction(CallerIdentity caller, string action) =>
        identityPolicies.GetPolicies(caller).All.Any(policy =>
            Statements(policy.Document).Any(s => Effect(s) == "Allow" && Strings(s, "Action").Any(a => ActionMatches(a, action))));

    private enum ResourcePolicyMatch
    {
        NoMatch,
        AllowsAccount,
        AllowsPrincipal,
        Denied,
    }

    private static ResourcePolicyMatch MatchResourcePolicy(string document, AuthorizationRequest request)
    {
        var result = ResourcePolicyMatch.NoMatch;
        foreach (var statement in Statements(document))
        {
            if (!Strings(statement, "Action").Any(a => ActionMatches(a, request.Action)))
            {
                continue;
            }

            var principal = PrincipalMatch(statement, request.Caller);
            if (principal == ResourcePolicyMatch.NoMatch)
            {
                continue;
            }

            var effect = Effect(statement);
            var conditionsHold = ConditionsHold(statement, request.ContextKeys);
            if (effect == "Deny" && conditionsHold != false)
            {
                return ResourcePolicyMatch.Denied;
            }

            if (effect == "Allow" && conditionsHold == true && principal > result)
            {
                result = principal;
            }
        }

        return result;
    }

    private static ResourcePolicyMatch PrincipalMatch(JsonElement statement, CallerIdentity caller)
    {
        if (!statement.TryGetProperty("Principal", out var principal))
        {
            return ResourcePolicyMatch.NoMatch;
        }

        if (principal.ValueKind == JsonValueKind.String)
        {
            return principal.GetString() == "*" ? ResourcePolicyMatch.AllowsAccount : ResourcePolicyMatch.NoMatch;
        }

        if (principal.ValueKind != JsonValueKind.Object || !principal.TryGetProperty("AWS", out var aws))
        {
            return ResourcePolicyMatch.NoMatch;
        }

        var best = ResourcePolicyMatch.NoMatch;
        foreach (var name in StringsOf(aws))
        {
            if (name == caller.PolicyPrincipalArn || name == caller.PrincipalArn)
            {
                return ResourcePolicyMatch.AllowsPrincipal;
            }

            if (name == "*" || name == caller.AccountId || name == CallerIdentity.RootArn(caller.AccountId))
            {
                best = caller.IsRoot && name != "*" ? ResourcePolicyMatch.AllowsPrincipal : ResourcePolicyMatch.AllowsAccount;
            }
        }

        return best;
    }

    /// <summary>true = all hold; false = some fails; null = a condition this placeholder cannot judge.</summary>
    private static bool? ConditionsHold(JsonElement statement, IReadOnlyDictionary<string, IReadOnlyList<string>> context)
    {
        if (!statement.TryGetProperty("Condition", out var condition) || condition.ValueKind != JsonValueKind.Object)
        {
            return true;
        }

        foreach (var op in condition.EnumerateObject())
        {
            if (op.Name != "StringEquals" || op.Value.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            foreach (var key in op.Value.EnumerateObject())
            {
                if (!string.Equals(key.Name, "sts:ExternalId", StringComparison.OrdinalIgnoreCase))
                {
                    return null;
                }

                var actual = context.TryGetValue("sts:ExternalId", out var values) ? values : [];
                if (!actual.Any(v => StringsOf(key.Value).Contains(v, StringComparer.Ordinal)))
                {
                    return false;
                }
            }
        }

        return true;
    }

    private static bool ActionMatches(string pattern, string action) =>
        pattern == "*"
        || string.Equals(pattern, action, StringComparison.OrdinalIgnoreCase)
        || (pattern.EndsWith(":*", StringComparison.Ordinal)
            && action.StartsWith(pattern[..^1], StringComparison.OrdinalIgnoreCase));

    private static string? Effect(JsonElement statement) =>
        statement.TryGetProperty("Effect", out var effect) && effect.ValueKind == JsonValueKind.String ? effect.GetString() : null;

    private static List<JsonElement> Statements(string document)
    {
        try
        {
            using var parsed = JsonDocument.Parse(document);
            if (!parsed.RootElement.TryGetProperty("Statement", out var statement))
            {
                return [];
            }

            return statement.ValueKind == JsonValueKind.Array
                ? [.. statement.EnumerateArray().Select(s => s.Clone())]
                : [statement.Clone()];
        }
        catch (JsonException)
        {
            return [];
        }
    }

    private static IEnumerable<string> Strings(JsonElement element, string property) =>
        element.TryGetProperty(property, out var value) ? StringsOf(value) : [];

    private static IEnumerable<string> StringsOf(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => [value.GetString()!],
        JsonValueKind.Array => value.EnumerateArray().Where(v => v.ValueKind == JsonValueKind.String).Select(v => v.GetString()!),
        _ => [],
    };
}
