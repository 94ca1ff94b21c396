using System.Globalization;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using AmiShare.LocalCloud.Auth;
using AmiShare.LocalCloud.Authorization;
using AmiShare.LocalCloud.Protocol;
using AmiShare.Policy.Catalogue;

namespace AmiShare.LocalCloud.Services.Sts;

/// <summary>STS: who am I, and role sessions whose credentials authenticate later requests.</summary>
public sealed partial class StsOperations(LocalCloudContext cloud) : IServiceOperations
{
    public const int DefaultSessionSeconds = 3600;
    public const int MinimumSessionSeconds = 900;

    /// <summary>AWS caps sessions obtained with role-session credentials (role chaining) at one hour.</summary>
    public const int ChainedSessionMaximumSeconds = 3600;

    public AwsServiceDescriptor Service => AwsServices.Sts;

    public IReadOnlyDictionary<string, OperationHandler> Operations => new Dictionary<string, OperationHandler>
    {
        ["GetCallerIdentity"] = GetCallerIdentity,
        ["AssumeRole"] = AssumeRole,
    };

    // GetCallerIdentity needs no permission in AWS: any valid credential may ask who it is.
    private static Task<OperationResponse> GetCallerIdentity(OperationRequest request) =>
        Task.FromResult(OperationResponse.Xml(
            new XElement("Arn", request.Caller.PrincipalArn),
            new XElement("UserId", request.Caller.UserId),
            new XElement("Account", request.Caller.AccountId)));

    private Task<OperationResponse> AssumeRole(OperationRequest request)
    {
        var parameters = request.Parameters;
        var roleArn = parameters.GetRequiredString("RoleArn");
        var sessionName = parameters.GetRequiredString("RoleSessionName");
        if (!SessionNamePattern().IsMatch(sessionName))
        {
            throw StsErrors.Validation($"Value '{sessionName}' at 'roleSessionName' failed to satisfy constraint: Member must have length between 2 and 64 and match [\\w+=,.@-]*");
        }

        // Federated users may call no STS operation but GetCallerIdentity (IAM User Guide, "Compare AWS STS credentials").
        if (request.Caller.Kind == PrincipalKind.FederatedUser)
        {
            throw StsErrors.AccessDenied("Cannot call AssumeRole with the credentials of a federated user");
        }

        var tags = SessionTags.Read(parameters, request.Caller);
        var role = cloud.Iam.FindRoleByArn(roleArn);
        var context = new Dictionary<string, IReadOnlyList<string>>(StringComparer.OrdinalIgnoreCase)
        {
            ["sts:RoleSessionName"] = [sessionName],
        };
        if (parameters.GetString("ExternalId") is { } externalId)
        {
            context["sts:ExternalId"] = [externalId];
        }

        tags.AddConditionKeys(context);

        // AWS answers a missing role exactly like a refused one, so callers cannot probe which roles exist.
        var trust = role is null
            ? new ResourcePolicy(ResourcePolicyKind.RoleTrustPolicy, ArnParts.AccountOf(roleArn) ?? string.Empty, """{"Statement":[]}""")
            : new ResourcePolicy(ResourcePolicyKind.RoleTrustPolicy, role.AccountId, role.AssumeRolePolicyDocument);

        // Noted before authorizing, so a cross-account attempt (allowed or refused) is logged in the role's account too.
        if (role is not null)
        {
            request.Trail.AddResource("AWS::IAM::Role", role.Arn, role.AccountId);
        }

        request.Authorize(StsActions.AssumeRole, roleArn, context, trust);
        if (!tags.IsEmpty)
        {
            // Tagging a session is a permission of its own, decided like AssumeRole (the trust policy, and the
            // caller's identity policies across accounts) with the same tag keys in the request context.
            request.Authorize(StsActions.TagSession, roleArn, context, trust);
        }

        // Read after authorizing, so a refused caller learns nothing about the role account's policies.
        var managedPolicies = ManagedSessionPolicies.Read(parameters, cloud.Iam, roleArn);

        var maximum = request.Caller.Kind == PrincipalKind.AssumedRole
            ? Math.Min(ChainedSessionMaximumSeconds, role!.MaxSessionDuration)
            : role!.MaxSessionDuration;
        var duration = parameters.GetInt32("DurationSeconds") ?? DefaultSessionSeconds;
        if (duration < MinimumSessionSeconds)
        {
            throw StsErrors.Validation($"Value '{duration}' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to {MinimumSessionSeconds}");
        }

        if (duration > maximum)
        {
            throw StsErrors.Validation($"The requested DurationSeconds exceeds the MaxSessionDuration set for this role ({maximum} seconds).");
        }

        var now = request.Time.GetUtcNow();
        var expiration = now.AddSeconds(duration);
        var inlinePolicy = parameters.GetString("Policy");
        var session = new RoleSession(role.Arn, role.RoleName, role.RoleId, sessionName, expiration, request.Caller.PrincipalArn, inlinePolicy)
        {
            ManagedSessionPolicies = managedPolicies,
            Tags = tags.IsEmpty ? null : tags.Tags,
            TransitiveTagKeys = tags.TransitiveKeys.Count == 0 ? null : tags.TransitiveKeys,
        };
        var credentials = new AccessKeyRecord(
            cloud.Ids.SessionAccessKeyId(),
            cloud.Ids.SecretAccessKey(),
            role.AccountId,
            PrincipalKind.AssumedRole,
            now,
            Session: session,
            SessionToken: cloud.Ids.SessionToken());
        cloud.State.Write(tx => tx.Put(AccessKeyKinds.AccessKey, AccessKeyKinds.Key(credentials.AccessKeyId), credentials));

        var result = new List<XElement>
        {
            new("Credentials",
                new XElement("AccessKeyId", credentials.AccessKeyId),
                new XElement("SecretAccessKey", credentials.SecretAccessKey),
                new XElement("SessionToken", credentials.SessionToken),
                new XElement("Expiration", XmlShapes.Timestamp(expiration))),
            new("AssumedRoleUser",
                new XElement("AssumedRoleId", $"{role.RoleId}:{sessionName}"),
                new XElement("Arn", $"arn:aws:sts::{role.AccountId}:assumed-role/{role.RoleName}/{sessionName}")),
        };
        if (inlinePolicy is not null || managedPolicies is not null || !tags.IsEmpty)
        {
            // The session keeps policies and tags and the authorizer enforces them; AWS reports how much of the packed
            // limit they take as a percentage. LocalCloud approximates it from the plain text against 2048 characters.
            var plainText = (inlinePolicy?.Length ?? 0) + (managedPolicies?.Sum(p => p.Arn.Length) ?? 0) + tags.PlainTextLength;
            result.Add(new XElement("PackedPolicySize", Math.Min(100, plainText * 100 / 2048).ToString(CultureInfo.InvariantCulture)));
        }

        return Task.FromResult(OperationResponse.Xml(result));
    }

    [GeneratedRegex(@"^[\w+=,.@-]{2,64}$")]
    private static partial Regex SessionNamePattern();
}
