using System.Collections.Frozen;
using System.Collections.Immutable;
using System.Globalization;
using System.Runtime.InteropServices;
using AmiShare.Policy.Catalogue;
using AmiShare.Policy.Model;
using AmiShare.Policy.Sharing;

namespace AmiShare.Policy.Evaluation;

/// <summary>
/// Decides a request the way AWS's policy evaluation logic does: explicit deny anywhere wins; every
/// SCP level must allow; then the resource side (resource policy, key policy, grants, launch or volume
/// permission) and the identity side (identity policies limited by boundaries and session policies)
/// combine by the same-account, cross-account and KMS rules. Pure and allocation-light.
/// </summary>
public static partial class PolicyEvaluator
{
    /// <summary>The only KMS operations that work on a key in another account (KMS Developer Guide).</summary>
    public static readonly FrozenSet<string> CrossAccountKmsOperations = new[]
    {
        "Decrypt", "Encrypt", "GenerateDataKey", "GenerateDataKeyPair", "GenerateDataKeyPairWithoutPlaintext",
        "GenerateDataKeyWithoutPlaintext", "GenerateMac", "ReEncryptFrom", "ReEncryptTo", "Sign", "Verify", "VerifyMac",
        "DeriveSharedSecret", "CreateGrant", "DescribeKey", "GetKeyRotationStatus", "GetPublicKey", "ListGrants",
        "RetireGrant", "RevokeGrant",
    }.ToFrozenSet(StringComparer.Ordinal);

    [ThreadStatic]
    private static List<StatementRef>? t_allows;

    private static readonly FrozenSet<string> ImageSharingActions =
        Ec2Actions.ImageSharingActions.ToFrozenSet(StringComparer.OrdinalIgnoreCase);

    private static readonly FrozenSet<string> SnapshotSharingActions =
        Ec2Actions.SnapshotSharingActions.ToFrozenSet(StringComparer.OrdinalIgnoreCase);

    public static EvaluationResult Evaluate(AuthorizationRequest request, PolicyInputs inputs)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(inputs);
        var caller = request.Principal;

        // Decided before any policy is read, because AWS answers these the same whatever the policies say. The
        // policy simulator (IdentityPoliciesOnly) reports what the policies say, so it skips these service rules.
        if (!inputs.IdentityPoliciesOnly
            && string.Equals(request.Action, StsActions.GetCallerIdentity, StringComparison.OrdinalIgnoreCase) && caller.Kind != PrincipalKind.Anonymous)
        {
            return new EvaluationResult(Decision.Allowed, [], null, AllowBasis.NoPermissionRequired, request);
        }

        if (!inputs.IdentityPoliciesOnly && ChangesAwsManagedResource(request))
        {
            return new EvaluationResult(Decision.ImplicitlyDenied, [], MissingRequirement.AwsManagedResource, AllowBasis.None, request);
        }

        // Reused per thread: a decision in a hot loop then allocates only its result.
        var allows = t_allows ??= new List<StatementRef>(8);
        allows.Clear();
        List<StatementRef>? denies = null;

        var identityAllow = false;
        foreach (var policy in inputs.IdentityPolicies)
        {
            identityAllow |= Scan(policy, request, allows, ref denies);
        }

        var resourceAllow = PrincipalMatch.None;
        if (inputs.ResourcePolicy is { } resourcePolicy)
        {
            foreach (var statement in resourcePolicy.CandidatesFor(request.Action))
            {
                var match = statement.MatchPrincipal(caller);

                // IAM User Guide, "Permissions boundaries": a Deny with NotPrincipal "will always deny any IAM
                // principal that has a permissions boundary policy attached, regardless of the values specified".
                if (match == PrincipalMatch.None && statement.Effect == Effect.Deny && statement.HasNotPrincipal
                    && !inputs.PermissionBoundaries.IsDefaultOrEmpty && caller.Kind is PrincipalKind.User or PrincipalKind.Role or PrincipalKind.AssumedRole)
                {
                    match = PrincipalMatch.Wildcard;
                }

                if (match == PrincipalMatch.None || !statement.MatchesResourceAndConditions(request))
                {
                    continue;
                }

                if (statement.Effect == Effect.Deny)
                {
                    (denies ??= []).Add(statement.Ref);
                }
                else
                {
                    allows.Add(statement.Ref);
                    resourceAllow = match > resourceAllow ? match : resourceAllow;
                }
            }
        }

        var boundaryOk = true;
        foreach (var boundary in inputs.PermissionBoundaries)
        {
            boundaryOk &= Scan(boundary, request, allows, ref denies);
        }

        // Every session policy is scanned (a Deny in any of them counts); an Allow in any one satisfies the limit.
        var sessionOk = inputs.SessionPolicy is null && inputs.ManagedSessionPolicies.IsEmpty;
        if (inputs.SessionPolicy is { } session)
        {
            sessionOk |= Scan(session, request, allows, ref denies);
        }

        foreach (var managed in inputs.ManagedSessionPolicies)
        {
            sessionOk |= Scan(managed, request, allows, ref denies);
        }

        var scpGap = -1;
        if (ScpsApply(caller, inputs))
        {
            for (var level = 0; level < inputs.ServiceControlPolicies.Length; level++)
            {
                var levelAllow = false;
                foreach (var policy in inputs.ServiceControlPolicies[level])
                {
                    levelAllow |= Scan(policy, request, allows, ref denies);
                }

                if (!levelAllow && scpGap < 0)
                {
                    scpGap = level;
                }
            }
        }

        if (RcpsApply(request, inputs))
        {
            foreach (var policy in inputs.ResourceControlPolicies)
            {
                ScanResourceControlPolicy(policy, request, ref denies);
            }
        }

        var grantAllow = PrincipalMatch.None;
        for (var i = 0; i < inputs.Grants.Length; i++)
        {
            var match = inputs.Grants[i].Covers(request);
            if (match != PrincipalMatch.None)
            {
                allows.Add(new StatementRef(Indexed("grant", i), i, inputs.Grants[i].GrantId, Effect.Allow, IsStatement: false));
                grantAllow = match > grantAllow ? match : grantAllow;
            }
        }

        if (denies is not null)
        {
            return new EvaluationResult(Decision.ExplicitlyDenied, Snapshot(denies), null, AllowBasis.None, request);
        }

        var context = new DecisionContext(request, inputs, allows, identityAllow, boundaryOk, sessionOk);
        if (scpGap >= 0)
        {
            return context.Deny(MissingRequirement.ServiceControlPolicy);
        }

        if (inputs.IdentityPoliciesOnly)
        {
            return context.IdentitySideAllows ? context.Allow(AllowBasis.IdentityPolicy) : context.Deny(context.IdentityGap);
        }

        // Key rules apply to keys; CreateKey, ListKeys and the like are identity-only, as on AWS.
        if (request.ServicePrefix == "kms" && request.Resource.Contains(":key/", StringComparison.Ordinal))
        {
            return DecideWithConsent(context, resourceAllow, grantAllow, MissingRequirement.KeyPolicy);
        }

        // A role's trust policy must consent even within its own account: an identity policy alone never lets
        // anyone assume a role (IAM User Guide, policy evaluation: "IAM role trust policies and KMS key policies
        // are exceptions … because they must explicitly allow access for principals").
        var consentRequired = inputs.ResourcePolicyIsRequired
            || (request.Action.StartsWith(StsActions.AssumeRole, StringComparison.OrdinalIgnoreCase) && request.Resource.Contains(":role/", StringComparison.Ordinal));
        return consentRequired
            ? DecideWithConsent(context, resourceAllow, PrincipalMatch.None, MissingRequirement.ResourcePolicy)
            : DecideOther(context, resourceAllow);
    }

    /// <summary>
    /// Resources whose policy must consent even within the account: KMS keys (key policy or grant) and
    /// roles (trust policy). A statement naming the account only delegates to that account's IAM.
    /// </summary>
    private static EvaluationResult DecideWithConsent(DecisionContext context, PrincipalMatch keyPolicy, PrincipalMatch grant, MissingRequirement consentMissing)
    {
        var request = context.Request;
        var isKey = consentMissing == MissingRequirement.KeyPolicy;
        var direct = isKey ? AllowBasis.KeyPolicy : AllowBasis.ResourcePolicy;
        var delegated = isKey ? AllowBasis.KeyPolicyDelegation : AllowBasis.ResourcePolicyWithIdentity;
        var crossAccount = context.IsCrossAccount(context.Inputs.ResourceAccount ?? AccountOfArn(request.Resource));
        if (crossAccount && consentMissing == MissingRequirement.KeyPolicy && !CrossAccountKmsOperations.Contains(request.OperationName))
        {
            return context.Deny(MissingRequirement.CrossAccountNotSupported);
        }

        if (keyPolicy == PrincipalMatch.None && grant == PrincipalMatch.None)
        {
            return context.Deny(consentMissing);
        }

        if (context.IsAnonymousOrService)
        {
            return keyPolicy >= PrincipalMatch.Wildcard ? context.Allow(direct)
                : grant >= PrincipalMatch.Wildcard ? context.Allow(AllowBasis.Grant)
                : context.Deny(consentMissing);
        }

        if (context.IsRoot && !crossAccount)
        {
            return context.Allow(keyPolicy != PrincipalMatch.None ? direct : AllowBasis.Grant);
        }

        // Grants need no IAM policy, even across accounts; a grant to an account delegates to its IAM.
        if (grant == PrincipalMatch.Exact || (grant == PrincipalMatch.Role && (crossAccount || context.LimitsHold)))
        {
            return context.Allow(AllowBasis.Grant);
        }

        if (!crossAccount)
        {
            if (keyPolicy == PrincipalMatch.Exact || (keyPolicy is PrincipalMatch.Role or PrincipalMatch.Wildcard && context.LimitsHold))
            {
                return context.Allow(direct);
            }

            if ((keyPolicy == PrincipalMatch.Account || grant == PrincipalMatch.Account) && context.IdentitySideAllows)
            {
                return context.Allow(keyPolicy == PrincipalMatch.Account ? delegated : AllowBasis.GrantDelegation);
            }

            if (keyPolicy is PrincipalMatch.Role or PrincipalMatch.Wildcard || grant == PrincipalMatch.Role)
            {
                return context.Deny(context.LimitGap);
            }

            return context.Deny(context.IdentityGap);
        }

        return (keyPolicy != PrincipalMatch.None || grant == PrincipalMatch.Account) && context.IdentitySideAllows
            ? context.Allow(keyPolicy != PrincipalMatch.None ? delegated : AllowBasis.GrantDelegation)
            : context.Deny(context.IdentityGap);
    }

    private static EvaluationResult DecideOther(DecisionContext context, PrincipalMatch resourcePolicy)
    {
        var request = context.Request;
        var inputs = context.Inputs;
        var (sharing, missing, basis) = SharingFor(request, inputs);
        if (sharing is not null)
        {
            if (context.IsAnonymousOrService || request.Principal.AccountId is null)
            {
                return context.Deny(missing);
            }

            var shared = SharingRules.Evaluate(
                sharing,
                request.Principal.AccountId,
                inputs.PrincipalOrgId ?? request.Context.GetSingle("aws:PrincipalOrgID"),
                inputs.PrincipalOrgPaths.IsDefaultOrEmpty && request.Context.TryGet("aws:PrincipalOrgPaths", out var paths) ? paths : inputs.PrincipalOrgPaths,
                organizationEntriesAllowed: missing == MissingRequirement.LaunchPermission);
            if (!shared.Allowed)
            {
                return context.Deny(missing);
            }

            var kind = missing == MissingRequirement.LaunchPermission ? "launchPermission" : "createVolumePermission";
            if (shared.ByOwnership)
            {
                context.Allows.Add(new StatementRef("owner", -1, null, Effect.Allow, IsStatement: false));
            }

            foreach (var index in shared.EntryIndexes)
            {
                context.Allows.Add(new StatementRef(Indexed(kind, index), index, null, Effect.Allow, IsStatement: false));
            }

            if (context.IsRoot && shared.ByOwnership)
            {
                return context.Allow(AllowBasis.RootOfAccount);
            }

            return context.IdentitySideAllows
                ? context.Allow(shared.ByOwnership ? AllowBasis.IdentityPolicy : basis)
                : context.Deny(context.IdentityGap);
        }

        if (context.IsAnonymousOrService)
        {
            return resourcePolicy >= PrincipalMatch.Wildcard ? context.Allow(AllowBasis.ResourcePolicy) : context.Deny(MissingRequirement.ResourcePolicy);
        }

        var resourceAccount = inputs.ResourceAccount ?? AccountOfArn(request.Resource);
        if (context.IsCrossAccount(resourceAccount))
        {
            if (resourcePolicy == PrincipalMatch.None)
            {
                return context.Deny(MissingRequirement.ResourcePolicy);
            }

            return context.IdentitySideAllows ? context.Allow(AllowBasis.ResourcePolicyWithIdentity) : context.Deny(context.IdentityGap);
        }

        if (context.IsRoot)
        {
            return context.Allow(AllowBasis.RootOfAccount);
        }

        if (resourcePolicy == PrincipalMatch.Exact || (resourcePolicy is PrincipalMatch.Role or PrincipalMatch.Wildcard && context.LimitsHold))
        {
            return context.Allow(AllowBasis.ResourcePolicy);
        }

        if (context.IdentitySideAllows)
        {
            return context.Allow(AllowBasis.IdentityPolicy);
        }

        return resourcePolicy is PrincipalMatch.Role or PrincipalMatch.Wildcard ? context.Deny(context.LimitGap) : context.Deny(context.IdentityGap);
    }

    private static (ResourceSharing? Sharing, MissingRequirement Missing, AllowBasis Basis) SharingFor(AuthorizationRequest request, PolicyInputs inputs)
    {
        if (inputs.LaunchPermissions is { } launch && ImageSharingActions.Contains(request.Action)
            && request.Resource.Contains(":image/", StringComparison.Ordinal))
        {
            return (launch, MissingRequirement.LaunchPermission, AllowBasis.LaunchPermission);
        }

        if (inputs.CreateVolumePermissions is { } volume && SnapshotSharingActions.Contains(request.Action)
            && request.Resource.Contains(":snapshot/", StringComparison.Ordinal))
        {
            return (volume, MissingRequirement.CreateVolumePermission, AllowBasis.CreateVolumePermission);
        }

        return (null, MissingRequirement.ResourcePolicy, AllowBasis.None);
    }

    /// <summary>Matches one identity-style policy (no principal); returns whether an Allow matched.</summary>
    private static bool Scan(CompiledPolicy policy, AuthorizationRequest request, List<StatementRef> allows, ref List<StatementRef>? denies)
    {
        var allowed = false;
        foreach (var statement in policy.CandidatesFor(request.Action))
        {
            if (!statement.MatchesResourceAndConditions(request))
            {
                continue;
            }

            if (statement.Effect == Effect.Deny)
            {
                (denies ??= []).Add(statement.Ref);
            }
            else
            {
                allows.Add(statement.Ref);
                allowed = true;
            }
        }

        return allowed;
    }

    /// <summary>The account part of an ARN, or null (for <c>*</c>, S3 bucket ARNs and images owned by no account).</summary>
    internal static string? AccountOfArn(string arn)
    {
        var colons = 0;
        var start = -1;
        for (var i = 0; i < arn.Length; i++)
        {
            if (arn[i] != ':')
            {
                continue;
            }

            colons++;
            if (colons == 4)
            {
                start = i + 1;
            }
            else if (colons == 5)
            {
                return i > start && CallerPrincipal.IsAccountId(arn.AsSpan(start, i - start)) ? arn[start..i] : null;
            }
        }

        return null;
    }

    /// <summary>One exact-size copy of the (reused) list; a spread would allocate twice.</summary>
    private static ImmutableArray<StatementRef> Snapshot(List<StatementRef> statements) =>
        statements.Count == 0 ? [] : ImmutableCollectionsMarshal.AsImmutableArray(statements.ToArray());

    internal static string Indexed(string kind, int index) => kind + "[" + index.ToString(CultureInfo.InvariantCulture) + "]";

    /// <summary>The facts every branch of the decision needs, and the two ways of finishing.</summary>
    private readonly struct DecisionContext(
        AuthorizationRequest request,
        PolicyInputs inputs,
        List<StatementRef> allows,
        bool identityAllow,
        bool boundaryOk,
        bool sessionOk)
    {
        public AuthorizationRequest Request => request;

        public PolicyInputs Inputs => inputs;

        public List<StatementRef> Allows => allows;

        public bool IsRoot => Request.Principal.Kind == PrincipalKind.Root;

        public bool IsAnonymousOrService => Request.Principal.Kind is PrincipalKind.Anonymous or PrincipalKind.Service;

        /// <summary>Boundaries and the session policy, which limit identity and role-granted permissions.</summary>
        public bool LimitsHold => boundaryOk && sessionOk;

        /// <summary>The root user has every identity permission in its account; others need an allow within their limits.</summary>
        public bool IdentitySideAllows => IsRoot || (identityAllow && LimitsHold);

        public MissingRequirement IdentityGap => !identityAllow ? MissingRequirement.IdentityPolicy : LimitGap;

        public MissingRequirement LimitGap => !boundaryOk ? MissingRequirement.PermissionBoundary : MissingRequirement.SessionPolicy;

        public bool IsCrossAccount(string? resourceAccount) =>
            resourceAccount is not null && Request.Principal.AccountId is not null
            && !string.Equals(resourceAccount, Request.Principal.AccountId, StringComparison.Ordinal);

        public EvaluationResult Allow(AllowBasis basis) =>
            new(Decision.Allowed, Snapshot(Allows), null, basis, Request);

        public EvaluationResult Deny(MissingRequirement missing) =>
            new(Decision.ImplicitlyDenied, Snapshot(Allows), missing, AllowBasis.None, Request);
    }
}
