using System.Collections.Immutable;
using AmiShare.Core.Model;
using AmiShare.Core.Ports;

namespace AmiShare.Core.Discovery;

/// <summary>What discovery reads: the named images (or every owned image), in which regions, and which extra key.</summary>
/// <param name="Images">AMI ids or exact names; empty means every image the account owns (unshare needs all of them to see who else uses a key).</param>
/// <param name="Regions">The regions to read; at least one.</param>
/// <param name="ExtraKey">A key to describe even if no image uses it yet (the <c>--reencrypt-key</c>).</param>
/// <param name="WithGrants">Read each key's grants (Auto Scaling grants and unshare need them).</param>
/// <param name="WithVolumePermissions">Read each snapshot's createVolumePermission.</param>
/// <param name="WithCopies">
/// Also look for AmiShare's copies of the named images (one more DescribeImages per region). Only a re-encrypting
/// share uses them: without <c>--reencrypt-key</c> an image that would need a copy is refused whether or not one
/// exists, so the share skips the query then. With the key it is always made, so a rerun finds its copies again.
/// </param>
public sealed record DiscoveryScope(
    ImmutableArray<string> Images,
    ImmutableArray<string> Regions,
    string? ExtraKey = null,
    bool WithGrants = false,
    bool WithVolumePermissions = false,
    ImmutableArray<ShareTarget> Targets = default,
    bool WithCopies = true,
    ImmutableArray<string> DestinationRegions = default,
    ImmutableDictionary<string, string>? RegionKeys = null);

/// <summary>
/// Step 1 of a share (design "Data flow"): image → block-device mappings → snapshots → keys → policies, grants,
/// current launch and volume permissions, read with the source credentials into a <see cref="DiscoveredState"/>.
/// Reads are batched (one DescribeImages and one DescribeSnapshots per region) because the scale target counts calls.
/// </summary>
public sealed class ShareDiscovery(ICloudAccount source)
{
    public async Task<DiscoveredState> DiscoverAsync(DiscoveryScope scope, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(scope);
        var identity = await source.GetCallerIdentityAsync(cancellationToken).ConfigureAwait(false);
        var images = new List<ImageState>();
        var snapshots = new List<SnapshotState>();
        var keyIds = new List<(string Region, string KeyId, string? Alias)>();
        var destinations = scope.DestinationRegions.IsDefault ? [] : scope.DestinationRegions.Where(r => !scope.Regions.Contains(r)).Distinct(StringComparer.Ordinal).ToImmutableArray();
        var regionReads = new List<(string Region, bool IsDestination)>();
        regionReads.AddRange(scope.Regions.Select(r => (r, false)));
        regionReads.AddRange(destinations.Select(r => (r, true)));
        foreach (var (region, isDestination) in regionReads)
        {
            // In a destination Region only AmiShare's copies of the home images are read (tagged amishare:copy-of).
            var originals = images.Where(i => i.SourceImageId is null).Select(i => i.Id).Distinct(StringComparer.Ordinal).ToImmutableArray();
            var described = !isDestination
                ? await DescribeImagesAsync(region, scope.Images, scope.WithCopies, cancellationToken).ConfigureAwait(false)
                : originals.IsEmpty ? [] : [.. await source.DescribeOwnedImagesAsync(region, new ImageQuery(CopiesOf: originals), cancellationToken).ConfigureAwait(false)];
            var snapshotIds = described.SelectMany(i => i.BlockDevices).Select(d => d.SnapshotId).OfType<string>().Distinct(StringComparer.Ordinal).ToList();
            var snapshotDescriptions = snapshotIds.Count == 0
                ? []
                : await source.DescribeSnapshotsAsync(region, snapshotIds, cancellationToken).ConfigureAwait(false);
            var launchPermissions = await ForEachAsync(described, image => source.GetLaunchPermissionsAsync(region, image.Id, cancellationToken), cancellationToken).ConfigureAwait(false);
            var volumePermissionLists = scope.WithVolumePermissions
                ? await ForEachAsync(snapshotDescriptions, snapshot => source.GetCreateVolumePermissionsAsync(region, snapshot.Id, cancellationToken), cancellationToken).ConfigureAwait(false)
                : [.. snapshotDescriptions.Select(_ => ImmutableArray<string>.Empty)];
            foreach (var (image, permissions) in described.Zip(launchPermissions))
            {
                images.Add(new ImageState(
                    image.Id,
                    image.Name,
                    image.OwnerId,
                    region,
                    image.State.ToAvailability(),
                    permissions.Targets,
                    [.. image.BlockDevices.Select(d => d.SnapshotId).OfType<string>()],
                    permissions.IsPublic,
                    image.CopyOf));
            }

            foreach (var (snapshot, volumePermissions) in snapshotDescriptions.Zip(volumePermissionLists))
            {
                snapshots.Add(new SnapshotState(snapshot.Id, region, snapshot.Encrypted, snapshot.KmsKeyId, volumePermissions));
                if (snapshot.KmsKeyId is { } keyId)
                {
                    keyIds.Add((region, keyId, null));
                }
            }

            if (scope.RegionKeys is not null && scope.RegionKeys.TryGetValue(region, out var mapped))
            {
                keyIds.Add((region, mapped, mapped.StartsWith("alias/", StringComparison.Ordinal) ? mapped : null));
            }

            if (scope.ExtraKey is { } extra)
            {
                keyIds.Add((region, extra, extra.StartsWith("alias/", StringComparison.Ordinal) ? extra : null));
            }
        }

        var keys = await DescribeKeysAsync(keyIds, scope.WithGrants, cancellationToken).ConfigureAwait(false);
        return new DiscoveredState(identity.Account, [.. images], [.. snapshots], keys, OrganizationFrom(scope.Targets));
    }

    /// <summary>How many per-resource reads (one attribute per image or snapshot) are in flight at once.</summary>
    public int MaxConcurrentReads { get; init; } = 8;

    /// <summary>One read per item, several at a time, results in the items' order.</summary>
    private async Task<TResult[]> ForEachAsync<TItem, TResult>(IReadOnlyList<TItem> items, Func<TItem, Task<TResult>> read, CancellationToken cancellationToken)
    {
        var results = new TResult[items.Count];
        await Parallel.ForEachAsync(
            Enumerable.Range(0, items.Count),
            new ParallelOptions { MaxDegreeOfParallelism = MaxConcurrentReads, CancellationToken = cancellationToken },
            async (i, _) => results[i] = await read(items[i]).ConfigureAwait(false)).ConfigureAwait(false);
        return results;
    }

    /// <summary>The owned images named (by id and by exact name), plus AmiShare's copies of them when asked.</summary>
    private async Task<List<ImageDescription>> DescribeImagesAsync(string region, ImmutableArray<string> references, bool withCopies, CancellationToken cancellationToken)
    {
        if (references.IsDefaultOrEmpty)
        {
            return [.. await source.DescribeOwnedImagesAsync(region, ImageQuery.All, cancellationToken).ConfigureAwait(false)];
        }

        var ids = references.Where(LooksLikeImageId).ToImmutableArray();
        var names = references.Where(r => !LooksLikeImageId(r)).ToImmutableArray();
        var found = new List<ImageDescription>();
        if (!ids.IsEmpty)
        {
            found.AddRange(await DescribeExistingAsync(region, ids, cancellationToken).ConfigureAwait(false));
        }

        if (!names.IsEmpty)
        {
            found.AddRange(await source.DescribeOwnedImagesAsync(region, new ImageQuery(Names: names), cancellationToken).ConfigureAwait(false));
        }

        var originals = found.Select(i => i.Id).Distinct(StringComparer.Ordinal).ToImmutableArray();
        if (withCopies && !originals.IsEmpty)
        {
            found.AddRange(await source.DescribeOwnedImagesAsync(region, new ImageQuery(CopiesOf: originals), cancellationToken).ConfigureAwait(false));
        }

        return [.. found.DistinctBy(i => i.Id)];
    }

    /// <summary>The images of <paramref name="ids"/> that exist; the port leaves unknown ids out.</summary>
    private Task<IReadOnlyList<ImageDescription>> DescribeExistingAsync(string region, ImmutableArray<string> ids, CancellationToken cancellationToken) =>
        source.DescribeOwnedImagesAsync(region, new ImageQuery(ImageIds: ids), cancellationToken);

    private async Task<ImmutableArray<KeyState>> DescribeKeysAsync(List<(string Region, string KeyId, string? Alias)> references, bool withGrants, CancellationToken cancellationToken)
    {
        var byArn = new Dictionary<string, KeyState>(StringComparer.Ordinal);
        var seen = new HashSet<(string, string)>();
        var queue = new Queue<(string Region, string KeyId, string? Alias)>(references);
        while (queue.TryDequeue(out var reference))
        {
            if (!seen.Add((reference.Region, reference.KeyId)) || byArn.ContainsKey(reference.KeyId))
            {
                AddAlias(byArn, reference);
                continue;
            }

            var description = await source.DescribeKeyAsync(reference.Region, reference.KeyId, cancellationToken).ConfigureAwait(false);
            if (description is null)
            {
                // The planner reports a key it needs and did not find, with the fix.
                continue;
            }

            if (byArn.ContainsKey(description.Arn))
            {
                AddAlias(byArn, reference with { KeyId = description.Arn });
                continue;
            }

            // An AWS managed key's policy is AWS's and never changes; only customer keys need it read.
            var policy = description.Manager == KeyManager.Customer
                ? await source.GetKeyPolicyAsync(description.Arn, cancellationToken).ConfigureAwait(false)
                : string.Empty;
            var grants = withGrants && description.Manager == KeyManager.Customer
                ? await source.ListGrantsAsync(description.Arn, cancellationToken).ConfigureAwait(false)
                : [];
            var replicas = description.MultiRegionArns.Where(a => a != description.Arn).ToImmutableArray();
            byArn[description.Arn] = new KeyState(
                description.Arn,
                description.Manager,
                description.State,
                policy,
                reference.Alias is null ? [] : [reference.Alias],
                replicas,
                grants)
            {
                // DescribeKey lists the primary first (the adapter keeps that order).
                PrimaryArn = description.MultiRegionArns.IsDefaultOrEmpty ? null : description.MultiRegionArns[0],
            };
            foreach (var replica in replicas)
            {
                queue.Enqueue((Arns.RegionOf(replica), replica, null));
            }
        }

        return [.. byArn.Values.OrderBy(k => k.Arn, StringComparer.Ordinal)];
    }

    private static void AddAlias(Dictionary<string, KeyState> byArn, (string Region, string KeyId, string? Alias) reference)
    {
        if (reference.Alias is not null && byArn.TryGetValue(reference.KeyId, out var key) && !key.AliasesOrEmpty.Contains(reference.Alias))
        {
            byArn[key.Arn] = key with { Aliases = key.AliasesOrEmpty.Add(reference.Alias) };
        }
    }

    /// <summary>Only the organization named by a target is known without the Organizations API; member lists stay unknown.</summary>
    private static OrganizationFacts? OrganizationFrom(ImmutableArray<ShareTarget> targets) =>
        targets.IsDefaultOrEmpty
            ? null
            : targets.Select(t => t.OrganizationId).OfType<string>().Distinct(StringComparer.Ordinal).ToList() is [var single]
                ? new OrganizationFacts(single)
                : null;

    private static bool LooksLikeImageId(string reference) => reference.StartsWith("ami-", StringComparison.Ordinal);

}
