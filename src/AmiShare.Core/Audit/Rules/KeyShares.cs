using System.Collections.Immutable;
using AmiShare.Core.Model;

namespace AmiShare.Core.Audit.Rules;

/// <summary>
/// Whom the images under one key are shared with, set against whom the key admits (<see cref="KeyExposure"/>):
/// what <see cref="StaleRule"/> and <see cref="WideRule"/> both judge.
/// </summary>
internal sealed class KeyShares
{
    private readonly AccountInventory _inventory;
    private readonly List<ShareTarget> _targets;
    private readonly HashSet<string> _organizations;
    private readonly List<string> _units;
    private readonly List<string> _wholeOrganizations;

    private KeyShares(AccountInventory inventory, AuditKey key)
    {
        _inventory = inventory;
        var images = inventory.ImagesUsing(key.Arn).ToList();
        _targets = [.. images.SelectMany(i => i.LaunchPermissions)];
        Accounts = _targets.Where(t => t.IsAccount).Select(t => t.Value)
            .Concat(inventory.Snapshots.Where(s => s.KeyArn == key.Arn).SelectMany(s => s.CreateVolumePermissions))
            .ToHashSet(StringComparer.Ordinal);
        _organizations = _targets.Where(t => !t.IsAccount).Select(t => t.OrganizationId!).ToHashSet(StringComparer.Ordinal);
        _units = [.. _targets.Where(t => t.Kind == ShareTargetKind.OrganizationalUnit).Select(t => t.OuId!)];
        _wholeOrganizations = [.. _targets.Where(t => t.Kind == ShareTargetKind.Organization).Select(t => t.OrganizationId!)];
        ImageList = images.Count == 0 ? "no image" : string.Join(", ", images.Select(i => i.Id));

        // One group per party and kind of access: a share writes a Use and a Grant statement for the same account.
        Exposure = [.. KeyExposure.Of(key)
            .GroupBy(e => (e.Kind, e.Value, Grant: e.GrantId is not null))
            .Select(g => new ExposureGroup(g.First(), [.. g], [.. g.Select(e => e.Source).Distinct(StringComparer.Ordinal)]))];
    }

    /// <summary>Accounts an image under the key is shared with by launch permission, or a snapshot by createVolumePermission.</summary>
    public HashSet<string> Accounts { get; }

    /// <summary>The images under the key, for messages: "ami-1, ami-2" or "no image".</summary>
    public string ImageList { get; }

    public ImmutableArray<ExposureGroup> Exposure { get; }

    /// <summary>Some image under the key is shared with named accounts.</summary>
    public bool SharedWithAccounts => Accounts.Count > 0 && _targets.Count > 0;

    public static KeyShares Of(AccountInventory inventory, AuditKey key) => new(inventory, key);

    /// <summary>
    /// An account is covered when shared with by name, or when an image is shared with an organization or OU and the
    /// account is a member, or membership is unknown: no alarm without proof.
    /// </summary>
    public bool Covers(string account) =>
        Accounts.Contains(account)
        || (_organizations.Count > 0 && (_inventory.Organization?.MemberAccounts is null || _inventory.Organization.ContainsAccount(account)));

    /// <summary>An organization or OU-path entry is reached when an image is shared with that organization, that OU or one above it.</summary>
    public bool Reaches(KeyExposureEntry entry) =>
        entry.Kind == ExposureKind.Organization
            ? _organizations.Contains(entry.Value)
            : _units.Any(u => entry.Value.Contains(u, StringComparison.Ordinal))
                || _wholeOrganizations.Any(o => entry.Value.StartsWith(o + "/", StringComparison.Ordinal));
}

/// <summary>The exposure entries of one party and kind of access, with the statements or grants they come from.</summary>
internal sealed record ExposureGroup(KeyExposureEntry Entry, ImmutableArray<KeyExposureEntry> Entries, ImmutableArray<string> Sources)
{
    public string SourceText => string.Join(", ", Sources);
}
