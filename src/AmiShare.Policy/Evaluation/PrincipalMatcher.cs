using AmiShare.Policy.Model;

namespace AmiShare.Policy.Evaluation;

/// <summary>How a resource-policy principal matched the caller; the strength decides what else is needed.</summary>
public enum PrincipalMatch
{
    None = 0,

    /// <summary>The statement names the caller's account: it delegates to that account's IAM policies.</summary>
    Account = 1,

    /// <summary><c>"*"</c>: anyone, still subject to the caller's permission boundary and session policy.</summary>
    Wildcard = 2,

    /// <summary>A role ARN matched one of its sessions: subject to the boundary and session policy.</summary>
    Role = 3,

    /// <summary>The caller itself (user, session, service, or the account root): granted directly.</summary>
    Exact = 4,
}

/// <summary>A Principal or NotPrincipal element compiled for matching callers.</summary>
public sealed class PrincipalMatcher
{
    private readonly Entry[] _entries;
    private readonly bool _wildcard;

    private PrincipalMatcher(bool wildcard, Entry[] entries)
    {
        _wildcard = wildcard;
        _entries = entries;
    }

    public static PrincipalMatcher Compile(PrincipalSet set)
    {
        ArgumentNullException.ThrowIfNull(set);
        var wildcard = set.IsWildcard;
        var entries = new List<Entry>(set.Entries.Length);
        foreach (var entry in set.Entries)
        {
            if (entry.Type == PrincipalEntry.Aws && entry.Value == "*")
            {
                wildcard = true;
            }
            else
            {
                entries.Add(Entry.From(entry));
            }
        }

        return new PrincipalMatcher(wildcard, [.. entries]);
    }

    /// <summary>The strongest way this Principal element names <paramref name="caller"/>.</summary>
    public PrincipalMatch Match(CallerPrincipal caller)
    {
        var best = _wildcard ? PrincipalMatch.Wildcard : PrincipalMatch.None;
        foreach (var entry in _entries)
        {
            var match = entry.Match(caller);
            if (match > best)
            {
                best = match;
            }
        }

        return best;
    }

    /// <summary>
    /// Whether the element names <paramref name="caller"/> in any of its identities: its own ARN, its role
    /// (for a session), its account, or <c>"*"</c>. An <c>Allow</c> with NotPrincipal skips such a caller.
    /// </summary>
    public bool Names(CallerPrincipal caller) => Match(caller) != PrincipalMatch.None;

    /// <summary>
    /// NotPrincipal excludes a caller only when each of its identities is listed, as AWS documents:
    /// a user needs its ARN and its account; a role session its session ARN, role ARN and account.
    /// </summary>
    public bool Excludes(CallerPrincipal caller)
    {
        if (_wildcard)
        {
            return true;
        }

        bool Listed(string? arn) => arn is not null && Array.Exists(_entries, e => e.IsExactly(arn));
        var accountListed = caller.AccountId is not null
            && Array.Exists(_entries, e => e.Kind == EntryKind.Account && e.Account == caller.AccountId);
        return caller.Kind switch
        {
            PrincipalKind.Root => accountListed,
            PrincipalKind.AssumedRole => Listed(caller.Arn) && Listed(caller.RoleArn) && accountListed,
            PrincipalKind.Service or PrincipalKind.Anonymous => Listed(caller.Arn),
            _ => Listed(caller.Arn) && accountListed,
        };
    }

    private enum EntryKind
    {
        Account,
        Role,
        Arn,
        Service,
        Other,
    }

    private sealed record Entry(EntryKind Kind, string Value, string? Account, string? RoleName)
    {
        public static Entry From(PrincipalEntry entry)
        {
            var value = entry.Value;
            if (entry.Type == PrincipalEntry.Service)
            {
                return new Entry(EntryKind.Service, value, null, null);
            }

            if (entry.Type != PrincipalEntry.Aws)
            {
                return new Entry(EntryKind.Other, value, null, null);
            }

            if (CallerPrincipal.IsAccountId(value))
            {
                return new Entry(EntryKind.Account, value, value, null);
            }

            var parsed = CallerPrincipal.Parse(value);
            return parsed?.Kind switch
            {
                PrincipalKind.Root => new Entry(EntryKind.Account, value, parsed.AccountId, null),
                PrincipalKind.Role => new Entry(EntryKind.Role, value, parsed.AccountId, parsed.Name),
                _ => new Entry(EntryKind.Arn, value, parsed?.AccountId, null),
            };
        }

        public bool IsExactly(string arn) => Kind switch
        {
            EntryKind.Service => string.Equals(Value, arn, StringComparison.OrdinalIgnoreCase),
            EntryKind.Account => false,
            _ => string.Equals(Value, arn, StringComparison.Ordinal),
        };

        public PrincipalMatch Match(CallerPrincipal caller)
        {
            switch (Kind)
            {
                case EntryKind.Account:
                    if (caller.AccountId != Account || caller.Kind is PrincipalKind.Service or PrincipalKind.Anonymous)
                    {
                        return PrincipalMatch.None;
                    }

                    return caller.Kind == PrincipalKind.Root ? PrincipalMatch.Exact : PrincipalMatch.Account;
                case EntryKind.Role:
                    // Paths are not in session ARNs, so a role is recognised by account and name.
                    return caller.Kind is PrincipalKind.Role or PrincipalKind.AssumedRole
                           && caller.AccountId == Account
                           && string.Equals(caller.Name, RoleName, StringComparison.Ordinal)
                        ? PrincipalMatch.Role
                        : PrincipalMatch.None;
                case EntryKind.Service:
                    return caller.Kind == PrincipalKind.Service && string.Equals(caller.Arn, Value, StringComparison.OrdinalIgnoreCase)
                        ? PrincipalMatch.Exact
                        : PrincipalMatch.None;
                default:
                    return string.Equals(caller.Arn, Value, StringComparison.Ordinal) ? PrincipalMatch.Exact : PrincipalMatch.None;
            }
        }
    }
}
