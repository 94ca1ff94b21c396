using System.Collections.Immutable;
using AmiShare.Core.Model;
using AmiShare.Policy.Evaluation;

namespace AmiShare.Core.Doctor;

/// <summary>The facts prepared once for every rule: the caller parsed, policies compiled, snapshots grouped by key.</summary>
internal sealed class DoctorScope
{
    private readonly Dictionary<string, CompiledPolicy?> _keyPolicies = new(StringComparer.Ordinal);

    private DoctorScope(
        DoctorFacts facts,
        string principalArn,
        CallerPrincipal? caller,
        ImmutableArray<CompiledPolicy>? identity,
        ImmutableArray<CompiledPolicy> boundaries)
    {
        Facts = facts;
        PrincipalArn = principalArn;
        Caller = caller;
        Identity = identity;
        Boundaries = boundaries;
        EncryptedSnapshotsByKey = [.. facts.Image.Snapshots
            .Where(s => s.Encrypted)
            .GroupBy(s => s.KeyArn, StringComparer.Ordinal)
            .Select(g => (g.Key, (IReadOnlyList<string>)[.. g.Select(s => s.Id)]))];
        UsableSourceKeys = [.. EncryptedSnapshotsByKey
            .Select(g => g.KeyArn is null ? null : facts.FindSourceKey(g.KeyArn))
            .OfType<DoctorKey>()
            .Where(k => k.Manager == KeyManager.Customer || k.Account == facts.Target.Account)];
    }

    public DoctorFacts Facts { get; }

    /// <summary>The launching principal as an ARN (a bare account id stands for its root).</summary>
    public string PrincipalArn { get; }

    /// <summary>Null when <see cref="PrincipalArn"/> is not a principal the engine can evaluate.</summary>
    public CallerPrincipal? Caller { get; }

    /// <summary>The identity policies compiled; null when they could not be read. The root user has none and needs none.</summary>
    public ImmutableArray<CompiledPolicy>? Identity { get; }

    public ImmutableArray<CompiledPolicy> Boundaries { get; }

    /// <summary>Snapshots grouped by key ARN (null: encrypted, key not readable), in image order.</summary>
    public ImmutableArray<(string? KeyArn, IReadOnlyList<string> Snapshots)> EncryptedSnapshotsByKey { get; }

    /// <summary>Source keys another account can be admitted to (customer managed), or the target's own.</summary>
    public ImmutableArray<DoctorKey> UsableSourceKeys { get; }

    /// <summary>What to do when the target's IAM could not be read.</summary>
    public string ReadIamFix =>
        $"rerun with credentials of {Facts.Target.Account} (--target-profile or --target-role-arn) that may read the IAM policies of {PrincipalArn} "
        + "(iam:GetRole or iam:GetUser, iam:ListRolePolicies/ListUserPolicies, iam:GetRolePolicy/GetUserPolicy, "
        + "iam:ListAttachedRolePolicies/ListAttachedUserPolicies, iam:GetPolicy, iam:GetPolicyVersion)";

    public static DoctorScope Prepare(DoctorFacts facts)
    {
        var target = facts.Target;
        var principalArn = CallerPrincipal.IsAccountId(target.PrincipalArn)
            ? Arns.AccountRoot(target.PrincipalArn, facts.Image.Partition)
            : target.PrincipalArn;
        var caller = CallerPrincipal.Parse(principalArn);
        if (caller is { Kind: PrincipalKind.Service or PrincipalKind.Anonymous })
        {
            caller = null;
        }

        ImmutableArray<CompiledPolicy>? identity = null;
        ImmutableArray<CompiledPolicy> boundaries = [];
        if (caller?.Kind == PrincipalKind.Root)
        {
            // The root user has no policies of its own; nothing in its account limits it (SCPs aside).
            identity = [];
        }
        else if (target.Identity is { } read)
        {
            identity = [.. read.PoliciesOrEmpty.Select(p => CompiledPolicy.Parse(p.Json, p.Name).Policy).OfType<CompiledPolicy>()];
            if (read.PermissionsBoundary is { } boundary && CompiledPolicy.Parse(boundary.Json, $"boundary {boundary.Name}").Policy is { } compiled)
            {
                boundaries = [compiled];
            }
        }

        return new DoctorScope(facts, principalArn, caller, identity, boundaries);
    }

    /// <summary>The key policy compiled once per key; null when unreadable or unparsable.</summary>
    public CompiledPolicy? KeyPolicy(DoctorKey key)
    {
        if (!_keyPolicies.TryGetValue(key.Arn, out var policy))
        {
            policy = key.PolicyJson is null ? null : CompiledPolicy.Parse(key.PolicyJson, "key policy").Policy;
            _keyPolicies[key.Arn] = policy;
        }

        return policy;
    }
}
