using System.Collections.Immutable;
using AmiShare.Core.Model;

namespace AmiShare.Core.Ports;

/// <summary>
/// AWS Organizations reads the share and doctor make only when they need them: the organization's tree (to fold a key
/// policy that would pass KMS's size limit) and the SCPs over an account (to name the statement that denies a share).
/// Most of Organizations answers only the management account or a delegated administrator; any other caller gets
/// <see cref="CloudOperationException"/> with <see cref="CloudErrorKind.AccessDenied"/>. A separate port from
/// <see cref="ICloudAccount"/> so ordinary shares, and every fake of the share port, never touch it.
/// </summary>
public interface IOrganizationReads
{
    /// <summary>
    /// DescribeOrganization, ListRoots, then ListOrganizationalUnitsForParent and ListAccountsForParent down the tree:
    /// every account with its parent's <c>aws:PrincipalOrgPaths</c> value and every OU's path. Null when the caller's
    /// account is not in an organization.
    /// </summary>
    Task<OrganizationFacts?> ReadOrganizationTreeAsync(CancellationToken cancellationToken);

    /// <summary>
    /// The SCPs that apply to <paramref name="accountId"/>, one level per target from the root down to the account
    /// (ListParents, then ListPoliciesForTarget with <c>SERVICE_CONTROL_POLICY</c> and DescribePolicy for each level).
    /// No levels when the caller's account is not in an organization.
    /// </summary>
    Task<AccountServiceControlPolicies> ListServiceControlPoliciesAsync(string accountId, CancellationToken cancellationToken);
}

/// <summary>The SCPs over one account, root level first; the management account is exempt from all of them.</summary>
public sealed record AccountServiceControlPolicies(string AccountId, string? ManagementAccountId, ImmutableArray<ScpLevel> Levels)
{
    public bool IsManagementAccount => string.Equals(AccountId, ManagementAccountId, StringComparison.Ordinal);
}

/// <summary>The SCPs attached directly to one root, OU or account.</summary>
/// <param name="TargetId">The root (<c>r-…</c>), OU (<c>ou-…</c>) or account id.</param>
public sealed record ScpLevel(string TargetId, ImmutableArray<OrganizationPolicy> Policies);

/// <param name="Id">The policy id, <c>p-…</c>.</param>
/// <param name="Content">The policy document.</param>
public sealed record OrganizationPolicy(string Id, string Name, string Content);
