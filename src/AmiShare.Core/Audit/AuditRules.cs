using System.Collections.Immutable;
using AmiShare.Core.Doctor;
using AmiShare.Core.KeyPolicies;
using AmiShare.Core.Model;
using AmiShare.Policy.Evaluation;

namespace AmiShare.Core.Audit;

/// <summary>
/// The findings of <c>amishare audit</c> for one account (issue 5): BROKEN, STALE, PUBLIC, UNSHAREABLE, WIDE and
/// NEAR-LIMIT, each with a severity and the fix. Whether a key lets a target launch is asked of the policy engine
/// with the context EC2 adds, the identity side taken as allowing (the audit sees only the source account), so a
/// BROKEN finding means the key side alone already refuses. Pure.
/// </summary>
public static class AuditRules
{
    /// <summary>Warn above this share of a limit.</summary>
    public const double NearLimitRatio = 0.8;

    /// <summary>Launch permission entities per image and region (aws-facts §4).</summary>
    public const int MaxLaunchPermissionEntities = 1_000;

    /// <summary>Stands for "some principal of the target whose own IAM allows the call"; the account id is replaced.</summary>
    private const string CheckSession = "assumed-role/AmiShareAudit/audit";

    /// <summary>An account id no policy names: stands for an arbitrary member of an organization or OU.</summary>
    private const string AnyMember = "000000000000";

    public static ImmutableArray<AuditFinding> Check(AccountInventory inventory)
    {
        ArgumentNullException.ThrowIfNull(inventory);
        var findings = new List<AuditFinding>();
        findings.AddRange(Broken(inventory));
        findings.AddRange(StaleAndWide(inventory));
        findings.AddRange(Public(inventory));
        findings.AddRange(Unshareable(inventory));
        findings.AddRange(NearLimit(inventory));
        return [.. findings
            .OrderBy(f => f.Severity)
            .ThenBy(f => f.Kind)
            .ThenBy(f => f.Resource, StringComparer.Ordinal)
            .ThenBy(f => f.Subject, StringComparer.Ordinal)];
    }

    private static IEnumerable<AuditFinding> Broken(AccountInventory inventory)
    {
        foreach (var image in inventory.Images.Where(i => i.State == ImageAvailability.Available && !i.LaunchPermissions.IsEmpty))
        {
            foreach (var key in inventory.KeyArnsOf(image).Select(inventory.FindKey).OfType<AuditKey>().Where(k => k.Manager == KeyManager.Customer))
            {
                var shareFix = (ShareTarget target) => $"amishare share {image.Id} --with {target.Value} --region {image.Region} (writes the key-policy statements the target needs)";
                if (key.Status != KeyStatus.Enabled)
                {
                    yield return new AuditFinding(
                        AuditFindingKind.Broken,
                        AuditSeverity.High,
                        inventory.AccountId,
                        image.Region,
                        image.Id,
                        string.Join(", ", image.LaunchPermissions.Select(t => t.Value)),
                        $"{image.Id} ({image.Name}) is shared, but its key {key.Arn} is {key.Status}: every launch by a target goes from pending to terminated (Client.InvalidKMSKey.InvalidState).",
                        key.Status == KeyStatus.PendingDeletion
                            ? $"aws kms cancel-key-deletion --region {key.Region} --key-id {key.Arn} && aws kms enable-key --region {key.Region} --key-id {key.Arn}"
                            : $"aws kms enable-key --region {key.Region} --key-id {key.Arn}");
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
                            AuditFindingKind.Broken,
                            AuditSeverity.High,
                            inventory.AccountId,
                            image.Region,
                            image.Id,
                            target.Value,
                            $"{image.Id} ({image.Name}) is shared with {Describe(target)}, but the key {key.Arn} does not let it launch: {string.Join(", ", refused)} through EC2 are refused. {explanation}",
                            shareFix(target),
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
        var partition = Arns.PartitionOf(key.Arn);
        var callers = new List<(CallerPrincipal Caller, AccountOrganization? Organization)>();
        switch (target.Kind)
        {
            case ShareTargetKind.Account:
                var organization = inventory.Organization is { } facts && facts.ContainsAccount(target.Value) ? new AccountOrganization(facts.OrganizationId, []) : null;
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
                callers.Add((CallerPrincipal.Parse($"arn:{partition}:sts::{AnyMember}:{CheckSession}")!, new AccountOrganization(target.OrganizationId!, [$"{target.OrganizationId}/r-0000/"])));
                break;
            default:
                var path = inventory.Organization?.OuPaths is { } paths && paths.TryGetValue(target.OuId!, out var known) ? known : $"{target.OrganizationId}/r-0000/{target.OuId}/";
                callers.Add((CallerPrincipal.Parse($"arn:{partition}:sts::{AnyMember}:{CheckSession}")!, new AccountOrganization(target.OrganizationId!, [path])));
                break;
        }

        (ImmutableArray<string> Refused, ImmutableArray<string> Deciding, string Explanation)? first = null;
        foreach (var (caller, organization) in callers)
        {
            var results = Ec2KeyUse.SourceActions
                .Select(action => (Action: action, Result: Ec2KeyUse.Evaluate(caller, action, key.Arn, policy, key.GrantsOrEmpty, [Ec2KeyUse.AllowAllKms], [], organization)))
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

    private static IEnumerable<AuditFinding> StaleAndWide(AccountInventory inventory)
    {
        foreach (var key in inventory.Keys.Where(k => k.Manager == KeyManager.Customer))
        {
            var images = inventory.ImagesUsing(key.Arn).ToList();
            var targets = images.SelectMany(i => i.LaunchPermissions).ToList();
            var accounts = targets.Where(t => t.IsAccount).Select(t => t.Value)
                .Concat(inventory.Snapshots.Where(s => s.KeyArn == key.Arn).SelectMany(s => s.CreateVolumePermissions))
                .ToHashSet(StringComparer.Ordinal);
            var organizations = targets.Where(t => !t.IsAccount).Select(t => t.OrganizationId!).ToHashSet(StringComparer.Ordinal);
            var units = targets.Where(t => t.Kind == ShareTargetKind.OrganizationalUnit).Select(t => t.OuId!).ToList();
            var wholeOrganizations = targets.Where(t => t.Kind == ShareTargetKind.Organization).Select(t => t.OrganizationId!).ToList();
            var imageList = images.Count == 0 ? "no image" : string.Join(", ", images.Select(i => i.Id));

            // One finding per party and kind of access: a share writes a Use and a Grant statement for the same account.
            var groups = KeyExposure.Of(key).GroupBy(e => (e.Kind, e.Value, Grant: e.GrantId is not null));
            foreach (var group in groups)
            {
                var entry = group.First();
                var sources = group.Select(e => e.Source).Distinct(StringComparer.Ordinal).ToImmutableArray();
                var sourceText = string.Join(", ", sources);
                switch (entry.Kind)
                {
                    case ExposureKind.Anyone:
                        foreach (var open in group)
                        {
                            yield return new AuditFinding(
                                AuditFindingKind.Wide,
                                open.Conditional ? AuditSeverity.Medium : AuditSeverity.High,
                                inventory.AccountId,
                                key.Region,
                                key.Arn,
                                "*",
                                open.Conditional
                                    ? $"{open.Source} allows Principal \"*\" with conditions that do not restrict who the caller is: any account whose own IAM allows it can use the key."
                                    : $"{open.Source} allows Principal \"*\" with no condition: any principal of any account whose own IAM allows it can use the key.",
                                $"replace Principal \"*\" in {open.Source} with the accounts that need the key (amishare share IMAGE --with ACCOUNT writes such statements), or add a condition on aws:PrincipalOrgID; then aws kms put-key-policy --region {key.Region} --key-id {key.Arn} --policy-name default --policy file://policy.json",
                                [open.Source]);
                        }

                        break;
                    case ExposureKind.Account or ExposureKind.Principal:
                        var covered = accounts.Contains(entry.Account!)
                            || (organizations.Count > 0 && (inventory.Organization?.MemberAccounts is null || inventory.Organization.ContainsAccount(entry.Account!)));
                        if (!covered)
                        {
                            yield return Stale(inventory, key, entry, sources, $"{sourceText} of {key.Arn} still let {entry.Value} use the key, but no image under this key ({imageList}) is shared with account {entry.Account}.");
                        }

                        break;
                    default:
                        var reached = entry.Kind == ExposureKind.Organization
                            ? organizations.Contains(entry.Value)
                            : units.Any(u => entry.Value.Contains(u, StringComparison.Ordinal)) || wholeOrganizations.Any(o => entry.Value.StartsWith(o + "/", StringComparison.Ordinal));
                        if (reached)
                        {
                            break;
                        }

                        if (accounts.Count > 0 && targets.Count > 0)
                        {
                            yield return new AuditFinding(
                                AuditFindingKind.Wide,
                                AuditSeverity.Medium,
                                inventory.AccountId,
                                key.Region,
                                key.Arn,
                                entry.Value,
                                $"{sourceText} admit every account of {entry.Value}, but the images under this key ({imageList}) are shared with named accounts only ({string.Join(", ", accounts.Order(StringComparer.Ordinal))}).",
                                $"name the accounts instead: remove the {entry.Value} condition statements ({sourceText}) and run amishare share IMAGE --with {string.Join(" --with ", accounts.Order(StringComparer.Ordinal))} --region {key.Region}",
                                sources);
                        }
                        else
                        {
                            yield return Stale(inventory, key, entry, sources, $"{sourceText} of {key.Arn} still admit {entry.Value}, but no image under this key ({imageList}) is shared with it.");
                        }

                        break;
                }
            }
        }
    }

    private static AuditFinding Stale(AccountInventory inventory, AuditKey key, KeyExposureEntry entry, ImmutableArray<string> sources, string message)
    {
        var fix = entry.GrantId is { } grantId
            ? $"aws kms revoke-grant --region {key.Region} --key-id {key.Arn} --grant-id {grantId}"
            : $"remove {entry.Value} from {string.Join(", ", sources)}: aws kms get-key-policy --region {key.Region} --key-id {key.Arn} --policy-name default --query Policy --output text > policy.json, edit, then aws kms put-key-policy --region {key.Region} --key-id {key.Arn} --policy-name default --policy file://policy.json"
              + (sources.All(source => source.StartsWith("key policy:" + KeyPolicyBuilder.SidPrefix, StringComparison.Ordinal)) ? $" (the statements are AmiShare's: amishare unshare IMAGE --from {entry.Account ?? entry.Value} --region {key.Region} removes them when run for an image under this key)" : string.Empty);
        return new AuditFinding(AuditFindingKind.Stale, AuditSeverity.Medium, inventory.AccountId, key.Region, key.Arn, entry.Value, message, fix, sources);
    }

    private static IEnumerable<AuditFinding> Public(AccountInventory inventory)
    {
        foreach (var image in inventory.Images.Where(i => i.IsPublic))
        {
            yield return new AuditFinding(
                AuditFindingKind.Public,
                AuditSeverity.High,
                inventory.AccountId,
                image.Region,
                image.Id,
                "all",
                $"{image.Id} ({image.Name}) is public: every AWS account can launch it and read what it contains.",
                $"aws ec2 modify-image-attribute --region {image.Region} --image-id {image.Id} --launch-permission \"Remove=[{{Group=all}}]\"; to stop new public shares: aws ec2 enable-image-block-public-access --region {image.Region} --image-block-public-access-state block-new-sharing");
        }

        foreach (var snapshot in inventory.Snapshots.Where(s => s.IsPublic))
        {
            yield return new AuditFinding(
                AuditFindingKind.Public,
                AuditSeverity.High,
                inventory.AccountId,
                snapshot.Region,
                snapshot.Id,
                "all",
                $"{snapshot.Id} is public{(snapshot.Encrypted ? string.Empty : " and unencrypted")}: every AWS account can create a volume from it and read its data.",
                $"aws ec2 modify-snapshot-attribute --region {snapshot.Region} --snapshot-id {snapshot.Id} --attribute createVolumePermission --operation-type remove --group-names all; to block it for good: aws ec2 enable-snapshot-block-public-access --region {snapshot.Region} --state block-all-sharing");
        }
    }

    private static IEnumerable<AuditFinding> Unshareable(AccountInventory inventory)
    {
        foreach (var image in inventory.Images.Where(i => i.State != ImageAvailability.Deregistered))
        {
            var awsManaged = inventory.KeyArnsOf(image).Select(inventory.FindKey).OfType<AuditKey>().Where(k => k.Manager == KeyManager.Aws).ToList();
            if (awsManaged.Count == 0)
            {
                continue;
            }

            var shared = !image.LaunchPermissions.IsEmpty || image.IsPublic;
            var with = shared ? string.Join(", ", image.LaunchPermissions.Select(t => t.Value).Concat(image.IsPublic ? ["all"] : [])) : null;
            yield return new AuditFinding(
                AuditFindingKind.Unshareable,
                shared ? AuditSeverity.High : AuditSeverity.Low,
                inventory.AccountId,
                image.Region,
                image.Id,
                with,
                shared
                    ? $"{image.Id} ({image.Name}) is encrypted with the AWS managed key {awsManaged[0].Arn} (alias/aws/ebs) yet shared with {with}: no other account can launch it, since that key's fixed policy admits only {inventory.AccountId}."
                    : $"{image.Id} ({image.Name}) is encrypted with the AWS managed key {awsManaged[0].Arn} (alias/aws/ebs): a share of it will be refused until it is copied under a customer managed key.",
                $"amishare share {image.Id} --with TARGET --region {image.Region} --reencrypt-key KEY (shares a copy under the customer managed key KEY)");
        }
    }

    private static IEnumerable<AuditFinding> NearLimit(AccountInventory inventory)
    {
        var keyLimit = (int)(KeyPolicyBuilder.MaxPolicyBytes * NearLimitRatio);
        foreach (var key in inventory.Keys.Where(k => k.Manager == KeyManager.Customer))
        {
            var bytes = KeyPolicyBuilder.ByteCount(key.PolicyJson);
            if (bytes > keyLimit)
            {
                yield return new AuditFinding(
                    AuditFindingKind.NearLimit,
                    AuditSeverity.Medium,
                    inventory.AccountId,
                    key.Region,
                    key.Arn,
                    null,
                    $"The key policy of {key.Arn} is {bytes:N0} bytes, {bytes * 100 / KeyPolicyBuilder.MaxPolicyBytes}% of the fixed 32,768-byte limit: a few more named accounts and PutKeyPolicy fails.",
                    "share with the organization or OUs instead of accounts (amishare share IMAGE --with ORGANIZATION_ARN), which needs one statement whatever the number of accounts; remove statements for accounts no longer shared with (see STALE findings)");
            }
        }

        var imageLimit = (int)(MaxLaunchPermissionEntities * NearLimitRatio);
        foreach (var image in inventory.Images.Where(i => i.SharingEntityCount > imageLimit))
        {
            yield return new AuditFinding(
                AuditFindingKind.NearLimit,
                AuditSeverity.Medium,
                inventory.AccountId,
                image.Region,
                image.Id,
                null,
                $"{image.Id} ({image.Name}) has {image.SharingEntityCount:N0} launch permission entities of the 1,000 allowed per image and region.",
                $"share with the organization or OUs instead of single accounts (an organization or OU counts as one): amishare share {image.Id} --with ORGANIZATION_OR_OU_ARN --region {image.Region}, then amishare unshare {image.Id} --from ACCOUNT for the accounts it covers");
        }
    }

    private static string Describe(ShareTarget target) => target.Kind switch
    {
        ShareTargetKind.Account => $"account {target.Value}",
        ShareTargetKind.Organization => $"organization {target.OrganizationId}",
        _ => $"OU {target.OuId}",
    };
}
