using System.Collections.Immutable;
using AmiShare.Core.Model;
using AmiShare.Policy.Catalogue;
using AmiShare.Policy.Evaluation;
using AmiShare.Policy.Model;

namespace AmiShare.Core.Audit;

public enum ExposureKind
{
    /// <summary>An account, named by its id or root ARN (or by <c>kms:CallerAccount</c> under <c>Principal: "*"</c>).</summary>
    Account,

    /// <summary>A user or role in another account.</summary>
    Principal,

    /// <summary>Every account of an organization (<c>aws:PrincipalOrgID</c>).</summary>
    Organization,

    /// <summary>Every account below an OU path (<c>aws:PrincipalOrgPaths</c>).</summary>
    OrgPath,

    /// <summary><c>Principal: "*"</c> with nothing restricting who the caller is.</summary>
    Anyone,
}

/// <summary>One party outside the key's account that the key policy or a grant lets in.</summary>
/// <param name="Value">The account id, principal ARN, organization id, OU path, or <c>*</c>.</param>
/// <param name="Account">The account concerned, for accounts, principals and grants.</param>
/// <param name="Source">Where it comes from: <c>key policy:SID</c> (or <c>key policy:#N</c>) or <c>grant:ID</c>.</param>
/// <param name="Conditional">The statement has conditions (for <see cref="ExposureKind.Anyone"/>: none that restrict the caller).</param>
/// <param name="GrantId">For a grant, its id (to revoke it).</param>
public sealed record KeyExposureEntry(ExposureKind Kind, string Value, string? Account, string Source, bool Conditional, string? GrantId = null);

/// <summary>
/// Reads who outside the owning account a key admits, from the key policy's Allow statements and the grants. EC2's
/// own per-volume grants (grantee <c>aws:ec2-infrastructure</c>) belong to running volumes and are left out.
/// </summary>
public static class KeyExposure
{
    /// <summary>Condition keys that pin down who the caller is; <c>Principal: "*"</c> with one of them is not open to anyone.</summary>
    private static readonly ImmutableHashSet<string> CallerKeys = ImmutableHashSet.Create(
        StringComparer.OrdinalIgnoreCase,
        ConditionKeys.AwsPrincipalOrgId,
        ConditionKeys.AwsPrincipalOrgPaths,
        ConditionKeys.AwsPrincipalAccount,
        ConditionKeys.KmsCallerAccount,
        ConditionKeys.AwsPrincipalArn,
        ConditionKeys.AwsSourceAccount,
        ConditionKeys.AwsSourceArn,
        ConditionKeys.AwsSourceOwner,
        ConditionKeys.AwsUserId,
        ConditionKeys.AwsUserName,
        ConditionKeys.AwsPrincipalServiceName);

    public static ImmutableArray<KeyExposureEntry> Of(AuditKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var owner = key.Account;
        var entries = ImmutableArray.CreateBuilder<KeyExposureEntry>();
        if (CompiledPolicy.Parse(key.PolicyJson, "key policy").Policy is { } policy)
        {
            foreach (var statement in policy.Document.Statements)
            {
                if (statement.Effect != Effect.Allow || statement.Principal is not { } principal)
                {
                    continue;
                }

                entries.AddRange(FromStatement(statement, principal, owner));
            }
        }

        foreach (var grant in key.GrantsOrEmpty)
        {
            if (grant.GranteePrincipal.Contains(Ec2KmsUse.InfrastructureRoleName, StringComparison.Ordinal))
            {
                continue;
            }

            var account = Arns.AccountOf(grant.GranteePrincipal);
            if (account.Length > 0 && account != owner)
            {
                var kind = grant.GranteePrincipal.EndsWith(":root", StringComparison.Ordinal) ? ExposureKind.Account : ExposureKind.Principal;
                var value = kind == ExposureKind.Account ? account : grant.GranteePrincipal;
                entries.Add(new KeyExposureEntry(kind, value, account, $"grant:{grant.GrantId}", grant.Constraints is not null, grant.GrantId));
            }
        }

        return entries.ToImmutable();
    }

    /// <summary>Whether a statement with <c>Principal: "*"</c> has a condition on who the caller is.</summary>
    public static bool RestrictsCaller(PolicyStatement statement)
    {
        ArgumentNullException.ThrowIfNull(statement);
        return statement.Conditions.Any(c => CallerKeys.Contains(c.Key));
    }

    public static bool IsWildcard(PrincipalSet principal)
    {
        ArgumentNullException.ThrowIfNull(principal);
        return principal.IsWildcard || principal.Entries.Any(e => e.Type == PrincipalEntry.Aws && e.Value == "*");
    }

    private static IEnumerable<KeyExposureEntry> FromStatement(PolicyStatement statement, PrincipalSet principal, string owner)
    {
        var source = "key policy:"
            + (statement.Sid is { Length: > 0 } sid ? sid : "#" + statement.Index.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var conditional = !statement.Conditions.IsEmpty;
        if (IsWildcard(principal))
        {
            var named = false;
            foreach (var clause in statement.Conditions)
            {
                var kind = KindOf(clause.Key);
                if (kind is null || clause.Operator.StartsWith("StringNot", StringComparison.OrdinalIgnoreCase))
                {
                    continue;
                }

                var isAccount = kind == ExposureKind.Account;
                named = true;
                foreach (var value in clause.Values.Where(v => !isAccount || v != owner))
                {
                    yield return new KeyExposureEntry(kind.Value, value, isAccount ? value : null, source, true);
                }
            }

            if (!named && !RestrictsCaller(statement))
            {
                yield return new KeyExposureEntry(ExposureKind.Anyone, "*", null, source, conditional);
            }

            yield break;
        }

        foreach (var entry in principal.Entries.Where(e => e.Type == PrincipalEntry.Aws))
        {
            var account = CallerPrincipal.IsAccountId(entry.Value) ? entry.Value : Arns.AccountOf(entry.Value);
            if (account.Length == 0 || account == owner)
            {
                continue;
            }

            var isRoot = CallerPrincipal.IsAccountId(entry.Value) || entry.Value.EndsWith(":root", StringComparison.Ordinal);
            var kind = isRoot ? ExposureKind.Account : ExposureKind.Principal;
            yield return new KeyExposureEntry(kind, isRoot ? account : entry.Value, account, source, conditional);
        }
    }

    private static ExposureKind? KindOf(string conditionKey) =>
        Is(conditionKey, ConditionKeys.AwsPrincipalOrgId) ? ExposureKind.Organization
        : Is(conditionKey, ConditionKeys.AwsPrincipalOrgPaths) ? ExposureKind.OrgPath
        : Is(conditionKey, ConditionKeys.KmsCallerAccount) || Is(conditionKey, ConditionKeys.AwsPrincipalAccount) ? ExposureKind.Account
        : null;

    /// <summary>Condition keys are case-insensitive in IAM.</summary>
    private static bool Is(string conditionKey, string known) => string.Equals(conditionKey, known, StringComparison.OrdinalIgnoreCase);
}
