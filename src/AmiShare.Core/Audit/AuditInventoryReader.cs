using System.Collections.Concurrent;
using System.Collections.Immutable;
using AmiShare.Core.Doctor;
using AmiShare.Core.Model;
using AmiShare.Core.Ports;
using AmiShare.Policy.Catalogue;
using AmiShare.Policy.Kms;

namespace AmiShare.Core.Audit;

/// <param name="Regions">The regions to read; at least one.</param>
/// <param name="Since">Start of the CloudTrail window; null reads no events.</param>
/// <param name="Concurrency">Reads in flight at once (per-image, per-snapshot and per-key calls).</param>
public sealed record AuditScope(ImmutableArray<string> Regions, DateTimeOffset? Since, int Concurrency = 8);

/// <summary>
/// Reads one account's <see cref="AccountInventory"/> with its own credentials: owned images and their launch
/// permissions, their snapshots and volume permissions, every KMS key with policy, grants and aliases, and the
/// CloudTrail events the evidence needs. The call count is the minimum the APIs allow — one paginated listing per
/// kind, one attribute read per image and snapshot, three reads per key, and CloudTrail narrowed by attribute —
/// run <see cref="AuditScope.Concurrency"/> at a time. Read-only.
/// </summary>
public sealed class AuditInventoryReader(ICloudAccount account, IAuditReads reads)
{
    /// <summary>The CloudTrail lookups the evidence needs (docs/aws-facts.md §7): KMS use, share changes, shared-snapshot use.</summary>
    public static ImmutableArray<TrailLookup> TrailLookups { get; } =
    [
        TrailLookup.EventSource(AwsServicePrincipals.Kms),
        TrailLookup.EventName("ModifyImageAttribute"),
        TrailLookup.EventName("ModifySnapshotAttribute"),
        TrailLookup.EventName(TrailEvidence.SnapshotCopied),
        TrailLookup.EventName(TrailEvidence.SnapshotVolumeCreated),
    ];

    public async Task<AccountInventory> ReadAsync(AuditScope scope, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(scope);
        if (scope.Regions.IsDefaultOrEmpty)
        {
            throw new ArgumentException("Audit at least one region.", nameof(scope));
        }

        var caller = await account.GetCallerIdentityAsync(cancellationToken).ConfigureAwait(false);
        var images = ImmutableArray.CreateBuilder<AuditImage>();
        var snapshots = ImmutableArray.CreateBuilder<AuditSnapshot>();
        var keys = ImmutableArray.CreateBuilder<AuditKey>();
        var events = new Dictionary<string, TrailEvent>(StringComparer.Ordinal);
        foreach (var region in scope.Regions)
        {
            progress?.Report($"{caller.Account} {region}: images");
            var regionImages = await ReadImagesAsync(region, scope, cancellationToken).ConfigureAwait(false);
            images.AddRange(regionImages.Images);

            progress?.Report($"{caller.Account} {region}: {regionImages.SnapshotIds.Count} snapshots");
            snapshots.AddRange(await ReadSnapshotsAsync(caller.Account, region, regionImages.SnapshotIds, scope, cancellationToken).ConfigureAwait(false));

            progress?.Report($"{caller.Account} {region}: keys");
            keys.AddRange(await ReadKeysAsync(region, scope, cancellationToken).ConfigureAwait(false));

            if (scope.Since is { } since)
            {
                progress?.Report($"{caller.Account} {region}: CloudTrail since {since:yyyy-MM-dd}");
                foreach (var lookup in TrailLookups)
                {
                    await foreach (var record in reads.LookupEventsAsync(region, since, lookup, cancellationToken).ConfigureAwait(false))
                    {
                        if (TrailRecordReader.Read(record) is { } parsed)
                        {
                            events.TryAdd(parsed.EventId.Length > 0 ? parsed.EventId : record, parsed);
                        }
                    }
                }
            }
        }

        var organization = await OrganizationAsync(caller.Account, cancellationToken).ConfigureAwait(false);
        return new AccountInventory(
            caller.Account,
            images.ToImmutable(),
            snapshots.ToImmutable(),
            keys.ToImmutable(),
            [.. events.Values.OrderBy(e => e.Time)],
            organization,
            scope.Regions);
    }

    private async Task<(List<AuditImage> Images, List<string> SnapshotIds)> ReadImagesAsync(string region, AuditScope scope, CancellationToken cancellationToken)
    {
        var described = await account.DescribeOwnedImagesAsync(region, ImageQuery.All, cancellationToken).ConfigureAwait(false);
        var images = new AuditImage?[described.Count];
        await ForEachAsync(Enumerable.Range(0, described.Count), scope, async (i, ct) =>
        {
            var image = described[i];
            var permissions = await UnknownAsync(() => account.GetLaunchPermissionsAsync(region, image.Id, ct)).ConfigureAwait(false);
            images[i] = new AuditImage(
                image.Id,
                image.Name,
                region,
                DoctorFactReader.Availability(image.State),
                permissions?.Targets ?? [],
                permissions?.IsPublic ?? image.IsPublic,
                [.. image.BlockDevices.Select(d => d.SnapshotId).OfType<string>()]);
        }, cancellationToken).ConfigureAwait(false);
        var snapshotIds = described.SelectMany(i => i.BlockDevices).Select(d => d.SnapshotId).OfType<string>().Distinct(StringComparer.Ordinal).ToList();
        return ([.. images.OfType<AuditImage>()], snapshotIds);
    }

    private async Task<List<AuditSnapshot>> ReadSnapshotsAsync(string owner, string region, List<string> snapshotIds, AuditScope scope, CancellationToken cancellationToken)
    {
        IReadOnlyList<SnapshotDescription> described;
        try
        {
            described = await account.DescribeSnapshotsAsync(region, snapshotIds, cancellationToken).ConfigureAwait(false);
        }
        catch (CloudOperationException e) when (e.Kind == CloudErrorKind.NotFound)
        {
            // One deleted snapshot fails the whole batch: read them one by one and leave the missing out.
            var found = new ConcurrentBag<SnapshotDescription>();
            await ForEachAsync(snapshotIds, scope, async (id, ct) =>
            {
                try
                {
                    foreach (var snapshot in await account.DescribeSnapshotsAsync(region, [id], ct).ConfigureAwait(false))
                    {
                        found.Add(snapshot);
                    }
                }
                catch (CloudOperationException missing) when (missing.Kind == CloudErrorKind.NotFound)
                {
                    // Deleted after the image was described: nothing left to audit.
                }
            }, cancellationToken).ConfigureAwait(false);
            described = [.. found];
        }

        // Only the owner may read createVolumePermission; snapshots of other accounts' images are not ours to audit.
        var owned = described.Where(s => s.OwnerId.Length == 0 || s.OwnerId == owner).ToList();
        var snapshots = new AuditSnapshot?[owned.Count];
        await ForEachAsync(Enumerable.Range(0, owned.Count), scope, async (i, ct) =>
        {
            var snapshot = owned[i];
            var permissions = await UnknownAsync(() => reads.GetSnapshotPermissionsAsync(region, snapshot.Id, ct)).ConfigureAwait(false);
            snapshots[i] = new AuditSnapshot(snapshot.Id, region, snapshot.Encrypted, snapshot.KmsKeyId, permissions?.Accounts ?? [], permissions?.IsPublic ?? false);
        }, cancellationToken).ConfigureAwait(false);
        var order = snapshotIds.Select((id, index) => (id, index)).ToDictionary(p => p.id, p => p.index, StringComparer.Ordinal);
        return [.. snapshots.OfType<AuditSnapshot>().OrderBy(s => order.GetValueOrDefault(s.Id))];
    }

    private async Task<List<AuditKey>> ReadKeysAsync(string region, AuditScope scope, CancellationToken cancellationToken)
    {
        var arns = await reads.ListKeyArnsAsync(region, cancellationToken).ConfigureAwait(false);
        var aliases = await account.ListAliasesAsync(region, cancellationToken).ConfigureAwait(false);
        var aliasesByKey = aliases.Where(a => a.TargetKeyId is not null)
            .GroupBy(a => a.TargetKeyId!, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Select(a => a.AliasName).Order(StringComparer.Ordinal).ToImmutableArray(), StringComparer.Ordinal);
        var keys = new AuditKey?[arns.Count];
        await ForEachAsync(Enumerable.Range(0, arns.Count), scope, async (i, ct) =>
        {
            var described = await UnknownAsync(() => account.DescribeKeyAsync(region, arns[i], ct)).ConfigureAwait(false);
            if (described is null)
            {
                return;
            }

            // A key whose policy cannot be read cannot be judged; it is left out rather than guessed at.
            var policy = await UnknownAsync(() => account.GetKeyPolicyAsync(described.Arn, ct)).ConfigureAwait(false);
            if (policy is null)
            {
                return;
            }

            var grants = await UnknownAsync(async () => (ImmutableArray<KmsGrant>?)await reads.ListGrantDetailsAsync(described.Arn, ct).ConfigureAwait(false)).ConfigureAwait(false);
            keys[i] = new AuditKey(described.Arn, described.Manager, described.State, policy, grants ?? [], aliasesByKey.GetValueOrDefault(described.KeyId, []));
        }, cancellationToken).ConfigureAwait(false);
        return [.. keys.OfType<AuditKey>()];
    }

    private async Task<OrganizationFacts?> OrganizationAsync(string accountId, CancellationToken cancellationToken)
    {
        try
        {
            var organization = await reads.DescribeAccountOrganizationAsync(accountId, cancellationToken).ConfigureAwait(false);
            return organization is null ? null : new OrganizationFacts(organization.OrganizationId);
        }
        catch (CloudOperationException e) when (ReadFailure.MeansUnknown(e) || e.Kind is CloudErrorKind.Service or CloudErrorKind.InvalidRequest)
        {
            // Unknown membership: STALE findings about organization members are held back (docs/audit.md).
            return null;
        }
    }

    private static Task ForEachAsync<T>(IEnumerable<T> items, AuditScope scope, Func<T, CancellationToken, ValueTask> body, CancellationToken cancellationToken) =>
        Parallel.ForEachAsync(items, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, scope.Concurrency), CancellationToken = cancellationToken }, body);

    private static async Task<T?> UnknownAsync<T>(Func<Task<T>> read)
    {
        try
        {
            return await read().ConfigureAwait(false);
        }
        catch (CloudOperationException e) when (ReadFailure.MeansUnknown(e) || e.Kind is CloudErrorKind.NotFound or CloudErrorKind.InvalidState)
        {
            return default;
        }
    }
}
