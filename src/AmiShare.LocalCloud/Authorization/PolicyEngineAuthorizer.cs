using System.Collections.Concurrent;
using System.Collections.Immutable;
using AmiShare.LocalCloud.Seed;
using AmiShare.Policy.Evaluation;
using Effect = AmiShare.Policy.Model.Effect;
using PolicyRequest = AmiShare.Policy.Evaluation.AuthorizationRequest;

namespace AmiShare.LocalCloud.Authorization;

/// <summary>
/// LocalCloud's authorizer: every request is decided by AmiShare.Policy with AWS's evaluation logic —
/// identity policies and the permissions boundary of the caller, the resource's policy (key policy,
/// trust policy), KMS grants, launch and volume permissions, explicit denies. Policies are compiled
/// once per distinct document and reused.
/// </summary>
public sealed class PolicyEngineAuthorizer(IIdentityPolicySource identityPolicies, OrganizationDirectory organization, IOrganizationPolicySource? organizationPolicies = null) : IAccessAuthorizer
{
    /// <summary>The SCPs and RCPs in force: the live ones when Organizations serves them, else the seed's.</summary>
    private readonly IOrganizationPolicySource policies = organizationPolicies ?? organization;

    /// <summary>Far above what a test or demo stores; clearing then only costs recompilation.</summary>
    private const int MaxCachedPolicies = 20_000;

    /// <summary>Stands for a session policy that does not parse: it must limit the session, never lift the limit.</summary>
    private static readonly CompiledPolicy AllowsNothing = CompiledPolicy.Parse(
        """{"Version":"2012-10-17","Statement":[{"Sid":"UnreadableSessionPolicy","Effect":"Allow","Action":"none:Nothing","Resource":"*"}]}""",
        "session").Policy!;

    private readonly ConcurrentDictionary<(string Label, string Document), CompiledPolicy?> _compiled = new();

    public AuthorizationDecision Authorize(AuthorizationRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var result = Evaluate(request);
        if (result.IsAllowed)
        {
            return AuthorizationDecision.Allow(result.Explanation);
        }

        // The deciding statements travel with a denial only, for EC2's encoded failure message; the decision is the engine's.
        return AuthorizationDecision.Deny(Reason(request.Action, result)) with
        {
            IsExplicitDeny = result.Decision == Decision.ExplicitlyDenied,
            Statements = [.. result.Statements.Select(s => new DecidingStatement(s.Policy, s.IsStatement ? s.Sid : null, s.Effect == Effect.Deny))],
        };
    }

    /// <summary>The engine's full answer, for callers (tests, the admin API) that want the deciding statements.</summary>
    public EvaluationResult Evaluate(AuthorizationRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var caller = request.Caller;
        var principal = ToPrincipal(caller);
        var policies = caller.IsRoot ? PrincipalPolicies.None : identityPolicies.GetPolicies(caller);
        var identity = ImmutableArray.CreateBuilder<CompiledPolicy>();
        foreach (var policy in policies.All)
        {
            if (Compile("identity:" + policy.Name, policy.Document) is { } compiled)
            {
                identity.Add(compiled);
            }
        }

        var boundaries = policies.PermissionsBoundary is { } boundary && Compile("boundary:" + boundary.Name, boundary.Document) is { } compiledBoundary
            ? ImmutableArray.Create(compiledBoundary)
            : [];
        var resourcePolicy = request.ResourcePolicy is { } resource
            ? Compile(resource.Kind switch
            {
                ResourcePolicyKind.KeyPolicy => "key-policy",
                ResourcePolicyKind.RoleTrustPolicy => "trust-policy",
                _ => "resource-policy",
            }, resource.Document)
            : null;

        var context = new List<KeyValuePair<string, string[]>>(request.ContextKeys.Count);
        foreach (var (key, values) in request.ContextKeys)
        {
            context.Add(new(key, [.. values]));
        }

        var orgId = organization.OrganizationIdOf(caller.AccountId);
        var orgPath = organization.OrganizationPathOf(caller.AccountId);
        var inputs = new PolicyInputs
        {
            IdentityPolicies = identity.ToImmutable(),
            ResourcePolicy = resourcePolicy,
            ResourcePolicyIsRequired = request.ResourcePolicy?.Kind == ResourcePolicyKind.RoleTrustPolicy,
            IdentityPoliciesOnly = request.IdentityPoliciesOnly && request.ResourcePolicy is null,
            PermissionBoundaries = boundaries,
            SessionPolicy = caller.SessionPolicyDocument is { } sessionPolicy ? Compile("session", sessionPolicy) ?? AllowsNothing : null,
            ManagedSessionPolicies = ManagedSessionPolicies(caller),
            Grants = [.. request.Grants],
            LaunchPermissions = request.LaunchPermissions,
            CreateVolumePermissions = request.CreateVolumePermissions,
            ResourceAccount = request.ResourceAccountId,
            ServiceControlPolicies = ServiceControlPolicies(caller.AccountId),
            ResourceControlPolicies = ResourceControlPolicies(request.ResourceAccountId),
            ManagementAccountId = organization.ManagementAccountId,
            PrincipalOrgId = orgId,
            PrincipalOrgPaths = orgPath is null ? [] : [orgPath],
        };
        var policyRequest = PolicyRequest.Create(principal, request.Action, request.ResourceArn, context, orgId, orgPath is null ? null : [orgPath]);
        return PolicyEvaluator.Evaluate(policyRequest, inputs);
    }

    /// <summary>A role session's managed session policies (AssumeRole PolicyArns); one that does not parse allows nothing.</summary>
    private ImmutableArray<CompiledPolicy> ManagedSessionPolicies(Auth.CallerIdentity caller) =>
        caller.Session?.ManagedSessionPolicies is { Count: > 0 } managed
            ? [.. managed.Select(p => Compile("session-managed:" + p.Name, p.Document) ?? AllowsNothing)]
            : [];

    private ImmutableArray<ImmutableArray<CompiledPolicy>> ServiceControlPolicies(string accountId)
    {
        var levels = policies.ServiceControlPolicyLevelsOf(accountId);
        if (levels.Count == 0)
        {
            return [];
        }

        var compiled = ImmutableArray.CreateBuilder<ImmutableArray<CompiledPolicy>>(levels.Count);
        foreach (var level in levels)
        {
            // A seed SCP was validated on load; one that still does not compile allows nothing at its level.
            compiled.Add([.. level.Select(p => Compile("scp:" + p.Name, p.Document)).OfType<CompiledPolicy>()]);
        }

        return compiled.MoveToImmutable();
    }

    private ImmutableArray<CompiledPolicy> ResourceControlPolicies(string resourceAccountId)
    {
        // The management account's resources are exempt; the engine checks too, this only saves the lookup.
        if (string.Equals(resourceAccountId, organization.ManagementAccountId, StringComparison.Ordinal))
        {
            return [];
        }

        var attached = policies.ResourceControlPoliciesOf(resourceAccountId);
        return attached.Count == 0 ? [] : [.. attached.Select(p => Compile("rcp:" + p.Name, p.Document)).OfType<CompiledPolicy>()];
    }

    /// <summary>The wording AWS uses after "because" in access-denied messages.</summary>
    private static string Reason(string action, EvaluationResult result)
    {
        if (result.Decision == Decision.ExplicitlyDenied)
        {
            var statement = result.Statements.IsEmpty ? "a policy" : result.Statements[0].Policy;
            var kind = statement.StartsWith("identity", StringComparison.Ordinal) ? "an identity-based policy"
                : statement.StartsWith("boundary", StringComparison.Ordinal) ? "a permissions boundary"
                : statement.StartsWith("session", StringComparison.Ordinal) ? "a session policy"
                : statement.StartsWith("scp", StringComparison.Ordinal) ? "a service control policy"
                : statement.StartsWith("rcp", StringComparison.Ordinal) ? "a resource control policy"
                : "a resource-based policy";
            return $"with an explicit deny in {kind} ({string.Join(", ", result.Statements.Select(s => s.Label))})";
        }

        return result.Missing switch
        {
            MissingRequirement.IdentityPolicy => $"no identity-based policy allows the {action} action",
            MissingRequirement.PermissionBoundary => $"no permissions boundary allows the {action} action",
            MissingRequirement.SessionPolicy => $"no session policy allows the {action} action",
            MissingRequirement.AwsManagedResource => $"the resource is managed by AWS and no one may {action} it",
            MissingRequirement.ServiceControlPolicy => $"no service control policy allows the {action} action",
            MissingRequirement.CrossAccountNotSupported => $"the {action} action cannot be used on a key in another account",
            MissingRequirement.LaunchPermission => "the image is not shared with this account",
            MissingRequirement.CreateVolumePermission => "the snapshot has no createVolumePermission for this account",
            _ => $"no resource-based policy allows the {action} action",
        };
    }

    private static CallerPrincipal ToPrincipal(Auth.CallerIdentity caller)
    {
        var parsed = CallerPrincipal.Parse(caller.PrincipalArn)
            ?? throw new InvalidOperationException($"LocalCloud issued a principal ARN the policy engine cannot read: {caller.PrincipalArn}");

        // A session ARN has no role path; the stored role ARN has it, and the path marks service-linked roles.
        return caller.Session is { } session ? parsed with { RoleArn = session.RoleArn } : parsed;
    }

    private CompiledPolicy? Compile(string label, string document)
    {
        if (_compiled.Count > MaxCachedPolicies)
        {
            _compiled.Clear();
        }

        // A stored policy that does not parse allows nothing; IAM and KMS validate documents on write.
        return _compiled.GetOrAdd((label, document), static key =>
        {
            var (policy, _) = CompiledPolicy.Parse(key.Document, key.Label);
            return policy;
        });
    }
}
