using System.Collections.Immutable;
using System.Text.Json.Nodes;
using AmiShare.Policy.Catalogue;
using AmiShare.Policy.Model;

namespace AmiShare.Core.KeyPolicies;

/// <summary>Writing AmiShare's key-policy statements and composing them after the foreign ones.</summary>
public static partial class KeyPolicyBuilder
{
    private static string Compose(JsonObject originalRoot, List<JsonNode> statements, ImmutableSortedDictionary<string, KeyAudience> audiences)
    {
        var array = new JsonArray();
        foreach (var statement in statements)
        {
            if (!IsOwned(statement, out _, out _, out _))
            {
                array.Add(statement.DeepClone());
            }
        }

        foreach (var (region, audience) in audiences)
        {
            foreach (var statement in StatementsFor(region, audience))
            {
                array.Add(statement);
            }
        }

        var root = new JsonObject();
        var wroteStatements = false;
        foreach (var (name, value) in originalRoot)
        {
            if (name == "Statement")
            {
                root[name] = array;
                wroteStatements = true;
            }
            else
            {
                root[name] = value?.DeepClone();
            }
        }

        if (!wroteStatements)
        {
            root["Statement"] = array;
        }

        return root.ToJsonString(PolicyWriter.Compact);
    }

    /// <summary>The statements for one region, in a fixed order: named principals, organization, OUs, Auto Scaling.</summary>
    internal static IEnumerable<JsonObject> StatementsFor(string region, KeyAudience audience) =>
        AuthoredStatementsFor(region, audience).Select(statement => statement.ToJsonObject());

    private static IEnumerable<AuthoredStatement> AuthoredStatementsFor(string region, KeyAudience audience)
    {
        var token = RegionToken(region);
        var via = AuthoredCondition.ViaEc2(region);
        if (!audience.Principals.IsEmpty)
        {
            var named = AuthoredPrincipal.Aws(audience.Principals);
            yield return Use($"{SidPrefix}Use{token}", named, [via]);
            yield return Grant($"{SidPrefix}Grant{token}", named, [via, AuthoredCondition.GrantIsForAwsResource]);
        }

        if (!audience.OrganizationIds.IsEmpty)
        {
            ImmutableArray<AuthoredCondition> condition = [via, new(AuthoredCondition.StringEquals, ConditionKeys.AwsPrincipalOrgId, PolicyValues.List(audience.OrganizationIds))];
            yield return Use($"{SidPrefix}Use{token}Org", AuthoredPrincipal.Anyone, condition);
            yield return Grant($"{SidPrefix}Grant{token}Org", AuthoredPrincipal.Anyone, condition.Add(AuthoredCondition.GrantIsForAwsResource));
        }

        if (!audience.OrgPaths.IsEmpty)
        {
            ImmutableArray<AuthoredCondition> condition = [via, new(AuthoredCondition.ForAnyValueStringLike, ConditionKeys.AwsPrincipalOrgPaths, PolicyValues.List(audience.OrgPaths))];
            yield return Use($"{SidPrefix}Use{token}Ou", AuthoredPrincipal.Anyone, condition);
            yield return Grant($"{SidPrefix}Grant{token}Ou", AuthoredPrincipal.Anyone, condition.Add(AuthoredCondition.GrantIsForAwsResource));
        }

        if (!audience.AsgPrincipals.IsEmpty)
        {
            // Someone in the target creates the grant for its Auto Scaling role directly, not through EC2,
            // so this statement has neither kms:ViaService nor kms:GrantIsForAWSResource (docs/aws-facts.md §5).
            yield return Grant($"{SidPrefix}Grant{token}Asg", AuthoredPrincipal.Aws(audience.AsgPrincipals), []);
        }
    }

    private static AuthoredStatement Use(string sid, AuthoredPrincipal principal, ImmutableArray<AuthoredCondition> condition) =>
        new(Effect.Allow, PolicyValues.List(Ec2KmsUse.KeyPolicyCryptoActions), PolicyValues.One("*")) { Sid = sid, Principal = principal, Conditions = condition };

    private static AuthoredStatement Grant(string sid, AuthoredPrincipal principal, ImmutableArray<AuthoredCondition> condition) =>
        new(Effect.Allow, PolicyValues.One(KmsActions.CreateGrant), PolicyValues.One("*")) { Sid = sid, Principal = principal, Conditions = condition };
}
