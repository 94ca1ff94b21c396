using AmiShare.LocalCloud.Auth;
using AmiShare.LocalCloud.Authorization;
using AmiShare.LocalCloud.State;

namespace AmiShare.LocalCloud.Services.Iam;

/// <summary>
/// Read side of IAM for other services and the policy engine: principals and their identity policies
/// (inline + attached, and the permissions boundary), resolved from the current state.
/// </summary>
public sealed class IamDirectory(LocalCloudState state) : IIdentityPolicySource
{
    public IamUser? FindUser(string accountId, string userName) =>
        state.Read(view => view.Find(IamEntityKinds.User, IamEntityKinds.UserKey(accountId, userName)));

    public IamRole? FindRole(string accountId, string roleName) =>
        state.Read(view => view.Find(IamEntityKinds.Role, IamEntityKinds.RoleKey(accountId, roleName)));

    /// <summary>Finds a role by ARN (<c>arn:aws:iam::ACCOUNT:role/path/NAME</c>); the name is the last path segment.</summary>
    public IamRole? FindRoleByArn(string roleArn)
    {
        var account = ArnParts.AccountOf(roleArn);
        var resource = ArnParts.ResourceOf(roleArn);
        if (account is null || resource is null || !resource.StartsWith("role/", StringComparison.Ordinal))
        {
            return null;
        }

        var role = FindRole(account, resource[(resource.LastIndexOf('/') + 1)..]);
        return role is not null && role.Arn == roleArn ? role : null;
    }

    public IamManagedPolicy? FindPolicy(string policyArn) =>
        state.Read(view => view.Find(IamEntityKinds.Policy, IamEntityKinds.PolicyKey(policyArn)));

    /// <summary>
    /// The caller's principal tags (<c>aws:PrincipalTag/KEY</c>), keys compared ignoring case. An IAM user has its own
    /// tags; a role session has its role's tags, overridden by its session tags with the same key (IAM User Guide,
    /// "Passing session tags in AWS STS": a session tag overrides the role tag with the same key); a federated user
    /// has the tags of the IAM user that asked for it, as GetFederationToken here passes no session tags.
    /// The user's or role's tags are read now, at each request, not when the session was made: the guide does not
    /// say either way, and reading them now means a change to the role's tags (a Deny added on a new tag, an Allow's
    /// tag removed) reaches its live sessions at once instead of waiting for them to expire.
    /// </summary>
    public IReadOnlyDictionary<string, string> PrincipalTags(CallerIdentity caller)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var tags = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var entityTags = caller.Kind switch
        {
            PrincipalKind.IamUser when caller.UserName is { } name => FindUser(caller.AccountId, name)?.Tags,
            PrincipalKind.AssumedRole when caller.Session is { } session => FindRole(caller.AccountId, session.RoleName)?.Tags,
            PrincipalKind.FederatedUser when caller.Federation is { SourceUserName: { } user } => FindUser(caller.AccountId, user)?.Tags,
            _ => null,
        };
        foreach (var tag in entityTags ?? [])
        {
            tags[tag.Key] = tag.Value;
        }

        foreach (var (key, value) in caller.Session?.Tags ?? new Dictionary<string, string>())
        {
            // Removed first so the session's spelling of the key is the one kept.
            tags.Remove(key);
            tags[key] = value;
        }

        return tags;
    }

    private const string RootPermissions = """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}""";

    public PrincipalPolicies GetPolicies(CallerIdentity caller)
    {
        ArgumentNullException.ThrowIfNull(caller);
        return caller.Kind switch
        {
            PrincipalKind.IamUser when caller.UserName is { } name => GetPoliciesOf(caller.PrincipalArn, caller.AccountId, name, isRole: false),
            PrincipalKind.AssumedRole when caller.Session is { } session => GetPoliciesOf(session.RoleArn, caller.AccountId, session.RoleName, isRole: true),
            // A federated user starts from the permissions of whoever asked for it (the root has all of its account's).
            PrincipalKind.FederatedUser when caller.Federation is { SourceUserName: { } user } federation => GetPoliciesOf(federation.SourceArn, caller.AccountId, user, isRole: false),
            PrincipalKind.FederatedUser when caller.Federation is { } federation => new PrincipalPolicies([new NamedPolicy("root", federation.SourceArn, RootPermissions)], [], null),
            _ => PrincipalPolicies.None,
        };
    }

    /// <summary>Identity policies of a user or role ARN (<c>…:user/NAME</c> or <c>…:role/NAME</c>); none for anything else.</summary>
    public PrincipalPolicies GetPolicies(string principalArn)
    {
        var account = ArnParts.AccountOf(principalArn);
        var resource = ArnParts.ResourceOf(principalArn);
        if (account is null || resource is null)
        {
            return PrincipalPolicies.None;
        }

        var name = resource[(resource.LastIndexOf('/') + 1)..];
        return resource.StartsWith("user/", StringComparison.Ordinal) ? GetPoliciesOf(principalArn, account, name, isRole: false)
            : resource.StartsWith("role/", StringComparison.Ordinal) ? GetPoliciesOf(principalArn, account, name, isRole: true)
            : PrincipalPolicies.None;
    }

    private PrincipalPolicies GetPoliciesOf(string arn, string accountId, string name, bool isRole) => state.Read(view =>
    {
        (IReadOnlyDictionary<string, string> Inline, IReadOnlyList<string> Attached, string? Boundary)? found = isRole
            ? view.Find(IamEntityKinds.Role, IamEntityKinds.RoleKey(accountId, name)) is { } role
                ? (role.InlinePolicies, role.AttachedPolicyArns, role.PermissionsBoundaryArn)
                : null
            : view.Find(IamEntityKinds.User, IamEntityKinds.UserKey(accountId, name)) is { } user
                ? (user.InlinePolicies, user.AttachedPolicyArns, user.PermissionsBoundaryArn)
                : null;
        if (found is not { } policies)
        {
            return PrincipalPolicies.None;
        }

        var inline = policies.Inline
            .OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => new NamedPolicy(p.Key, arn, p.Value))
            .ToList();
        var attached = policies.Attached
            .Select(policyArn => view.Find(IamEntityKinds.Policy, IamEntityKinds.PolicyKey(policyArn)))
            .OfType<IamManagedPolicy>()
            .Select(p => new NamedPolicy(p.PolicyName, p.Arn, p.Document))
            .ToList();
        var boundary = policies.Boundary is { } boundaryArn && view.Find(IamEntityKinds.Policy, IamEntityKinds.PolicyKey(boundaryArn)) is { } b
            ? new NamedPolicy(b.PolicyName, b.Arn, b.Document)
            : null;
        return new PrincipalPolicies(inline, attached, boundary);
    });
}
