using System.Globalization;
using AmiShare.Core.Model;
using AmiShare.Core.Planning;
using AmiShare.Core.Ports;
using AmiShare.Policy.Catalogue;
using AmiShare.Policy.Validation;

namespace AmiShare.Core.Workflow;

/// <summary>
/// Reads the organization's tree for a share only when the plan needs it: a key policy that naming every account
/// would take past KMS's size limit, and no membership known yet. Every other share makes no Organizations call,
/// so its API-call count is what it was. The planner then decides the fold from the tree (KeyPolicyFold).
/// </summary>
public static class OrganizationForFold
{
    public static bool IsNeeded(SharePlan plan, DiscoveredState state)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(state);
        return plan.Findings.Any(f => f.Code == FindingCodes.KeyPolicyTooLarge) && state.Organization is not { MembershipKnown: true };
    }

    /// <summary>The state with the organization's tree; null when it cannot help (not in an organization, or no Organizations port).</summary>
    /// <exception cref="ShareRefusedException">The caller may not read the organization (not its management account or a delegated administrator).</exception>
    public static async Task<DiscoveredState?> ReadAsync(ICloudAccount source, DiscoveredState state, bool foldWider, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (source is not IOrganizationReads reads)
        {
            return null;
        }

        OrganizationFacts? tree;
        try
        {
            tree = await reads.ReadOrganizationTreeAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (CloudOperationException e) when (e.Kind == CloudErrorKind.AccessDenied)
        {
            throw new ShareRefusedException(
                RefusalReason.OrganizationUnreadable,
                string.Create(CultureInfo.InvariantCulture, $"Naming every target account would take a key policy past KMS's {AwsLimits.KeyPolicyMaxBytes:N0}-byte limit, and folding them into an aws:PrincipalOrgID or aws:PrincipalOrgPaths condition needs the organization's accounts, which {state.SourceAccount} may not list ({e.Code}: only the management account or a delegated administrator may)."),
                "Run the share with credentials of the management account or of a delegated administrator for AWS Organizations (aws organizations register-delegated-administrator), share with an organization or OU ARN instead, or share with fewer accounts per run.");
        }

        return tree is null ? null : state with { Organization = tree with { WiderFoldAllowed = foldWider } };
    }
}
