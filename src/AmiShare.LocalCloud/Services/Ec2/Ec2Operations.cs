using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using AmiShare.LocalCloud.Hosting;
using AmiShare.LocalCloud.Protocol;
using AmiShare.LocalCloud.Services.Kms;
using AmiShare.LocalCloud.State;
using AmiShare.Policy.Sharing;

namespace AmiShare.LocalCloud.Services.Ec2;

/// <summary>
/// The EC2 service: images, snapshots, volumes, instances and sharing, per account and region (the region
/// comes from the credential scope), every action authorized through the policy engine and every block of
/// content kept under real envelope encryption (<see cref="Ec2ContentStore"/>, data keys from KMS through
/// <see cref="IKmsForEc2"/>, called as the caller via EC2). See docs/localcloud.md, "EC2".
/// </summary>
public sealed partial class Ec2Operations : IServiceOperations, IContentDigestSource
{
    private const int InstanceLimit = 20;
    private readonly LocalCloudContext cloud;
    private readonly IKmsForEc2? kms;
    private readonly Ec2ContentStore content;

    public Ec2Operations(LocalCloudContext cloud, IKmsForEc2? kms)
    {
        ArgumentNullException.ThrowIfNull(cloud);
        this.cloud = cloud;
        this.kms = kms;
        content = new Ec2ContentStore(cloud.State.DataFilePath);
        cloud.State.DisposeWith(content);
        SeedPublicImages();
        CollectUnreferencedContent();
    }

    public AwsServiceDescriptor Service => AwsServices.Ec2;

    /// <summary>The block store, for tests that check what is stored.</summary>
    public Ec2ContentStore Content => content;

    public IReadOnlyDictionary<string, OperationHandler> Operations => new Dictionary<string, OperationHandler>
    {
        ["DescribeImages"] = Sync(DescribeImages),
        ["DescribeImageAttribute"] = Sync(DescribeImageAttribute),
        ["ModifyImageAttribute"] = Sync(ModifyImageAttribute),
        ["ResetImageAttribute"] = Sync(ResetImageAttribute),
        ["CancelImageLaunchPermission"] = Sync(CancelImageLaunchPermission),
        ["CreateImage"] = Sync(CreateImage),
        ["RegisterImage"] = Sync(RegisterImage),
        ["DeregisterImage"] = Sync(DeregisterImage),
        ["DisableImage"] = Sync(DisableImage),
        ["EnableImage"] = Sync(EnableImage),
        ["CopyImage"] = Sync(CopyImage),
        ["CreateTags"] = Sync(CreateTags),
        ["DeleteTags"] = Sync(DeleteTags),
        ["DescribeSnapshots"] = Sync(DescribeSnapshots),
        ["DescribeSnapshotAttribute"] = Sync(DescribeSnapshotAttribute),
        ["ModifySnapshotAttribute"] = Sync(ModifySnapshotAttribute),
        ["ResetSnapshotAttribute"] = Sync(ResetSnapshotAttribute),
        ["CreateSnapshot"] = Sync(CreateSnapshot),
        ["CopySnapshot"] = Sync(CopySnapshot),
        ["DeleteSnapshot"] = Sync(DeleteSnapshot),
        ["CreateVolume"] = Sync(CreateVolume),
        ["DescribeVolumes"] = Sync(DescribeVolumes),
        ["DeleteVolume"] = Sync(DeleteVolume),
        ["RunInstances"] = Sync(RunInstances),
        ["DescribeInstances"] = Sync(DescribeInstances),
        ["TerminateInstances"] = Sync(TerminateInstances),
        ["GetEbsDefaultKmsKeyId"] = Sync(GetEbsDefaultKmsKeyId),
        ["ModifyEbsDefaultKmsKeyId"] = Sync(ModifyEbsDefaultKmsKeyId),
        ["ResetEbsDefaultKmsKeyId"] = Sync(ResetEbsDefaultKmsKeyId),
        ["EnableEbsEncryptionByDefault"] = Sync(EnableEbsEncryptionByDefault),
        ["DisableEbsEncryptionByDefault"] = Sync(DisableEbsEncryptionByDefault),
        ["GetEbsEncryptionByDefault"] = Sync(GetEbsEncryptionByDefault),
        ["EnableImageBlockPublicAccess"] = Sync(EnableImageBlockPublicAccess),
        ["DisableImageBlockPublicAccess"] = Sync(DisableImageBlockPublicAccess),
        ["GetImageBlockPublicAccessState"] = Sync(GetImageBlockPublicAccessState),
        ["DescribeRegions"] = Sync(DescribeRegions),
    };

    public Task<string?> FindContentSha256Async(string snapshotOrVolumeId, CancellationToken cancellationToken)
    {
        var found = cloud.State.Read(view =>
        {
            if (view.List(Ec2EntityKinds.Snapshot).FirstOrDefault(s => s.SnapshotId == snapshotOrVolumeId) is { } snapshot)
            {
                return new EbsSource(snapshot.SnapshotId, snapshot.Content, snapshot.Encrypted, snapshot.KmsKeyId, snapshot.DataKeyCiphertext, snapshot.DataKeyContextId);
            }

            return view.List(Ec2EntityKinds.Volume).FirstOrDefault(v => v.VolumeId == snapshotOrVolumeId) is { } volume
                ? new EbsSource(volume.VolumeId, volume.Content, volume.Encrypted, volume.KmsKeyId, volume.DataKeyCiphertext, volume.DataKeyContextId)
                : null;
        });
        if (found is null)
        {
            return Task.FromResult<string?>(null);
        }

        // The admin path is an emulator backdoor, not an AWS API: it unwraps the data key with the key material
        // directly (no caller, no authorization, no trail) and really decrypts every block, so a tampered or
        // missing block is reported instead of a digest.
        byte[]? dataKey = null;
        try
        {
            if (found.Encrypted)
            {
                if (found.KmsKeyId is null || found.DataKeyCiphertext is null)
                {
                    throw new ContentDigestException($"{snapshotOrVolumeId} is encrypted but has no data key.");
                }

                var context = new Dictionary<string, string>(StringComparer.Ordinal) { [KmsForEc2.EbsContextKey] = found.DataKeyContextId ?? found.Id };
                dataKey = cloud.Kms.UnwrapDataKeyForAdminDigest(found.KmsKeyId, found.DataKeyCiphertext, context)
                    ?? throw new ContentDigestException($"The data key of {snapshotOrVolumeId} does not open under {found.KmsKeyId}.");
            }

            return Task.FromResult<string?>(content.Sha256(found.Content, dataKey));
        }
        catch (CryptographicException)
        {
            throw new ContentDigestException($"A block of {snapshotOrVolumeId} does not decrypt: its stored ciphertext was altered.");
        }
        catch (InvalidOperationException e)
        {
            throw new ContentDigestException($"The content of {snapshotOrVolumeId} is incomplete: {e.Message}");
        }
        finally
        {
            if (dataKey is not null)
            {
                CryptographicOperations.ZeroMemory(dataKey);
            }
        }
    }

    private static OperationHandler Sync(Func<OperationRequest, OperationResponse> handler) => request => Task.FromResult(handler(request));

    // ---------- errors and validation ----------

    internal static AwsServiceException Error(string code, string message) => new(code, message, 400);

    private static readonly Regex ImageIdPattern = new("^ami-[0-9a-f]{8}([0-9a-f]{9})?$", RegexOptions.CultureInvariant);
    private static readonly Regex SnapshotIdPattern = new("^snap-[0-9a-f]{8}([0-9a-f]{9})?$", RegexOptions.CultureInvariant);
    private static readonly Regex VolumeIdPattern = new("^vol-[0-9a-f]{8}([0-9a-f]{9})?$", RegexOptions.CultureInvariant);
    private static readonly Regex InstanceIdPattern = new("^i-[0-9a-f]{8}([0-9a-f]{9})?$", RegexOptions.CultureInvariant);
    private static readonly Regex AccountIdPattern = new("^[0-9]{12}$", RegexOptions.CultureInvariant);
    private static readonly Regex OrganizationArnPattern = new("^arn:aws:organizations::[0-9]{12}:organization/o-[a-z0-9]{10,32}$", RegexOptions.CultureInvariant);
    private static readonly Regex UnitArnPattern = new("^arn:aws:organizations::[0-9]{12}:ou/o-[a-z0-9]{10,32}/ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}$", RegexOptions.CultureInvariant);

    private static string CheckImageId(string id) => ImageIdPattern.IsMatch(id) ? id
        : throw Error("InvalidAMIID.Malformed", $"Invalid id: \"{id}\" (expecting \"ami-...\")");

    private static string CheckSnapshotId(string id) => SnapshotIdPattern.IsMatch(id) ? id
        : throw Error("InvalidSnapshotID.Malformed", $"Invalid id: \"{id}\" (expecting \"snap-...\")");

    private static string CheckVolumeId(string id) => VolumeIdPattern.IsMatch(id) ? id
        : throw Error("InvalidVolumeID.Malformed", $"Invalid id: \"{id}\" (expecting \"vol-...\")");

    private static string CheckInstanceId(string id) => InstanceIdPattern.IsMatch(id) ? id
        : throw Error("InvalidInstanceID.Malformed", $"Invalid id: \"{id}\"");

    private static string CheckAccountId(string id) => AccountIdPattern.IsMatch(id) ? id
        : throw Error("InvalidUserID.Malformed", $"Invalid user id: \"{id}\"");

    private static AwsServiceException ImageNotFound(string id) => Error("InvalidAMIID.NotFound", $"The image id '[{id}]' does not exist");

    private static AwsServiceException SnapshotNotFound(string id) => Error("InvalidSnapshot.NotFound", $"The snapshot '{id}' does not exist.");

    private static AwsServiceException VolumeNotFound(string id) => Error("InvalidVolume.NotFound", $"The volume '{id}' does not exist.");

    private static AwsServiceException InstanceNotFound(string id) => Error("InvalidInstanceID.NotFound", $"The instance ID '{id}' does not exist");

    private static AwsServiceException NotOwner(string kind, string id) => Error("AuthFailure", $"Not authorized for {kind}:{id}");

    private string CheckRegion(string region, string parameter) => cloud.Organization.IsKnownRegion(region) ? region
        : throw Error("InvalidParameterValue", $"Invalid value '{region}' for {parameter}: the region is not one of this cloud's regions ({string.Join(", ", cloud.Organization.Regions)}).");

    private static bool Bool(QueryParameters parameters, string name, bool fallback = false) => parameters.GetBoolean(name) ?? fallback;

    // ---------- sharing ----------

    private SharingDecision Covers(OperationRequest request, ResourceSharing sharing, bool organizationEntries)
    {
        var account = request.Caller.AccountId;
        var path = cloud.Organization.OrganizationPathOf(account);
        return SharingRules.Evaluate(sharing, account, cloud.Organization.OrganizationIdOf(account), path is null ? [] : [path], organizationEntries);
    }

    private bool CanSee(OperationRequest request, Ec2Image image) =>
        image.OwnerId == request.Caller.AccountId || (image.State != "disabled" && Covers(request, image.Sharing, true).Allowed);

    private bool CanSee(OperationRequest request, Ec2Snapshot snapshot) => Covers(request, snapshot.Sharing, false).Allowed;

    // ---------- lookups ----------

    private static Ec2Image? FindImage(IStateView view, string region, string imageId) =>
        view.List(Ec2EntityKinds.Image, null, region).FirstOrDefault(i => i.ImageId == imageId);

    private static Ec2Snapshot? FindSnapshot(IStateView view, string region, string snapshotId) =>
        view.List(Ec2EntityKinds.Snapshot, null, region).FirstOrDefault(s => s.SnapshotId == snapshotId);

    private Ec2Image VisibleImage(OperationRequest request, string region, string imageId)
    {
        CheckImageId(imageId);
        var image = cloud.State.Read(view => FindImage(view, region, imageId));
        return image is not null && CanSee(request, image) ? image : throw ImageNotFound(imageId);
    }

    private Ec2Image OwnedImage(OperationRequest request, string imageId)
    {
        var image = VisibleImage(request, request.Region, imageId);
        return image.OwnerId == request.Caller.AccountId ? image : throw NotOwner("image", imageId);
    }

    private Ec2Snapshot VisibleSnapshot(OperationRequest request, string region, string snapshotId)
    {
        CheckSnapshotId(snapshotId);
        var snapshot = cloud.State.Read(view => FindSnapshot(view, region, snapshotId));
        return snapshot is not null && CanSee(request, snapshot) ? snapshot : throw SnapshotNotFound(snapshotId);
    }

    private Ec2Snapshot OwnedSnapshot(OperationRequest request, string snapshotId)
    {
        var snapshot = VisibleSnapshot(request, request.Region, snapshotId);
        return snapshot.OwnerId == request.Caller.AccountId ? snapshot : throw NotOwner("snapshot", snapshotId);
    }

    private Ec2AccountSettings Settings(string accountId, string region) =>
        cloud.State.Read(view => view.Find(Ec2EntityKinds.Settings, Ec2EntityKinds.SettingsKey(accountId, region))) ?? new Ec2AccountSettings();

    private void PutSettings(string accountId, string region, Func<Ec2AccountSettings, Ec2AccountSettings> change) =>
        cloud.State.Write(tx =>
        {
            var key = Ec2EntityKinds.SettingsKey(accountId, region);
            tx.Put(Ec2EntityKinds.Settings, key, change(tx.Find(Ec2EntityKinds.Settings, key) ?? new Ec2AccountSettings()));
        });

    private static string AvailabilityZoneOf(string region) => region + "a";

    // ---------- content lifetime ----------

    /// <summary>Deletes stored blocks no snapshot or volume references any more.</summary>
    private void ReleaseContent(params IEnumerable<Ec2ContentRef> released)
    {
        var candidates = released.Where(r => r.GeneratorSeed is null).Select(r => r.ContentId).ToHashSet(StringComparer.Ordinal);
        if (candidates.Count == 0)
        {
            return;
        }

        var referenced = ReferencedContent();
        foreach (var id in candidates.Where(id => !referenced.Contains(id)))
        {
            content.Delete(id);
        }
    }

    private HashSet<string> ReferencedContent() => cloud.State.Read(view =>
        view.List(Ec2EntityKinds.Snapshot).Select(s => s.Content.ContentId)
            .Concat(view.List(Ec2EntityKinds.Volume).Select(v => v.Content.ContentId))
            .ToHashSet(StringComparer.Ordinal));

    /// <summary>At start: blocks written by an operation that did not commit (a crash) belong to nothing.</summary>
    private void CollectUnreferencedContent()
    {
        var referenced = ReferencedContent();
        foreach (var id in content.StoredContentIds().Where(id => !referenced.Contains(id)))
        {
            content.Delete(id);
        }
    }

    // ---------- seed ----------

    /// <summary>Deterministic snapshot id of a public seed image.</summary>
    public static string SeedSnapshotId(string imageId) =>
        "snap-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(imageId)))[..17];

    private void SeedPublicImages()
    {
        var created = DateTimeOffset.Parse("2024-01-01T00:00:00Z", CultureInfo.InvariantCulture);
        cloud.State.Write(tx =>
        {
            foreach (var seed in cloud.Seed.PublicImages)
            {
                var imageKey = new EntityKey(seed.OwnerId, seed.Region, seed.ImageId);
                if (tx.Find(Ec2EntityKinds.Image, imageKey) is not null)
                {
                    continue;
                }

                var snapshotId = SeedSnapshotId(seed.ImageId);
                tx.Put(Ec2EntityKinds.Snapshot, new EntityKey(seed.OwnerId, seed.Region, snapshotId), new Ec2Snapshot
                {
                    SnapshotId = snapshotId,
                    OwnerId = seed.OwnerId,
                    OwnerAlias = seed.OwnerAlias,
                    Region = seed.Region,
                    VolumeId = "vol-ffffffff",
                    VolumeSize = seed.SizeGiB,
                    Description = $"Snapshot of {seed.Name}",
                    StartTime = created,
                    Content = new Ec2ContentRef("seed-" + seed.ImageId, (long)seed.ContentMiB * Ec2ContentStore.BlockSize, seed.ImageId),
                    CreateVolumePermissions = [new Ec2Permission(Group: "all")],
                });
                tx.Put(Ec2EntityKinds.Image, imageKey, new Ec2Image
                {
                    ImageId = seed.ImageId,
                    OwnerId = seed.OwnerId,
                    OwnerAlias = seed.OwnerAlias,
                    Region = seed.Region,
                    Name = seed.Name,
                    Description = seed.Name,
                    CreationDate = created,
                    RootDeviceName = seed.RootDeviceName,
                    BlockDevices = [new Ec2ImageBlockDevice(seed.RootDeviceName, snapshotId, seed.SizeGiB, "gp2", true, false)],
                    LaunchPermissions = [new Ec2Permission(Group: "all")],
                });
            }
        });
    }

    // ---------- request helpers ----------

    /// <summary>EC2 filters: <c>Filter.N.Name</c> / <c>Filter.N.Value.M</c>; values may use <c>*</c> and <c>?</c>.</summary>
    private static List<(string Name, List<Regex> Values)> Filters(OperationRequest request, IReadOnlyCollection<string> supported)
    {
        var filters = new List<(string, List<Regex>)>();
        foreach (var filter in request.Parameters.GetStructureList("Filter"))
        {
            var name = filter.GetRequiredString("Name");

            // "tag:" in the supported list stands for every tag:KEY filter (the key is the user's).
            var tagFilter = name.Length > 4 && name.StartsWith("tag:", StringComparison.Ordinal) && supported.Contains("tag:");
            if (!supported.Contains(name) && !tagFilter)
            {
                throw Error("InvalidParameterValue", $"The filter '{name}' is invalid");
            }

            filters.Add((name, [.. filter.GetList("Value").Select(Wildcard)]));
        }

        return filters;
    }

    private static Regex Wildcard(string pattern) =>
        new("^" + Regex.Escape(pattern).Replace("\\*", ".*", StringComparison.Ordinal).Replace("\\?", ".", StringComparison.Ordinal) + "$", RegexOptions.CultureInvariant | RegexOptions.Singleline);

    /// <summary>
    /// The common core of Describe*: every requested id must be among what the caller sees (else that id's
    /// NotFound error), then the requested items (all, when none were named) that pass the filters.
    /// </summary>
    private static IEnumerable<T> Requested<T>(
        IReadOnlyList<T> visible,
        IReadOnlyList<string> ids,
        Func<T, string> idOf,
        Func<string, AwsServiceException> notFound,
        List<(string Name, List<Regex> Values)> filters,
        Func<T, string, string?[]> values)
    {
        foreach (var id in ids)
        {
            if (!visible.Any(item => idOf(item) == id))
            {
                throw notFound(id);
            }
        }

        return visible.Where(item => (ids.Count == 0 || ids.Contains(idOf(item))) && Passes(item, filters, values));
    }

    private static bool Passes<T>(T item, List<(string Name, List<Regex> Values)> filters, Func<T, string, string?[]> values) =>
        filters.All(f => values(item, f.Name).Any(v => v is not null && f.Values.Any(p => p.IsMatch(v))));

    /// <summary>MaxResults/NextToken paging over a stable order; the token is the offset, opaque to clients.</summary>
    private static (List<T> Page, string? NextToken) Paginate<T>(OperationRequest request, List<T> items, int minimum, int maximum, bool idsGiven)
    {
        var max = request.Parameters.GetInt32("MaxResults");
        var token = request.Parameters.GetString("NextToken");
        if (max is null && token is null)
        {
            return (items, null);
        }

        if (idsGiven && max is not null)
        {
            throw Error("InvalidParameterCombination", "The parameter MaxResults cannot be used with the parameter ids.");
        }

        if (max is { } m && (m < minimum || m > maximum))
        {
            throw Error("InvalidParameterValue", $"Value ( {m} ) for parameter maxResults is invalid. Expecting a value between {minimum} and {maximum}.");
        }

        var offset = 0;
        if (token is not null)
        {
            try
            {
                offset = int.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(token)), NumberStyles.None, CultureInfo.InvariantCulture);
            }
            catch (Exception e) when (e is FormatException or OverflowException)
            {
                throw Error("InvalidParameterValue", $"Invalid value '{token}' for NextToken");
            }
        }

        var size = max ?? maximum;
        var page = items.Skip(offset).Take(size).ToList();
        var next = offset + size < items.Count ? Convert.ToBase64String(Encoding.UTF8.GetBytes((offset + size).ToString(CultureInfo.InvariantCulture))) : null;
        return (page, next);
    }

    private static string RequestFingerprint(OperationRequest request) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('&', request.Parameters.All
            .Where(p => p.Key is not ("ClientToken" or "DryRun" or "Action" or "Version"))
            .OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => p.Key + "=" + p.Value)))));

    // ---------- XML ----------

    internal static XElement? Optional(string name, object? value) => value is null ? null : new XElement(name, value is bool b ? XmlShapes.Boolean(b) : value);

    /// <summary>An EC2 <c>&lt;item&gt;</c> list whose items may hold absent (null) optional members.</summary>
    internal static XElement Items(string name, IEnumerable<IEnumerable<XElement?>> items) =>
        XmlShapes.ItemList(name, items.Select(item => item.OfType<XElement>()));

    internal static OperationResponse Respond(params IEnumerable<XElement?> elements) => OperationResponse.Xml(elements.OfType<XElement>());

    internal static XElement Return(bool value = true) => new("return", XmlShapes.Boolean(value));

    private static XElement StateReason(string? code, string? message) =>
        new("stateReason", new XElement("code", code), new XElement("message", message));
}
