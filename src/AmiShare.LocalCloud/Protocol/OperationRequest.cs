using System.Globalization;
using System.Text.Json;
using AmiShare.LocalCloud.Auth;
using AmiShare.LocalCloud.Authorization;
using AmiShare.Policy.Catalogue;
using AmiShare.Policy.Kms;
using AmiShare.Policy.Sharing;

namespace AmiShare.LocalCloud.Protocol;

/// <summary>
/// Everything a handler gets: who called (authenticated), where (region, service), what (operation and its
/// parameters: <see cref="Parameters"/> for query protocols, <see cref="Body"/> for JSON), the cloud it acts on,
/// the clock, a request id and the request's cancellation token.
/// </summary>
public sealed class OperationRequest
{
    public required CallerIdentity Caller { get; init; }

    /// <summary>The region from the credential scope (us-east-1 for IAM).</summary>
    public required string Region { get; init; }

    public required AwsServiceDescriptor Service { get; init; }

    public required string Operation { get; init; }

    /// <summary>Query-protocol parameters; empty for JSON services.</summary>
    public QueryParameters Parameters { get; init; } = QueryParameters.Empty;

    /// <summary>JSON 1.1 request body; an empty object for query services.</summary>
    public JsonElement Body { get; init; }

    public required string RequestId { get; init; }

    public required LocalCloudContext Cloud { get; init; }

    public TimeProvider Time => Cloud.Time;

    public CancellationToken CancellationToken { get; init; }

    /// <summary>Resources touched and calls made on the caller's behalf, for CloudTrail.</summary>
    public TrailNotes Trail { get; } = new();

    /// <summary>The EC2 <c>DryRun=true</c> parameter or the JSON <c>"DryRun": true</c> member.</summary>
    public bool IsDryRun => Service.Protocol == WireProtocol.Json11
        ? Body.ValueKind == JsonValueKind.Object && Body.TryGetProperty("DryRun", out var dryRun) && dryRun.ValueKind == JsonValueKind.True
        : Parameters.GetBoolean("DryRun") == true;

    /// <summary>Asks the authorizer without failing; global <c>aws:*</c> condition keys are added here.</summary>
    public AuthorizationDecision Check(
        string action,
        string resourceArn,
        IReadOnlyDictionary<string, IReadOnlyList<string>>? contextKeys = null,
        ResourcePolicy? resourcePolicy = null,
        IReadOnlyList<KmsGrant>? grants = null,
        ResourceSharing? launchPermissions = null,
        ResourceSharing? createVolumePermissions = null)
    {
        var request = Question(action, resourceArn, contextKeys, resourcePolicy, grants, launchPermissions, createVolumePermissions);
        return Cloud.Authorizer.Authorize(request);
    }

    /// <summary>
    /// The one call every handler makes for each action it performs. Throws the service's access-denied error
    /// (<c>AccessDenied</c>, EC2 <c>UnauthorizedOperation</c>, KMS <c>AccessDeniedException</c>) when refused.
    /// </summary>
    public void Authorize(
        string action,
        string resourceArn,
        IReadOnlyDictionary<string, IReadOnlyList<string>>? contextKeys = null,
        ResourcePolicy? resourcePolicy = null,
        IReadOnlyList<KmsGrant>? grants = null,
        ResourceSharing? launchPermissions = null,
        ResourceSharing? createVolumePermissions = null)
    {
        var request = Question(action, resourceArn, contextKeys, resourcePolicy, grants, launchPermissions, createVolumePermissions);
        var decision = Cloud.Authorizer.Authorize(request);
        if (!decision.IsAllowed)
        {
            var core = $"User: {Caller.PrincipalArn} is not authorized to perform: {action} on resource: {resourceArn} because {decision.Reason}";
            if (Service.Protocol != WireProtocol.Ec2Query)
            {
                throw new AwsServiceException(Service.AccessDeniedCode, core, Service.AccessDeniedStatus);
            }

            // EC2 alone appends the decision, encoded, for sts:DecodeAuthorizationMessage; the plain text stays as it was.
            var token = AuthorizationMessages.Encode(Cloud, request, decision);
            throw new AwsServiceException(
                Service.AccessDeniedCode,
                $"You are not authorized to perform this operation. {core}. Encoded authorization failure message: {token}",
                Service.AccessDeniedStatus);
        }
    }

    // The authorizer's question, with the global keys, so a denial can be encoded with the keys it was decided on.
    private AuthorizationRequest Question(
        string action,
        string resourceArn,
        IReadOnlyDictionary<string, IReadOnlyList<string>>? contextKeys,
        ResourcePolicy? resourcePolicy,
        IReadOnlyList<KmsGrant>? grants,
        ResourceSharing? launchPermissions,
        ResourceSharing? createVolumePermissions)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(action);
        ArgumentException.ThrowIfNullOrWhiteSpace(resourceArn);
        return new AuthorizationRequest(Caller, action, resourceArn, WithGlobalKeys(contextKeys))
        {
            ResourcePolicy = resourcePolicy,
            Grants = grants ?? [],
            LaunchPermissions = launchPermissions,
            CreateVolumePermissions = createVolumePermissions,
        };
    }

    /// <summary>Call after all <see cref="Authorize"/> checks: a dry run ends here with the 412 success answer.</summary>
    public void StopIfDryRun()
    {
        if (IsDryRun)
        {
            throw Service.DryRunSucceeded();
        }
    }

    private Dictionary<string, IReadOnlyList<string>> WithGlobalKeys(IReadOnlyDictionary<string, IReadOnlyList<string>>? specific) =>
        GlobalKeys(Cloud, Caller, Region, Time.GetUtcNow(), specific);

    /// <summary>The global <c>aws:*</c> condition keys of a request by <paramref name="caller"/> (also used by IAM's policy simulator).</summary>
    internal static Dictionary<string, IReadOnlyList<string>> GlobalKeys(
        LocalCloudContext cloud,
        CallerIdentity caller,
        string region,
        DateTimeOffset now,
        IReadOnlyDictionary<string, IReadOnlyList<string>>? specific)
    {
        var keys = new Dictionary<string, IReadOnlyList<string>>(StringComparer.OrdinalIgnoreCase)
        {
            [ConditionKeys.AwsPrincipalArn] = [caller.PolicyPrincipalArn],
            [ConditionKeys.AwsPrincipalAccount] = [caller.AccountId],
            [ConditionKeys.AwsPrincipalType] = [caller.Kind switch
            {
                PrincipalKind.AccountRoot => "Account",
                PrincipalKind.IamUser => "User",
                PrincipalKind.FederatedUser => "FederatedUser",
                _ => "AssumedRole",
            }],
            [ConditionKeys.AwsUserId] = [caller.UserId],
            [ConditionKeys.AwsRequestedRegion] = [region],
            [ConditionKeys.AwsCurrentTime] = [now.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)],
            [ConditionKeys.AwsEpochTime] = [now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)],
            [ConditionKeys.AwsSecureTransport] = ["false"],
        };
        if (caller.UserName is { } userName)
        {
            keys[ConditionKeys.AwsUserName] = [userName];
        }

        // The user's or role's IAM tags, with a role session's tags over its role's (see IamDirectory.PrincipalTags).
        foreach (var (tagKey, tagValue) in cloud.Iam.PrincipalTags(caller))
        {
            keys[ConditionKeys.AwsPrincipalTag(tagKey)] = [tagValue];
        }

        if (cloud.Organization.OrganizationIdOf(caller.AccountId) is { } orgId)
        {
            keys[ConditionKeys.AwsPrincipalOrgId] = [orgId];
            keys[ConditionKeys.AwsPrincipalOrgPaths] = [cloud.Organization.OrganizationPathOf(caller.AccountId)!];
        }

        foreach (var (key, values) in specific ?? new Dictionary<string, IReadOnlyList<string>>())
        {
            keys[key] = values;
        }

        return keys;
    }
}
