using AmiShare.Core.KeyPolicies;
using AmiShare.Core.Model;

namespace AmiShare.Core.Audit.Rules;

/// <summary>
/// A key-policy entry or grant still admitting an account, organization or OU path that no image under the key is
/// shared with. Only customer managed keys: AWS managed key policies are fixed.
/// </summary>
internal sealed class StaleRule : IAuditRule
{
    public AuditFindingKind Kind => AuditFindingKind.Stale;

    public IEnumerable<AuditFinding> Evaluate(AccountInventory inventory)
    {
        foreach (var key in inventory.Keys.Where(k => k.Manager == KeyManager.Customer))
        {
            var shares = KeyShares.Of(inventory, key);
            foreach (var group in shares.Exposure)
            {
                var entry = group.Entry;
                switch (entry.Kind)
                {
                    case ExposureKind.Anyone:
                        break;
                    case ExposureKind.Account or ExposureKind.Principal:
                        if (!shares.Covers(entry.Account!))
                        {
                            yield return Finding(
                                inventory,
                                key,
                                group,
                                $"{group.SourceText} of {key.Arn} still let {entry.Value} use the key, "
                                + $"but no image under this key ({shares.ImageList}) is shared with account {entry.Account}.");
                        }

                        break;
                    default:
                        // Reaching it by org while named accounts are shared with is too wide, not stale (WideRule).
                        if (!shares.Reaches(entry) && !shares.SharedWithAccounts)
                        {
                            yield return Finding(
                                inventory,
                                key,
                                group,
                                $"{group.SourceText} of {key.Arn} still admit {entry.Value}, "
                                + $"but no image under this key ({shares.ImageList}) is shared with it.");
                        }

                        break;
                }
            }
        }
    }

    private AuditFinding Finding(AccountInventory inventory, AuditKey key, ExposureGroup group, string message)
    {
        var entry = group.Entry;
        var sources = group.Sources;
        var putPolicy = $"aws kms put-key-policy --region {key.Region} --key-id {key.Arn} --policy-name default --policy file://policy.json";
        var ownStatements = sources.All(source => source.StartsWith("key policy:" + KeyPolicyBuilder.SidPrefix, StringComparison.Ordinal));
        var fix = entry.GrantId is { } grantId
            ? $"aws kms revoke-grant --region {key.Region} --key-id {key.Arn} --grant-id {grantId}"
            : $"remove {entry.Value} from {group.SourceText}: aws kms get-key-policy --region {key.Region} --key-id {key.Arn} --policy-name default "
              + $"--query Policy --output text > policy.json, edit, then {putPolicy}"
              + (ownStatements
                  ? $" (the statements are AmiShare's: amishare unshare IMAGE --from {entry.Account ?? entry.Value} --region {key.Region} "
                    + "removes them when run for an image under this key)"
                  : string.Empty);
        return new AuditFinding(Kind, AuditSeverity.Medium, inventory.AccountId, key.Region, key.Arn, entry.Value, message, fix, sources);
    }
}
