using System.Collections.Immutable;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using AmiShare.Core.Model;
using AmiShare.Policy.Catalogue;
using AmiShare.Policy.Evaluation;
using AmiShare.Policy.Kms;

namespace AmiShare.Core.Doctor;

/// <summary>
/// Asks the policy engine what EC2 asks KMS when it launches from an encrypted image on someone's behalf: the
/// request carries the context EC2 adds as the catalogue models it (<see cref="Ec2KmsUse.RequestContext"/>:
/// <c>kms:ViaService</c>, <c>kms:CallerAccount</c>, and for the grant EC2 makes for the volume,
/// <c>kms:GrantIsForAWSResource</c>), and is decided over key policy, grants, identity
/// policies and boundaries together, so a missing or denying statement on either side shows. Shared by doctor
/// and audit.
/// </summary>
internal static class Ec2KeyUse
{
    /// <summary>The label of the stand-in identity policies; never quoted as a deciding statement.</summary>
    public const string AssumedIdentityLabel = "identity (not read, assumed to allow)";

    /// <summary>Stands in for an identity side that was not read, so the key side alone decides.</summary>
    public static readonly CompiledPolicy AllowAllKms = AllowAll(KmsActions.All);

    /// <summary>Stands in for an identity side that was not read when only a sharing entry should decide.</summary>
    public static readonly CompiledPolicy AllowAllEc2 = AllowAll(Ec2Actions.All);

    /// <summary>Readable ARNs and paths in the fixes doctor and audit print; none of it is embedded in HTML unencoded.</summary>
    public static readonly JsonSerializerOptions Indented = new()
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <param name="viaEc2">False for a call the principal makes itself (someone creating the Auto Scaling grant).</param>
    public static EvaluationResult Evaluate(
        CallerPrincipal caller,
        string action,
        string keyArn,
        CompiledPolicy? keyPolicy,
        ImmutableArray<KmsGrant> grants,
        ImmutableArray<CompiledPolicy> identity,
        ImmutableArray<CompiledPolicy> boundaries,
        AccountOrganization? organization,
        bool viaEc2 = true)
    {
        IReadOnlyList<KeyValuePair<string, string[]>> context = viaEc2
            ? Ec2KmsUse.RequestContext(action, Arns.RegionOf(keyArn), caller.AccountId)
            : caller.AccountId is { } account ? [new(ConditionKeys.KmsCallerAccount, [account])] : [];
        var paths = organization?.OrgPathsOrEmpty ?? [];
        var request = AuthorizationRequest.Create(caller, action, keyArn, context, organization?.OrganizationId, paths.IsEmpty ? null : paths);
        return PolicyEvaluator.Evaluate(request, new PolicyInputs
        {
            IdentityPolicies = identity.IsDefault ? [] : identity,
            PermissionBoundaries = boundaries.IsDefault ? [] : boundaries,
            ResourcePolicy = keyPolicy,
            Grants = grants.IsDefault ? [] : grants,
            ResourceAccount = Arns.AccountOf(keyArn),
            PrincipalOrgId = organization?.OrganizationId,
            PrincipalOrgPaths = paths,
        });
    }

    /// <summary>
    /// The labels of the statements that decided, readable on their own: a grant is named by its id (and name)
    /// rather than its position in the list, which means nothing to someone reading ListGrants.
    /// </summary>
    public static ImmutableArray<string> Labels(EvaluationResult result, ImmutableArray<KmsGrant> grants = default)
    {
        var labels = ImmutableArray.CreateBuilder<string>(result.Statements.Length);
        foreach (var statement in result.Statements)
        {
            if (statement.Policy == AssumedIdentityLabel)
            {
                continue;
            }

            if (!statement.IsStatement && statement.Policy.StartsWith("grant[", StringComparison.Ordinal)
                && !grants.IsDefault && statement.StatementIndex >= 0 && statement.StatementIndex < grants.Length)
            {
                var grant = grants[statement.StatementIndex];
                var id = grant.GrantId ?? statement.StatementIndex.ToString(System.Globalization.CultureInfo.InvariantCulture);
                labels.Add($"grant:{id}{(grant.Name is { Length: > 0 } name ? $" ({name})" : string.Empty)}");
            }
            else
            {
                labels.Add(statement.Label);
            }
        }

        return labels.Distinct(StringComparer.Ordinal).ToImmutableArray();
    }

    /// <summary>
    /// A key-policy statement letting <paramref name="principal"/> use the key through EC2 in the key's region:
    /// the crypto actions, or CreateGrant scoped to grants for AWS resources, the same shapes <c>amishare share</c> writes.
    /// </summary>
    public static string KeyPolicyStatement(string sid, string principal, string keyRegion, bool createGrant, string? callerAccount = null)
    {
        var equals = new JsonObject { [ConditionKeys.KmsViaService] = Ec2KmsUse.ViaService(keyRegion) };
        if (callerAccount is not null)
        {
            equals[ConditionKeys.KmsCallerAccount] = callerAccount;
        }

        var condition = new JsonObject { ["StringEquals"] = equals };
        if (createGrant)
        {
            condition["Bool"] = ForAwsResource();
        }

        var statement = new JsonObject
        {
            ["Sid"] = sid,
            ["Effect"] = "Allow",
            ["Principal"] = new JsonObject { ["AWS"] = principal },
            ["Action"] = createGrant ? KmsActions.CreateGrant : List(Ec2KmsUse.KeyPolicyCryptoActions),
            ["Resource"] = "*",
            ["Condition"] = condition,
        };
        return statement.ToJsonString(Indented);
    }

    /// <summary>
    /// An identity-policy statement allowing the KMS actions EC2 needs on one key (the caller's half of the consent):
    /// the source key's statements are the ones <c>amishare share</c> emits; the destination key needs ReEncryptTo.
    /// </summary>
    public static string IdentityStatement(string keyArn, bool createGrant, bool destination = false)
    {
        var statement = createGrant
            ? new JsonObject
            {
                ["Sid"] = destination ? "AllowEbsGrantsOnDefaultKey" : "AmiShareGrantSourceKeysToEbs",
                ["Effect"] = "Allow",
                ["Action"] = KmsActions.CreateGrant,
                ["Resource"] = keyArn,
                ["Condition"] = new JsonObject { ["Bool"] = ForAwsResource() },
            }
            : new JsonObject
            {
                ["Sid"] = destination ? "AllowEbsUseOfDefaultKey" : "AmiShareUseSourceKeys",
                ["Effect"] = "Allow",
                ["Action"] = List(destination
                    ? Ec2KmsUse.DestinationKeyActions.Where(a => a != KmsActions.CreateGrant)
                    : Ec2KmsUse.IdentityCryptoActions),
                ["Resource"] = keyArn,
            };
        return statement.ToJsonString(Indented);
    }

    public static JsonArray List(IEnumerable<string> values) => [.. values.Select(v => (JsonNode)JsonValue.Create(v))];

    /// <summary>The condition on grants EC2 makes for a volume: <c>{"kms:GrantIsForAWSResource": "true"}</c>.</summary>
    private static JsonObject ForAwsResource() => new() { [ConditionKeys.KmsGrantIsForAwsResource] = "true" };

    private static CompiledPolicy AllowAll(string action)
    {
        var document = new JsonObject
        {
            ["Version"] = "2012-10-17",
            ["Statement"] = new JsonArray(new JsonObject { ["Effect"] = "Allow", ["Action"] = action, ["Resource"] = "*" }),
        };
        return CompiledPolicy.Parse(document.ToJsonString(), AssumedIdentityLabel).Policy!;
    }
}
