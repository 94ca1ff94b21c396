using System.Collections.Immutable;
using AmiShare.Core.Doctor;
using AmiShare.Core.Model;
using AmiShare.Policy.Catalogue;
using AmiShare.Policy.Evaluation;

namespace AmiShare.Core.Audit.Rules;

/// <summary>
/// An available image shared with a target its key does not let launch: the key is not Enabled, or the key side
/// refuses a call EC2 makes for the launch. Asked of the policy engine with the context EC2 adds, the identity side
/// taken as allowing (the audit sees only the source account), so BROKEN means the key side alone already refuses.
/// </summary>
internal sealed class BrokenRule : IAuditRule
{
    /// <summary>Stands for "some principal of the target whose own IAM allows the call"; the account id is replaced.</summary>
    private const string CheckSession = "assumed-role/AmiShareAudit/audit";

    /// <summary>An account id no policy names: stands for an arbitrary member of an organization or OU.</summary>
    private const string AnyMember = "000000000000";

    public AuditFindingKind Kind => AuditFindingKind.Broken;

    public IEnumerable<AuditFinding> Evaluate(AccountInventory inventory)
    {
        foreach (var image in inventory.Images.Where(i => i.State == ImageAvailability.Available && !i.LaunchPermissions.IsEmpty))
        {
            var keys = inventory.KeyArnsOf(image).Select(inventory.FindKey).OfType<AuditKey>().Where(k => k.Manager == KeyManager.Customer);
            foreach (var key in keys)
            {
                if (key.Status != KeyStatus.Enabled)
                {
                    var enable = $"aws kms enable-key --region {key.Region} --key-id {key.Arn}";
                    yield return new AuditFinding(
                        Kind,
                        AuditSeverity.High,
                        inventory.AccountId,
                        image.Region,
                        image.Id,
                        string.Join(", ", image.LaunchPermissions.Select(t => t.Value)),
                        $"{image.Id} ({image.Name}) is shared, but its key {key.Arn} is {key.Status}: "
                        + "every launch by a target goes from pending to terminated (Client.InvalidKMSKey.InvalidState).",
                        key.Status == KeyStatus.PendingDeletion
                            ? $"aws kms cancel-key-deletion --region {key.Region} --key-id {key.Arn} && {enable}"
                            : enable);
                    continue;
                }

                if (CompiledPolicy.Parse(key.PolicyJson, "key policy").Policy is not { } policy)
                {
                    continue;
                }

                var exposure = KeyExposure.Of(key);
                foreach (var target in image.LaunchPermissions)
                {
                    var (admitted, refused, deciding, explanation) = KeyAdmits(key, policy, target, inventory, exposure);
                    if (!admitted)
                    {
                        yield return new AuditFinding(
                            Kind,
                            AuditSeverity.High,
                            inventory.AccountId,
                            image.Region,
                            image.Id,
                            target.Value,
                            $"{image.Id} ({image.Name}) is shared with {Describe(target)}, but the key {key.Arn} does not let it launch: "
                            + $"{string.Join(", ", refused)} through EC2 are refused. {explanation}",
                            $"amishare share {image.Id} --with {target.Value} --region {image.Region} "
                            + "(writes the key-policy statements the target needs)",
                            deciding);
                    }
                }
            }
        }
    }

    /// <summary>Whether the key side lets some principal of the target use the key through EC2 for every action a launch needs.</summary>
    private static (bool Admitted, ImmutableArray<string> Refused, ImmutableArray<string> Deciding, string Explanation) KeyAdmits(
        AuditKey key, CompiledPolicy policy, ShareTarget target, AccountInventory inventory, ImmutableArray<KeyExposureEntry> exposure)
    {
        (ImmutableArray<string> Refused, ImmutableArray<string> Deciding, string Explanation)? first = null;
        foreach (var (caller, organization) in CallersOf(target, Arns.PartitionOf(key.Arn), inventory, exposure))
        {
            var results = Ec2KmsUse.SourceKeyActions
                .Select(action => (
                    Action: action,
                    Result: Ec2KeyUse.Evaluate(caller, action, key.Arn, policy, key.GrantsOrEmpty, [Ec2KeyUse.AllowAllKms], [], organization)))
                .ToList();
            var refused = results.Where(r => !r.Result.IsAllowed).ToList();
            if (refused.Count == 0)
            {
                return (true, [], [], string.Empty);
            }

            first ??= (
                [.. refused.Select(r => r.Action)],
                [.. refused.SelectMany(r => Ec2KeyUse.Labels(r.Result, key.Grants)).Distinct(StringComparer.Ordinal)],
                refused[0].Result.Explanation);
        }

        return (false, first!.Value.Refused, first.Value.Deciding, first.Value.Explanation);
    }

    /// <summary>
    /// Who stands for the target: for an account, a role session of it and every user or role of it the key policy
    /// names; for an organization or OU, an arbitrary member with the organization path.
    /// </summary>
    private static List<(CallerPrincipal Caller, AccountOrganization? Organization)> CallersOf(
        ShareTarget target, string partition, AccountInventory inventory, ImmutableArray<KeyExposureEntry> exposure)
    {
        var callers = new List<(CallerPrincipal Caller, AccountOrganization? Organization)>();
        switch (target.Kind)
        {
            case ShareTargetKind.Account:
                var organization = inventory.Organization is { } facts && facts.ContainsAccount(target.Value)
                    ? new AccountOrganization(facts.OrganizationId, [])
                    : null;
                callers.Add((CallerPrincipal.Parse($"arn:{partition}:sts::{target.Value}:{CheckSession}")!, organization));

                // A key policy may name a role or user of the target rather than its root.
                foreach (var named in exposure.Where(e => e.Kind == ExposureKind.Principal && e.Account == target.Value))
                {
                    if (CallerPrincipal.Parse(named.Value) is { } principal)
                    {
                        callers.Add((principal, organization));
                    }
                }

                break;
            case ShareTargetKind.Organization:
                callers.Add((AnyMemberOf(partition), new AccountOrganization(target.OrganizationId!, [$"{target.OrganizationId}/r-0000/"])));
                break;
            default:
                var path = inventory.Organization?.OuPaths is { } paths && paths.TryGetValue(target.OuId!, out var known)
                    ? known
                    : $"{target.OrganizationId}/r-0000/{target.OuId}/";
                callers.Add((AnyMemberOf(partition), new AccountOrganization(target.OrganizationId!, [path])));
                break;
        }

        return callers;
    }

    private static CallerPrincipal AnyMemberOf(string partition) => CallerPrincipal.Parse($"arn:{partition}:sts::{AnyMember}:{CheckSession}")!;

    private static string Describe(ShareTarget target) => target.Kind switch
    {
        ShareTargetKind.Account => $"account {target.Value}",
        ShareTargetKind.Organization => $"organization {target.OrganizationId}",
        _ => $"OU {target.OuId}",
    };
}
