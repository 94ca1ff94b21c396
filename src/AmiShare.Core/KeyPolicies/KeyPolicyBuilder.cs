using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using AmiShare.Core.Model;
using AmiShare.Core.Planning;
using AmiShare.Policy;
using AmiShare.Policy.Validation;

namespace AmiShare.Core.KeyPolicies;

/// <summary>
/// Writes the key-policy statements AmiShare owns and merges them into an existing key policy.
/// Ownership is by Sid: <c>AmiShare{Use|Grant}{Region}{""|Org|Ou|Asg}</c>, e.g. <c>AmiShareUseUsEast1Org</c>.
/// Every other statement — including one whose Sid merely starts with AmiShare but does not follow that
/// grammar — is foreign and kept exactly, in its original order; AmiShare's statements follow it.
/// </summary>
public static partial class KeyPolicyBuilder
{
    public const string SidPrefix = "AmiShare";

    /// <summary>KMS's fixed key-policy limit (aws-facts §5).</summary>
    public const int MaxPolicyBytes = 32_768;

    /// <summary>What EC2 does with the key when the target launches (aws-facts §1); ReEncrypt* covers From and To.</summary>
    public static readonly ImmutableArray<string> CryptoActions =
        ["kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKeyWithoutPlaintext", "kms:ReEncrypt*"];

    private const string CreateGrant = "kms:CreateGrant";

    /// <summary>Relaxed escaping keeps ARNs and paths readable and the byte count honest; the text is never embedded in HTML.</summary>
    private static readonly JsonSerializerOptions Compact = new()
    {
        WriteIndented = false,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private enum Concern
    {
        Use,
        Grant,
    }

    private enum Shape
    {
        Principals,
        Org,
        Ou,
        Asg,
    }

    /// <summary>Splits a key policy into AmiShare's audiences and the statements it must not touch.</summary>
    public static KeyPolicyReading Read(string policyJson)
    {
        var parsed = ParseDocument(policyJson) ?? throw new ArgumentException("The key policy is not a JSON object with a Statement.", nameof(policyJson));
        return ReadParsed(parsed.Statements);
    }

    /// <summary>Adds <paramref name="add"/> to AmiShare's statements for <paramref name="region"/>, keeping all else.</summary>
    /// <param name="organization">Lets an oversized policy fold accounts into an org condition; null refuses instead.</param>
    public static KeyPolicyChange Share(string policyJson, string region, KeyAudience add, OrganizationFacts? organization = null)
    {
        ArgumentNullException.ThrowIfNull(add);
        return Change(policyJson, reading => reading.Audiences.SetItem(region, reading.AudienceIn(region).Union(add)), organization);
    }

    /// <summary>
    /// Removes <paramref name="remove"/> from AmiShare's statements for <paramref name="region"/>, except what
    /// <paramref name="stillSharedWith"/> still needs (another image under this key is still shared with it).
    /// A statement left with nobody is dropped.
    /// </summary>
    public static KeyPolicyChange Unshare(string policyJson, string region, KeyAudience remove, KeyAudience? stillSharedWith = null)
    {
        ArgumentNullException.ThrowIfNull(remove);
        var removable = remove.Except(stillSharedWith ?? KeyAudience.Empty);
        return Change(policyJson, reading => reading.Audiences.SetItem(region, reading.AudienceIn(region).Except(removable)), organization: null);
    }

    /// <summary>The audience a set of targets needs, by the rules of the issue: roots, given principals, org or OU conditions.</summary>
    /// <param name="principals">IAM principal ARNs; when given they replace the account roots of account targets.</param>
    public static KeyAudience AudienceFor(IEnumerable<ShareTarget> targets, IEnumerable<string> principals, bool asg, OrganizationFacts? organization, string partition = "aws")
    {
        var targetList = targets.ToList();
        var principalList = principals.ToList();
        var accounts = targetList.Where(t => t.IsAccount).Select(t => Arns.AccountRoot(t.Value, partition)).ToList();
        var named = principalList.Count > 0 ? principalList : accounts;
        var orgIds = targetList.Where(t => t.Kind == ShareTargetKind.Organization).Select(t => t.OrganizationId!);
        var paths = targetList.Where(t => t.Kind == ShareTargetKind.OrganizationalUnit).Select(t => OrgPathFor(t, organization));
        return KeyAudience.Of(named, orgIds, paths, asg ? accounts : []);
    }

    /// <summary>
    /// The <c>aws:PrincipalOrgPaths</c> pattern for an OU: the full path when discovery knows it, else
    /// <c>o-x/*/ou-y/*</c>, which matches the same accounts because OU ids are unique within an organization.
    /// </summary>
    public static string OrgPathFor(ShareTarget ou, OrganizationFacts? organization)
    {
        if (ou.Kind != ShareTargetKind.OrganizationalUnit)
        {
            throw new ArgumentException($"{ou.Value} is not an OU target.", nameof(ou));
        }

        if (organization?.OuPaths is { } known && known.TryGetValue(ou.OuId!, out var path))
        {
            return path.EndsWith('/') ? path + "*" : path + "/*";
        }

        return $"{ou.OrganizationId}/*/{ou.OuId}/*";
    }

    /// <summary>"us-east-1" → "UsEast1": Sids must be alphanumeric to be portable (SidRule).</summary>
    public static string RegionToken(string region) =>
        string.Concat(region.Split('-').Select(part => part.Length == 0 ? part : char.ToUpperInvariant(part[0]) + part[1..]));

    /// <summary>"UsEast1" → "us-east-1".</summary>
    public static string RegionFromToken(string token) =>
        RegionTokenBoundary().Replace(token, "-$0").ToLowerInvariant();

    public static int ByteCount(string policyJson) => Encoding.UTF8.GetByteCount(policyJson);

    private static KeyPolicyChange Change(string policyJson, Func<KeyPolicyReading, ImmutableSortedDictionary<string, KeyAudience>> transform, OrganizationFacts? organization)
    {
        if (ParseDocument(policyJson) is not { } parsed)
        {
            return new(policyJson, false, [PlanFinding.Blocking(
                "KeyPolicyUnreadable",
                "key policy",
                "The key policy is not a JSON object with a Statement list, so AmiShare cannot merge into it without risking statements it did not write. Fix the policy with aws kms put-key-policy, then rerun.")]);
        }

        var reading = ReadParsed(parsed.Statements);
        var audiences = transform(reading);
        var findings = ImmutableArray.CreateBuilder<PlanFinding>();
        var composed = Compose(parsed.Root, parsed.Statements, audiences);

        if (ByteCount(composed) > MaxPolicyBytes)
        {
            if (Fold(audiences, organization) is { } folded)
            {
                var foldedText = Compose(parsed.Root, parsed.Statements, folded);
                if (ByteCount(foldedText) <= MaxPolicyBytes)
                {
                    findings.Add(PlanFinding.Warning(
                        "KeyPolicyFoldedIntoOrganization",
                        "key policy",
                        $"Naming every account would take the key policy past KMS's {MaxPolicyBytes:N0}-byte limit, so the accounts (all members of {organization!.OrganizationId}) are admitted with Principal \"*\" and aws:PrincipalOrgID = {organization.OrganizationId} instead. Every account of that organization can now use the key through EC2; share with fewer accounts if that is too wide."));
                    composed = foldedText;
                }
                else
                {
                    return Refuse(policyJson, ByteCount(foldedText));
                }
            }
            else
            {
                return Refuse(policyJson, ByteCount(composed));
            }
        }

        var selfCheck = SelfCheck(composed, parsed.Statements.Count(n => !IsOwned(n, out _, out _, out _)));
        if (selfCheck is not null)
        {
            return new(policyJson, false, [selfCheck]);
        }

        var original = parsed.Root.ToJsonString(Compact);
        var changed = !string.Equals(original, composed, StringComparison.Ordinal);
        return new(changed ? composed : policyJson, changed, findings.ToImmutable());
    }

    private static KeyPolicyChange Refuse(string policyJson, int bytes) => new(policyJson, false, [PlanFinding.Blocking(
        "KeyPolicyTooLarge",
        "key policy",
        string.Create(CultureInfo.InvariantCulture, $"The key policy would grow to {bytes:N0} bytes; KMS accepts at most {MaxPolicyBytes:N0} and never more. AmiShare will not drop statements to fit. Share with an organization or OU ARN instead of account by account, or let discovery see the organization's member accounts so AmiShare can fold them into an aws:PrincipalOrgID condition."))]);

    /// <summary>
    /// Replaces named principals by the organization when every one of them is in it. Auto Scaling entries stay
    /// named: an unconstrained CreateGrant for a whole organization would be far wider than asked.
    /// </summary>
    private static ImmutableSortedDictionary<string, KeyAudience>? Fold(ImmutableSortedDictionary<string, KeyAudience> audiences, OrganizationFacts? organization)
    {
        if (organization is null)
        {
            return null;
        }

        var result = audiences;
        foreach (var (region, audience) in audiences)
        {
            if (audience.Principals.IsEmpty)
            {
                continue;
            }

            if (!audience.Principals.All(p => organization.ContainsAccount(Arns.AccountOf(p))))
            {
                return null;
            }

            result = result.SetItem(region, audience with
            {
                Principals = KeyAudience.Empty.Principals,
                OrganizationIds = audience.OrganizationIds.Add(organization.OrganizationId),
            });
        }

        return result;
    }

    /// <summary>What AmiShare writes must be valid and never public (design "Principles"); a failure here is a bug, not a user error.</summary>
    private static PlanFinding? SelfCheck(string composed, int foreignCount)
    {
        foreach (var finding in PolicyValidator.Validate(composed, PolicyKind.Key))
        {
            if (finding.Severity is not (Severity.Error or Severity.SecurityWarning) || finding.Code == "KeyPolicyTooLarge")
            {
                continue;
            }

            if (StatementIndex(finding.Location) is { } index && index >= foreignCount)
            {
                return PlanFinding.Blocking(
                    "GeneratedKeyPolicyInvalid",
                    "key policy",
                    $"AmiShare produced a key-policy statement that fails its own check ({finding}). Nothing was changed; please report this as a bug.");
            }
        }

        return null;
    }

    private static int? StatementIndex(string location)
    {
        var match = StatementIndexPattern().Match(location);
        return match.Success ? int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : null;
    }

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
                foreign.Add(statement.ToJsonString(Compact));
                continue;
            }

            var principals = Strings(statement["Principal"] is JsonObject p ? p["AWS"] : null);
            var condition = statement["Condition"] as JsonObject;
            var found = shape switch
            {
                Shape.Principals => KeyAudience.Of(principals: principals),
                Shape.Asg => KeyAudience.Of(asgPrincipals: principals),
                Shape.Org => KeyAudience.Of(organizationIds: Strings((condition?["StringEquals"] as JsonObject)?["aws:PrincipalOrgID"])),
                _ => KeyAudience.Of(orgPaths: Strings((condition?["ForAnyValue:StringLike"] as JsonObject)?["aws:PrincipalOrgPaths"])),
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

        return root.ToJsonString(Compact);
    }

    /// <summary>The statements for one region, in a fixed order: named principals, organization, OUs, Auto Scaling.</summary>
    internal static IEnumerable<JsonObject> StatementsFor(string region, KeyAudience audience)
    {
        var token = RegionToken(region);
        var via = new JsonObject { ["kms:ViaService"] = Arns.Ec2ViaService(region) };
        if (!audience.Principals.IsEmpty)
        {
            yield return Use($"{SidPrefix}Use{token}", NamedPrincipals(audience.Principals), StringEquals(via));
            yield return Grant($"{SidPrefix}Grant{token}", NamedPrincipals(audience.Principals), StringEquals(via), forAwsResource: true);
        }

        if (!audience.OrganizationIds.IsEmpty)
        {
            JsonObject Condition() => StringEquals(new JsonObject
            {
                ["kms:ViaService"] = Arns.Ec2ViaService(region),
                ["aws:PrincipalOrgID"] = StringList(audience.OrganizationIds),
            });
            yield return Use($"{SidPrefix}Use{token}Org", "*", Condition());
            yield return Grant($"{SidPrefix}Grant{token}Org", "*", Condition(), forAwsResource: true);
        }

        if (!audience.OrgPaths.IsEmpty)
        {
            JsonObject Condition() => new()
            {
                ["StringEquals"] = via.DeepClone(),
                ["ForAnyValue:StringLike"] = new JsonObject { ["aws:PrincipalOrgPaths"] = StringList(audience.OrgPaths) },
            };
            yield return Use($"{SidPrefix}Use{token}Ou", "*", Condition());
            yield return Grant($"{SidPrefix}Grant{token}Ou", "*", Condition(), forAwsResource: true);
        }

        if (!audience.AsgPrincipals.IsEmpty)
        {
            // Someone in the target creates the grant for its Auto Scaling role directly, not through EC2,
            // so this statement has neither kms:ViaService nor kms:GrantIsForAWSResource (aws-facts §5).
            yield return Grant($"{SidPrefix}Grant{token}Asg", NamedPrincipals(audience.AsgPrincipals), condition: null, forAwsResource: false);
        }
    }

    private static JsonObject Use(string sid, JsonNode principal, JsonObject condition) => new()
    {
        ["Sid"] = sid,
        ["Effect"] = "Allow",
        ["Principal"] = principal,
        ["Action"] = StringList(CryptoActions),
        ["Resource"] = "*",
        ["Condition"] = condition,
    };

    private static JsonObject Grant(string sid, JsonNode principal, JsonObject? condition, bool forAwsResource)
    {
        var statement = new JsonObject
        {
            ["Sid"] = sid,
            ["Effect"] = "Allow",
            ["Principal"] = principal,
            ["Action"] = CreateGrant,
            ["Resource"] = "*",
        };
        if (forAwsResource)
        {
            condition ??= [];
            condition["Bool"] = new JsonObject { ["kms:GrantIsForAWSResource"] = "true" };
        }

        if (condition is not null)
        {
            statement["Condition"] = condition;
        }

        return statement;
    }

    private static JsonObject NamedPrincipals(IEnumerable<string> principals) => new() { ["AWS"] = StringList(principals) };

    private static JsonObject StringEquals(JsonObject values) => new() { ["StringEquals"] = values.DeepClone() };

    private static JsonArray StringList(IEnumerable<string> values) => [.. values.Select(v => (JsonNode)JsonValue.Create(v))];

    [GeneratedRegex("^AmiShare(?<concern>Use|Grant)(?<region>[A-Z][a-z]+(?:[A-Z][a-z]+)*[0-9]+)(?<shape>Org|Ou|Asg)?$")]
    private static partial Regex OwnedSidPattern();

    [GeneratedRegex("(?<=[a-z])[A-Z]|(?<=[a-z])[0-9]")]
    private static partial Regex RegionTokenBoundary();

    [GeneratedRegex(@"^Statement\[(\d+)\]")]
    private static partial Regex StatementIndexPattern();
}
