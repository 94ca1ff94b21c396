using System.Collections.Immutable;
using AmiShare.Core.Model;

namespace AmiShare.Core.Ports;

/// <summary>
/// Organizations reads for <c>--expand-targets</c>: the member accounts an organization or OU stands for, where a
/// per-account action (createVolumePermission, SSM publishing) has no organization form.
/// </summary>
public interface IOrganizationMembers
{
    /// <summary>
    /// The accounts in the organization, or in the OU and every OU beneath it, sorted. Only the management account
    /// and delegated administrators may read this; others get a <see cref="CloudOperationException"/> of kind
    /// <see cref="CloudErrorKind.AccessDenied"/>.
    /// </summary>
    Task<ImmutableArray<string>> ListMemberAccountsAsync(ShareTarget target, CancellationToken cancellationToken);
}
