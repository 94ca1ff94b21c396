using AmiShare.Core.Model;
using AmiShare.Policy.Catalogue;

namespace AmiShare.Core.Audit.Rules;

/// <summary>
/// A key open wider than its shares: <c>Principal: "*"</c> with nothing restricting the caller (high without any
/// condition), or an organization or OU condition on a key whose images are shared with named accounts only.
/// </summary>
internal sealed class WideRule : IAuditRule
{
    public AuditFindingKind Kind => AuditFindingKind.Wide;

    public IEnumerable<AuditFinding> Evaluate(AccountInventory inventory)
    {
        foreach (var key in inventory.Keys.Where(k => k.Manager == KeyManager.Customer))
        {
            var shares = KeyShares.Of(inventory, key);
            foreach (var group in shares.Exposure)
            {
                var entry = group.Entry;
                if (entry.Kind == ExposureKind.Anyone)
                {
                    foreach (var open in group.Entries)
                    {
                        yield return Open(inventory, key, open);
                    }
                }
                else if (entry.Kind is ExposureKind.Organization or ExposureKind.OrgPath && !shares.Reaches(entry) && shares.SharedWithAccounts)
                {
                    var accounts = shares.Accounts.Order(StringComparer.Ordinal).ToList();
                    yield return new AuditFinding(
                        Kind,
                        AuditSeverity.Medium,
                        inventory.AccountId,
                        key.Region,
                        key.Arn,
                        entry.Value,
                        $"{group.SourceText} admit every account of {entry.Value}, "
                        + $"but the images under this key ({shares.ImageList}) are shared with named accounts only ({string.Join(", ", accounts)}).",
                        $"name the accounts instead: remove the {entry.Value} condition statements ({group.SourceText}) "
                        + $"and run amishare share IMAGE --with {string.Join(" --with ", accounts)} --region {key.Region}",
                        group.Sources);
                }
            }
        }
    }

    private AuditFinding Open(AccountInventory inventory, AuditKey key, KeyExposureEntry open) => new(
        Kind,
        open.Conditional ? AuditSeverity.Medium : AuditSeverity.High,
        inventory.AccountId,
        key.Region,
        key.Arn,
        "*",
        open.Conditional
            ? $"{open.Source} allows Principal \"*\" with conditions that do not restrict who the caller is: "
                + "any account whose own IAM allows it can use the key."
            : $"{open.Source} allows Principal \"*\" with no condition: any principal of any account whose own IAM allows it can use the key.",
        $"replace Principal \"*\" in {open.Source} with the accounts that need the key (amishare share IMAGE --with ACCOUNT writes such statements), "
        + $"or add a condition on {ConditionKeys.AwsPrincipalOrgId}; "
        + $"then aws kms put-key-policy --region {key.Region} --key-id {key.Arn} --policy-name default --policy file://policy.json",
        [open.Source]);
}
