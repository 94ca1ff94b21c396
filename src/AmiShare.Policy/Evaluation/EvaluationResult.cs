using System.Collections.Immutable;

namespace AmiShare.Policy.Evaluation;

public enum Decision
{
    Allowed,
    ImplicitlyDenied,
    ExplicitlyDenied,
}

/// <summary>The requirement a denial lacked, reported first in the order listed here.</summary>
public enum MissingRequirement
{
    CrossAccountNotSupported,
    ServiceControlPolicy,
    KeyPolicy,
    ResourcePolicy,
    LaunchPermission,
    CreateVolumePermission,
    IdentityPolicy,
    PermissionBoundary,
    SessionPolicy,

    /// <summary>The request would create, change or delete something AWS owns (an AWS managed policy, an <c>alias/aws/</c> alias).</summary>
    AwsManagedResource,
}

/// <summary>Why a request was allowed, for the explanation.</summary>
public enum AllowBasis
{
    None,
    RootOfAccount,
    IdentityPolicy,
    ResourcePolicy,
    ResourcePolicyWithIdentity,
    KeyPolicy,
    KeyPolicyDelegation,
    Grant,
    GrantDelegation,
    LaunchPermission,
    CreateVolumePermission,

    /// <summary>The action needs no permission at all (<c>sts:GetCallerIdentity</c>).</summary>
    NoPermissionRequired,
}

/// <summary>
/// A decision with the statements that decided it. The sentence in <see cref="Explanation"/> is built
/// only when asked for, so evaluation in a hot loop does not pay for text nobody reads.
/// </summary>
public sealed class EvaluationResult
{
    private readonly AuthorizationRequest _request;
    private readonly AllowBasis _basis;
    private string? _explanation;

    internal EvaluationResult(
        Decision decision,
        ImmutableArray<StatementRef> statements,
        MissingRequirement? missing,
        AllowBasis basis,
        AuthorizationRequest request)
    {
        Decision = decision;
        Statements = statements;
        Missing = missing;
        _basis = basis;
        _request = request;
    }

    public Decision Decision { get; }

    public bool IsAllowed => Decision == Decision.Allowed;

    public ImmutableArray<StatementRef> Statements { get; }

    public MissingRequirement? Missing { get; }

    public string Explanation => _explanation ??= Explain();

    private string Explain()
    {
        var who = _request.Principal.Arn;
        var what = $"{_request.Action} on {_request.Resource}";
        var caller = _request.Principal.AccountId ?? "the caller's account";
        var labels = string.Join(", ", Statements.Select(s => s.Label));
        return Decision switch
        {
            Decision.ExplicitlyDenied => $"Explicitly denied: {labels} denies {what} for {who}; an explicit deny overrides every allow.",
            Decision.Allowed => _basis switch
            {
                AllowBasis.NoPermissionRequired => $"Allowed: {_request.Action} needs no permission; AWS answers it for {who} whatever the policies say, even an explicit deny.",
                AllowBasis.RootOfAccount => $"Allowed: {who} is the root user of the account that owns the resource.",
                AllowBasis.KeyPolicy => $"Allowed: the key policy allows {who} directly ({labels}).",
                AllowBasis.KeyPolicyDelegation => $"Allowed: the key policy delegates to account {caller} and its IAM policies allow {_request.Action} ({labels}).",
                AllowBasis.Grant => $"Allowed: a grant on the key gives {who} {_request.OperationName} ({labels}).",
                AllowBasis.GrantDelegation => $"Allowed: a grant to account {caller} and its IAM policies allow {_request.Action} ({labels}).",
                AllowBasis.ResourcePolicy => $"Allowed: the resource policy allows {who} ({labels}).",
                AllowBasis.ResourcePolicyWithIdentity => $"Allowed: the resource policy allows account {caller} and its IAM policies allow {_request.Action} ({labels}).",
                AllowBasis.LaunchPermission => $"Allowed: the image's launch permission covers account {caller} and its IAM policies allow {_request.Action} ({labels}).",
                AllowBasis.CreateVolumePermission => $"Allowed: the snapshot's createVolumePermission covers account {caller} and its IAM policies allow {_request.Action} ({labels}).",
                _ => $"Allowed: {labels} allow {what} for {who}.",
            },
            _ => Missing switch
            {
                MissingRequirement.CrossAccountNotSupported => $"Implicitly denied: {_request.Action} cannot be used on a KMS key in another account; only cryptographic operations, CreateGrant, DescribeKey, GetKeyRotationStatus, GetPublicKey, ListGrants, RetireGrant and RevokeGrant work across accounts.",
                MissingRequirement.ServiceControlPolicy => $"Implicitly denied: a service control policy level of account {caller}'s organization allows no {_request.Action}.",
                MissingRequirement.KeyPolicy => $"Implicitly denied: neither the key policy nor a grant allows {_request.Action} for {who} (or its account {caller}); IAM policies alone cannot give access to a KMS key.",
                MissingRequirement.ResourcePolicy => $"Implicitly denied: the resource policy allows {who} nothing here; access from account {caller} needs the resource policy to name it.",
                MissingRequirement.LaunchPermission => $"Implicitly denied: the image is not shared with account {caller} (no launch permission for the account, its organization or an OU above it, and it is not public).",
                MissingRequirement.CreateVolumePermission => $"Implicitly denied: the snapshot has no createVolumePermission for account {caller}.",
                MissingRequirement.IdentityPolicy => IdentityMissingText(who, caller, labels),
                MissingRequirement.PermissionBoundary => $"Implicitly denied: the permissions boundary of {who} does not allow {_request.Action}.",
                MissingRequirement.SessionPolicy => $"Implicitly denied: the session policy of {who} does not allow {_request.Action}.",
                MissingRequirement.AwsManagedResource => $"Denied: {_request.Resource} is managed by AWS; no one, not even an account's root user, may {_request.OperationName} it, whatever the policies say.",
                _ => $"Implicitly denied: no statement allows {what}.",
            },
        };
    }

    private string IdentityMissingText(string who, string caller, string labels) => Statements.IsEmpty
        ? $"Implicitly denied: no identity policy of {who} allows {_request.Action} on {_request.Resource}."
        : $"Implicitly denied: {labels} delegates to account {caller}, but no identity policy there allows {_request.Action} on {_request.Resource} for {who}.";
}
