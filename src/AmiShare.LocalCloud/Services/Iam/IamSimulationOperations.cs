using System.Xml.Linq;
using AmiShare.LocalCloud.Auth;
using AmiShare.LocalCloud.Authorization;
using AmiShare.LocalCloud.Protocol;
using Decision = AmiShare.Policy.Evaluation.Decision;
using AuthorizationRequest = AmiShare.LocalCloud.Authorization.AuthorizationRequest;
using static AmiShare.LocalCloud.Protocol.OperationHandlers;

namespace AmiShare.LocalCloud.Services.Iam;

/// <summary>
/// IAM's policy simulator for a user or role of the caller's account: each ActionNames × ResourceArns pair is
/// decided by the policy engine (<see cref="PolicyEngineAuthorizer.Evaluate"/>) over the principal's identity
/// policies and permissions boundary, with the global condition keys a request by that principal would carry plus
/// any ContextEntries. Only identity-based policies decide (no key-policy consent), as with the real API when no
/// resource policy is given.
/// </summary>
internal sealed class IamSimulationOperations(LocalCloudContext cloud) : IServiceOperations
{
    public AwsServiceDescriptor Service => AwsServices.Iam;

    public IReadOnlyDictionary<string, OperationHandler> Operations => new Dictionary<string, OperationHandler>
    {
        ["SimulatePrincipalPolicy"] = Sync(SimulatePrincipalPolicy),
    };

    private const int MaxSimulatedActions = 1000;

    private OperationResponse SimulatePrincipalPolicy(OperationRequest request)
    {
        var p = request.Parameters;
        var sourceArn = p.GetRequiredString("PolicySourceArn");
        var actions = p.GetMemberList("ActionNames");
        var resources = p.GetMemberList("ResourceArns");
        var principal = SimulatedPrincipal(request, sourceArn);
        request.Authorize("iam:SimulatePrincipalPolicy", sourceArn);
        if (actions.Count == 0)
        {
            throw IamErrors.InvalidInput("ActionNames must name at least one action.");
        }

        if (actions.Count * Math.Max(1, resources.Count) > MaxSimulatedActions)
        {
            throw IamErrors.InvalidInput($"At most {MaxSimulatedActions} action and resource combinations can be simulated at once.");
        }

        var context = new Dictionary<string, IReadOnlyList<string>>(StringComparer.OrdinalIgnoreCase);
        foreach (var entry in p.GetMemberStructureList("ContextEntries"))
        {
            context[entry.GetRequiredString("ContextKeyName")] = entry.GetMemberList("ContextKeyValues");
        }

        var keys = OperationRequest.GlobalKeys(cloud, principal.Caller, request.Region, request.Time.GetUtcNow(), context);
        var engine = cloud.Authorizer as PolicyEngineAuthorizer ?? new PolicyEngineAuthorizer(cloud.Iam, cloud.Organization);
        var results = new List<IEnumerable<XElement>>();
        foreach (var action in actions)
        {
            foreach (var resource in resources.Count == 0 ? ["*"] : resources)
            {
                var result = engine.Evaluate(new AuthorizationRequest(principal.Caller, action, resource, keys) { IdentityPoliciesOnly = true });
                results.Add(
                [
                    new XElement("EvalActionName", action),
                    new XElement("EvalResourceName", resource),
                    new XElement("EvalDecision", result.Decision switch
                    {
                        Decision.Allowed => "allowed",
                        Decision.ExplicitlyDenied => "explicitDeny",
                        _ => "implicitDeny",
                    }),
                    XmlShapes.MemberList("MatchedStatements", result.Statements.Where(s => s.IsStatement).Select(s => (IEnumerable<XElement>)
                    [
                        new XElement("SourcePolicyId", SourcePolicyName(s.Policy)),
                        new XElement("SourcePolicyType", SourcePolicyType(principal, s.Policy)),
                    ])),
                    new XElement("MissingContextValues"),
                ]);
            }
        }

        return OperationResponse.Xml(XmlShapes.MemberList("EvaluationResults", results), new XElement("IsTruncated", "false"));
    }

    private sealed record Simulated(CallerIdentity Caller, IReadOnlyDictionary<string, string> InlinePolicies, bool IsRole);

    /// <summary>The identity a request by the user or role would carry (a role as one of its sessions).</summary>
    private Simulated SimulatedPrincipal(OperationRequest request, string sourceArn)
    {
        var account = request.Caller.AccountId;
        var resource = ArnParts.ResourceOf(sourceArn);
        if (ArnParts.AccountOf(sourceArn) == account && resource is not null)
        {
            var name = resource[(resource.LastIndexOf('/') + 1)..];
            if (resource.StartsWith("user/", StringComparison.Ordinal) && cloud.Iam.FindUser(account, name) is { } user && user.Arn == sourceArn)
            {
                return new Simulated(new CallerIdentity(account, user.Arn, PrincipalKind.IamUser, string.Empty, user.UserId, user.UserName), user.InlinePolicies, IsRole: false);
            }

            if (resource.StartsWith("role/", StringComparison.Ordinal) && cloud.Iam.FindRoleByArn(sourceArn) is { } role)
            {
                const string session = "simulated";
                var caller = new CallerIdentity(
                    account,
                    $"arn:aws:sts::{account}:assumed-role/{role.RoleName}/{session}",
                    PrincipalKind.AssumedRole,
                    string.Empty,
                    $"{role.RoleId}:{session}",
                    Session: new RoleSession(role.Arn, role.RoleName, role.RoleId, session, request.Time.GetUtcNow().AddHours(1), role.Arn));
                return new Simulated(caller, role.InlinePolicies, IsRole: true);
            }
        }

        throw IamErrors.NoSuchEntity($"PolicySourceArn {sourceArn} is not a user or role of account {account}.");
    }

    /// <summary>The engine labels identity policies "identity:NAME" and boundaries "boundary:NAME".</summary>
    private static string SourcePolicyName(string label) => label[(label.IndexOf(':', StringComparison.Ordinal) + 1)..];

    private string SourcePolicyType(Simulated principal, string label)
    {
        if (!label.StartsWith("identity:", StringComparison.Ordinal))
        {
            return "none";
        }

        var name = SourcePolicyName(label);
        if (principal.InlinePolicies.ContainsKey(name))
        {
            return principal.IsRole ? "role" : "user";
        }

        var attached = cloud.Iam.GetPolicies(principal.Caller).Attached.FirstOrDefault(a => a.Name == name);
        return attached is not null && attached.Arn.StartsWith("arn:aws:iam::aws:policy/", StringComparison.Ordinal) ? "aws-managed" : "user-managed";
    }
}
