using System.Globalization;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using AmiShare.LocalCloud.Auth;
using AmiShare.LocalCloud.Protocol;
using AmiShare.Policy.Catalogue;
using static AmiShare.LocalCloud.Protocol.OperationHandlers;

namespace AmiShare.LocalCloud.Services.Sts;

/// <summary>
/// GetFederationToken: credentials for a federated user (<c>arn:aws:sts::ACCOUNT:federated-user/NAME</c>) whose
/// permissions are the caller's (an IAM user's policies, or everything for the root) limited by the session policy
/// passed with <c>Policy</c>; without one the session has no permissions (STS API Reference). The credentials
/// authenticate later requests with their session token until they expire. Managed session policies
/// (<c>PolicyArns</c>) and session tags (<c>Tags</c>) are not modelled here: both are refused, so a session never gets
/// more than AWS would give it.
/// </summary>
internal sealed partial class StsFederationTokenOperations(LocalCloudContext cloud) : IServiceOperations
{
    // STS API Reference, GetFederationToken: 900 s to 36 h, 12 h by default; 1 h at most (and by default) for the root.
    private const int MinimumSeconds = 900;
    private const int UserMaximumSeconds = 129600;
    private const int UserDefaultSeconds = 43200;
    private const int RootMaximumSeconds = 3600;
    private const int MaximumPolicyLength = 2048;

    /// <summary>The session policy of a federated user for whom no Policy was passed: it allows nothing.</summary>
    private const string NoPermissions = """{"Version":"2012-10-17","Statement":[{"Sid":"NoSessionPolicyPassed","Effect":"Allow","Action":"none:Nothing","Resource":"*"}]}""";

    public AwsServiceDescriptor Service => AwsServices.Sts;

    public IReadOnlyDictionary<string, OperationHandler> Operations => new Dictionary<string, OperationHandler>
    {
        ["GetFederationToken"] = Sync(GetFederationToken),
    };

    private OperationResponse GetFederationToken(OperationRequest request)
    {
        var p = request.Parameters;
        var caller = request.Caller;
        var name = p.GetRequiredString("Name");
        if (!NamePattern().IsMatch(name))
        {
            throw StsErrors.Validation($"1 validation error detected: Value '{name}' at 'name' failed to satisfy constraint: Member must have length between 2 and 32 and match [\\w+=,.@-]*");
        }

        var policy = p.GetString("Policy");
        if (policy is { Length: > MaximumPolicyLength or 0 })
        {
            throw StsErrors.Validation($"1 validation error detected: Value at 'policy' failed to satisfy constraint: Member must have length less than or equal to {MaximumPolicyLength}");
        }

        // STS sends lists as Name.member.N; refused rather than dropped, so a session never misses a limit it asked for.
        if (p.GetMemberStructureList("PolicyArns").Count > 0)
        {
            throw StsErrors.Validation("LocalCloud does not model managed session policies (PolicyArns); pass the session policy inline with Policy.");
        }

        // A dropped tag could leave a Deny conditioned on aws:PrincipalTag unmatched, i.e. widen access.
        if (p.GetMemberStructureList("Tags").Count > 0)
        {
            throw StsErrors.Validation("LocalCloud does not model session tags (Tags) on GetFederationToken; AssumeRole supports them.");
        }

        var key = cloud.State.Read(view => view.Find(AccessKeyKinds.AccessKey, AccessKeyKinds.Key(caller.AccessKeyId)));
        if (caller.Kind is PrincipalKind.AssumedRole or PrincipalKind.FederatedUser || key?.SessionToken is not null)
        {
            throw StsErrors.AccessDenied("Cannot call GetFederationToken with session credentials");
        }

        var maximum = caller.IsRoot ? RootMaximumSeconds : UserMaximumSeconds;
        var duration = p.GetInt32("DurationSeconds") ?? (caller.IsRoot ? RootMaximumSeconds : UserDefaultSeconds);
        if (duration < MinimumSeconds || duration > maximum)
        {
            throw StsErrors.Validation($"1 validation error detected: Value '{duration}' at 'durationSeconds' failed to satisfy constraint: Member must have value between {MinimumSeconds} and {maximum}");
        }

        var federatedArn = $"arn:aws:sts::{caller.AccountId}:federated-user/{name}";
        request.Authorize(StsActions.GetFederationToken, federatedArn);

        var now = request.Time.GetUtcNow();
        var expiration = now.AddSeconds(duration);
        var session = new FederatedSession(name, caller.PrincipalArn, caller.IsRoot ? null : caller.UserName, expiration, policy ?? NoPermissions);
        var credentials = new AccessKeyRecord(
            cloud.Ids.SessionAccessKeyId(),
            cloud.Ids.SecretAccessKey(),
            caller.AccountId,
            PrincipalKind.FederatedUser,
            now,
            SessionToken: cloud.Ids.SessionToken(),
            Expiration: expiration,
            Federation: session);
        cloud.State.Write(tx => tx.Put(AccessKeyKinds.AccessKey, AccessKeyKinds.Key(credentials.AccessKeyId), credentials));

        var result = new List<XElement>
        {
            new("Credentials",
                new XElement("AccessKeyId", credentials.AccessKeyId),
                new XElement("SecretAccessKey", credentials.SecretAccessKey),
                new XElement("SessionToken", credentials.SessionToken),
                new XElement("Expiration", XmlShapes.Timestamp(expiration))),
            new("FederatedUser",
                new XElement("FederatedUserId", $"{caller.AccountId}:{name}"),
                new XElement("Arn", federatedArn)),
        };
        if (policy is not null)
        {
            // As AssumeRole does: the packed size as a percentage of the limit.
            result.Add(new XElement("PackedPolicySize", Math.Min(100, policy.Length * 100 / MaximumPolicyLength).ToString(CultureInfo.InvariantCulture)));
        }

        return OperationResponse.Xml(result);
    }

    [GeneratedRegex(@"^[\w+=,.@-]{2,32}$")]
    private static partial Regex NamePattern();
}
