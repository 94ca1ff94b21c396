using System.Collections.Immutable;

namespace AmiShare.Policy.Sharing;

/// <summary>
/// One launch permission (image) or createVolumePermission (snapshot) entry. Exactly one member is set.
/// Snapshots accept only <see cref="UserId"/> and <see cref="Group"/>.
/// </summary>
public sealed record SharingEntry(
    string? UserId = null,
    string? Group = null,
    string? OrganizationArn = null,
    string? OrganizationalUnitArn = null)
{
    public bool IsPublic => string.Equals(Group, "all", StringComparison.Ordinal);

    public override string ToString() =>
        UserId is not null ? "UserId=" + UserId
        : Group is not null ? "Group=" + Group
        : OrganizationArn is not null ? "OrganizationArn=" + OrganizationArn
        : "OrganizationalUnitArn=" + OrganizationalUnitArn;
}

/// <summary>Who owns an image or snapshot and whom it is shared with.</summary>
public sealed record ResourceSharing(string OwnerId, ImmutableArray<SharingEntry> Entries);

/// <summary>The result of a sharing check: allowed by ownership, or by the entries listed (every one that covers the caller).</summary>
public sealed record SharingDecision(bool Allowed, bool ByOwnership, ImmutableArray<int> EntryIndexes)
{
    public static SharingDecision Owner { get; } = new(true, true, []);

    public static SharingDecision NotShared { get; } = new(false, false, []);
}

/// <summary>
/// Launch permission and createVolumePermission rules: the owner; a <c>UserId</c>; <c>Group=all</c>;
/// the caller's organization; an OU that is the caller's OU or any ancestor of it (sharing with an OU
/// covers nested OUs). Organization and OU entries apply to images only.
/// </summary>
public static class SharingRules
{
    public static SharingDecision Evaluate(
        ResourceSharing sharing,
        string accountId,
        string? orgId,
        IReadOnlyList<string> orgPaths,
        bool organizationEntriesAllowed)
    {
        ArgumentNullException.ThrowIfNull(sharing);
        ArgumentNullException.ThrowIfNull(orgPaths);
        if (string.Equals(sharing.OwnerId, accountId, StringComparison.Ordinal))
        {
            return SharingDecision.Owner;
        }

        var covering = ImmutableArray.CreateBuilder<int>();
        for (var i = 0; i < sharing.Entries.Length; i++)
        {
            var entry = sharing.Entries[i];
            var covers = entry switch
            {
                { UserId: { } user } => string.Equals(user, accountId, StringComparison.Ordinal),
                { Group: { } group } => string.Equals(group, "all", StringComparison.Ordinal),
                { OrganizationArn: { } org } => organizationEntriesAllowed && orgId is not null
                                                && string.Equals(OrganizationIdOf(org), orgId, StringComparison.Ordinal),
                { OrganizationalUnitArn: { } ou } => organizationEntriesAllowed && IsWithinUnit(ou, orgPaths),
                _ => false,
            };
            if (covers)
            {
                covering.Add(i);
            }
        }

        return covering.Count == 0 ? SharingDecision.NotShared : new SharingDecision(true, false, covering.ToImmutable());
    }

    /// <summary><c>arn:aws:organizations::MGMT:organization/o-x</c> → <c>o-x</c>; null when malformed.</summary>
    public static string? OrganizationIdOf(string organizationArn)
    {
        const string marker = ":organization/";
        var at = organizationArn.IndexOf(marker, StringComparison.Ordinal);
        return organizationArn.StartsWith("arn:", StringComparison.Ordinal) && at > 0 ? organizationArn[(at + marker.Length)..] : null;
    }

    /// <summary><c>arn:aws:organizations::MGMT:ou/o-x/ou-y</c> → (<c>o-x</c>, <c>ou-y</c>); null when malformed.</summary>
    public static (string OrgId, string UnitId)? UnitOf(string unitArn)
    {
        const string marker = ":ou/";
        var at = unitArn.IndexOf(marker, StringComparison.Ordinal);
        if (!unitArn.StartsWith("arn:", StringComparison.Ordinal) || at < 0)
        {
            return null;
        }

        var parts = unitArn[(at + marker.Length)..].Split('/');
        return parts.Length == 2 && parts[0].StartsWith("o-", StringComparison.Ordinal) && parts[1].StartsWith("ou-", StringComparison.Ordinal)
            ? (parts[0], parts[1])
            : null;
    }

    /// <summary>True when one of the caller's org paths (<c>o-x/r-y/ou-a/ou-b/</c>) passes through the unit.</summary>
    public static bool IsWithinUnit(string unitArn, IReadOnlyList<string> orgPaths)
    {
        if (UnitOf(unitArn) is not var (orgId, unitId))
        {
            return false;
        }

        foreach (var path in orgPaths)
        {
            var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
            if (segments.Length > 0 && segments[0] == orgId && Array.IndexOf(segments, unitId, 1) > 0)
            {
                return true;
            }
        }

        return false;
    }
}
