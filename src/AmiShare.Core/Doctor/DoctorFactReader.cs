using System.Collections.Immutable;
using AmiShare.Core.Model;
using AmiShare.Core.Ports;
using AmiShare.Policy.Kms;

namespace AmiShare.Core.Doctor;

/// <param name="PrincipalArn">The launching principal (<c>--principal</c>); null: the target credentials' caller, else the target's root.</param>
public sealed record DoctorRequest(string ImageId, string Region, string TargetAccount, string? PrincipalArn = null, DoctorOptions? Options = null);

/// <summary>One side of doctor: the share workflow's calls and the read-only ones, with the same credentials.</summary>
public sealed record DoctorSide(ICloudAccount Account, IAuditReads Reads);

/// <summary>
/// Reads the <see cref="DoctorFacts"/> for one image and one launching principal: the image, its snapshots and keys
/// from the source credentials, the launching side from the target's. A read the credentials may not make (or an
/// API the endpoint does not offer) leaves its fact null, which <see cref="DoctorRules"/> reports as UNKNOWN with
/// the access that would settle it; nothing is guessed. Read-only: doctor changes nothing.
/// </summary>
public sealed class DoctorFactReader(DoctorSide source, DoctorSide? target)
{
    public async Task<DoctorFacts> ReadAsync(DoctorRequest request, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var options = request.Options ?? DoctorOptions.LaunchOnly;
        var sourceCaller = await source.Account.GetCallerIdentityAsync(cancellationToken).ConfigureAwait(false);

        // The source credentials may be the target's own (doctor run from the target account alone).
        var launching = target ?? (sourceCaller.Account == request.TargetAccount ? source : null);
        var launchingCaller = launching is null ? null : await launching.Account.GetCallerIdentityAsync(cancellationToken).ConfigureAwait(false);

        progress?.Report($"reading {request.ImageId} in {request.Region}");
        var image = await ReadImageAsync(request, options, sourceCaller, launching, cancellationToken).ConfigureAwait(false);

        progress?.Report("reading the image's keys");
        var keys = ImmutableArray.CreateBuilder<DoctorKey>();
        foreach (var keyId in image.Snapshots.Select(s => s.KeyArn).OfType<string>().Distinct(StringComparer.Ordinal))
        {
            if (await ReadKeyAsync(source, request.Region, keyId, cancellationToken).ConfigureAwait(false) is { } key)
            {
                keys.Add(key);
            }
        }

        var resolved = image with
        {
            Snapshots = [.. image.Snapshots.Select(s => s.KeyArn is null ? s : s with { KeyArn = keys.FirstOrDefault(k => Matches(k, s.KeyArn))?.Arn ?? s.KeyArn })],
        };

        var principal = request.PrincipalArn ?? launchingCaller?.Arn ?? request.TargetAccount;
        progress?.Report($"reading the launching side ({principal})");
        var targetFacts = launching is null
            ? new DoctorTarget(request.TargetAccount, principal)
            : await ReadTargetAsync(launching, request, principal, cancellationToken).ConfigureAwait(false);

        var settings = options.Copy && image.OwnerId == sourceCaller.Account
            ? await UnknownOnRefusalAsync(() => source.Reads.GetPublicAccessSettingsAsync(request.Region, cancellationToken)).ConfigureAwait(false)
            : null;
        progress?.Report("reading the organization's SCPs");
        var scps = await ReadScpsAsync(sourceCaller, resolved, request.TargetAccount, launching, cancellationToken).ConfigureAwait(false);
        return new DoctorFacts(resolved, keys.ToImmutable(), targetFacts, options, settings) { ServiceControlPolicies = scps };
    }

    /// <summary>
    /// The SCPs over the owner's account (for the sharer) and the target's (for the launcher), read with whichever
    /// credentials Organizations answers (the management account or a delegated administrator); null when neither.
    /// </summary>
    private async Task<DoctorScpFacts?> ReadScpsAsync(CallerIdentity sourceCaller, DoctorImage image, string targetAccount, DoctorSide? launching, CancellationToken cancellationToken)
    {
        var readers = new[] { source, launching }.Select(s => s?.Account as IOrganizationReads).OfType<IOrganizationReads>().Distinct().ToList();
        if (readers.Count == 0)
        {
            return null;
        }

        var sharer = image.OwnerId == sourceCaller.Account ? await ScpsOfAsync(readers, sourceCaller.Account, cancellationToken).ConfigureAwait(false) : null;
        var launcher = await ScpsOfAsync(readers, targetAccount, cancellationToken).ConfigureAwait(false);
        return sharer is null && launcher is null ? null : new DoctorScpFacts(sharer is null ? null : sourceCaller.Arn, sharer, launcher);
    }

    private static async Task<AccountServiceControlPolicies?> ScpsOfAsync(List<IOrganizationReads> readers, string accountId, CancellationToken cancellationToken)
    {
        foreach (var reader in readers)
        {
            var read = await UnknownOnRefusalAsync(() => reader.ListServiceControlPoliciesAsync(accountId, cancellationToken), alsoNotFound: true, alsoService: true).ConfigureAwait(false);
            if (read is not null)
            {
                return read;
            }
        }

        return null;
    }

    private async Task<DoctorImage> ReadImageAsync(DoctorRequest request, DoctorOptions options, CallerIdentity sourceCaller, DoctorSide? launching, CancellationToken cancellationToken)
    {
        var owned = await OwnedImageAsync(request, cancellationToken).ConfigureAwait(false);
        var described = owned
            ?? await source.Account.DescribeVisibleImageAsync(request.Region, request.ImageId, cancellationToken).ConfigureAwait(false)
            ?? (launching is null ? null : await launching.Account.DescribeVisibleImageAsync(request.Region, request.ImageId, cancellationToken).ConfigureAwait(false))
            ?? throw new ShareRefusedException(
                RefusalReason.ImageNotVisible,
                $"{request.ImageId} is not visible to {sourceCaller.Account} in {request.Region}{(launching is null ? string.Empty : " nor to the target")}.",
                $"check the image id and --region, and run doctor with the owner's credentials (--profile or --role-arn)");

        LaunchPermissionList? permissions = null;
        var snapshots = ImmutableArray.CreateBuilder<DoctorSnapshot>();
        var mapped = described.BlockDevices.Where(d => d.SnapshotId is not null).ToList();
        if (owned is not null)
        {
            permissions = await UnknownOnRefusalAsync(() => source.Account.GetLaunchPermissionsAsync(request.Region, owned.Id, cancellationToken)).ConfigureAwait(false);
            var read = await UnknownOnRefusalAsync(() => source.Account.DescribeSnapshotsAsync(request.Region, [.. mapped.Select(d => d.SnapshotId!)], cancellationToken)).ConfigureAwait(false);
            foreach (var device in mapped)
            {
                var snapshot = read?.FirstOrDefault(s => s.Id == device.SnapshotId);
                var encrypted = snapshot?.Encrypted ?? device.Encrypted;
                var copyPermissions = options.Copy
                    ? await UnknownOnRefusalAsync(() => source.Reads.GetSnapshotPermissionsAsync(request.Region, device.SnapshotId!, cancellationToken)).ConfigureAwait(false)
                    : null;
                snapshots.Add(new DoctorSnapshot(device.SnapshotId!, encrypted, encrypted ? snapshot?.KmsKeyId ?? device.KmsKeyId : null, copyPermissions?.Accounts ?? default, copyPermissions?.IsPublic ?? false));
            }
        }
        else
        {
            // Not the owner: EC2 shows the mapping, and the key only when it names one.
            snapshots.AddRange(mapped.Select(d => new DoctorSnapshot(d.SnapshotId!, d.Encrypted, d.Encrypted ? d.KmsKeyId : null, default)));
        }

        return new DoctorImage(described.Id, request.Region, described.OwnerId, Availability(described.State), permissions, snapshots.ToImmutable(), described.Name)
        {
            Partition = sourceCaller.Partition,
        };
    }

    private async Task<ImageDescription?> OwnedImageAsync(DoctorRequest request, CancellationToken cancellationToken)
    {
        try
        {
            var images = await source.Account.DescribeOwnedImagesAsync(request.Region, new ImageQuery(ImageIds: [request.ImageId]), cancellationToken).ConfigureAwait(false);
            return images.FirstOrDefault();
        }
        catch (CloudOperationException e) when (e.Kind == CloudErrorKind.NotFound)
        {
            return null;
        }
    }

    private async Task<DoctorTarget> ReadTargetAsync(DoctorSide launching, DoctorRequest request, string principal, CancellationToken cancellationToken)
    {
        var identity = await UnknownOnRefusalAsync(() => launching.Reads.GetPrincipalPoliciesAsync(principal, cancellationToken), alsoNotFound: true).ConfigureAwait(false);
        DoctorKey? defaultKey = null;
        var defaultKeyId = await UnknownOnRefusalAsync(() => launching.Account.GetEbsDefaultKmsKeyIdAsync(request.Region, cancellationToken)).ConfigureAwait(false);
        if (defaultKeyId is not null)
        {
            defaultKey = await ReadKeyAsync(launching, request.Region, defaultKeyId, cancellationToken).ConfigureAwait(false);
        }

        var allowed = await UnknownOnRefusalAsync(() => launching.Reads.GetAllowedImagesSettingsAsync(request.Region, cancellationToken)).ConfigureAwait(false);
        var organization = await UnknownOnRefusalAsync(() => launching.Reads.DescribeAccountOrganizationAsync(request.TargetAccount, cancellationToken), alsoService: true).ConfigureAwait(false);
        var visible = await launching.Account.DescribeVisibleImageAsync(request.Region, request.ImageId, cancellationToken).ConfigureAwait(false);
        return new DoctorTarget(request.TargetAccount, principal, identity, defaultKey, allowed, organization, visible is not null);
    }

    /// <summary>DescribeKey, GetKeyPolicy and ListGrants for one key; null when the key itself cannot be described.</summary>
    private static async Task<DoctorKey?> ReadKeyAsync(DoctorSide side, string region, string keyId, CancellationToken cancellationToken)
    {
        var described = await UnknownOnRefusalAsync(() => side.Account.DescribeKeyAsync(region, keyId, cancellationToken), alsoNotFound: true).ConfigureAwait(false);
        if (described is null)
        {
            return null;
        }

        var policy = await UnknownOnRefusalAsync(() => side.Account.GetKeyPolicyAsync(described.Arn, cancellationToken)).ConfigureAwait(false);
        var grants = await UnknownOnRefusalAsync(async () => (ImmutableArray<KmsGrant>?)await side.Reads.ListGrantDetailsAsync(described.Arn, cancellationToken).ConfigureAwait(false)).ConfigureAwait(false);
        return new DoctorKey(described.Arn, described.Manager, described.State, policy, grants ?? default);
    }

    private static bool Matches(DoctorKey key, string keyId) =>
        key.Arn == keyId || key.Arn.EndsWith("/" + keyId, StringComparison.Ordinal);

    /// <summary>The read's answer, or null when <see cref="ReadFailure.MeansUnknown"/> (and, where asked, when absent or unserved).</summary>
    private static async Task<T?> UnknownOnRefusalAsync<T>(Func<Task<T>> read, bool alsoNotFound = false, bool alsoService = false)
    {
        try
        {
            return await read().ConfigureAwait(false);
        }
        catch (CloudOperationException e) when (ReadFailure.MeansUnknown(e)
            || (alsoNotFound && e.Kind == CloudErrorKind.NotFound)
            || (alsoService && e.Kind is CloudErrorKind.Service or CloudErrorKind.InvalidRequest))
        {
            return default;
        }
    }

    internal static ImageAvailability Availability(Ec2ImageState state) => state.ToAvailability();
}
