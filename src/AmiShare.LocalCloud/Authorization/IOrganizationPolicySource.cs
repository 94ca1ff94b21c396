using AmiShare.LocalCloud.Seed;

namespace AmiShare.LocalCloud.Authorization;

/// <summary>
/// The organization policies in force: the seed's (<see cref="OrganizationDirectory"/>) or the live ones that
/// Organizations' CreatePolicy, AttachPolicy and DetachPolicy change.
/// </summary>
public interface IOrganizationPolicySource
{
    /// <summary>The SCPs limiting principals of the account, one list per level, root first; empty when SCPs limit nothing.</summary>
    IReadOnlyList<IReadOnlyList<NamedScp>> ServiceControlPolicyLevelsOf(string accountId);

    /// <summary>The RCPs (Deny statements only) limiting the account's resources at any level; empty when none.</summary>
    IReadOnlyList<NamedScp> ResourceControlPoliciesOf(string accountId);
}
