using System.Collections.Immutable;
using AmiShare.Core.Model;

namespace AmiShare.Core.Ports;

/// <summary>
/// The calls the share workflow makes with one set of credentials (the source account, or a target account),
/// shaped like the AWS APIs they stand for so each method is one request (paginated reads excepted). The AWS
/// adapter (src/AmiShare.Aws) implements it with the AWS SDK; the same implementation talks to LocalCloud.
/// Something absent is an answer, not a failure: a described resource that does not exist or is not visible is null,
/// and ids asked for in a list read are left out of the answer. Every failure surfaces as
/// <see cref="CloudOperationException"/> with a <see cref="CloudErrorKind"/>;
/// throttling is retried inside the adapter and never reaches the caller unless retries run out.
/// </summary>
public interface ICloudAccount
{
    /// <summary>STS GetCallerIdentity; cached by the adapter.</summary>
    Task<CallerIdentity> GetCallerIdentityAsync(CancellationToken cancellationToken);

    // EC2 -----------------------------------------------------------------------------------------------

    /// <summary>DescribeImages with <c>Owners=self</c>, optionally narrowed to ids, exact names, or copies AmiShare tagged; unknown ids are left out.</summary>
    Task<IReadOnlyList<ImageDescription>> DescribeOwnedImagesAsync(string region, ImageQuery query, CancellationToken cancellationToken);

    /// <summary>DescribeImages by id for any image the caller can see (owned, shared with it, or public); null when not visible.</summary>
    Task<ImageDescription?> DescribeVisibleImageAsync(string region, string imageId, CancellationToken cancellationToken);

    /// <summary>DescribeImageAttribute launchPermission.</summary>
    Task<LaunchPermissionList> GetLaunchPermissionsAsync(string region, string imageId, CancellationToken cancellationToken);

    /// <summary>ModifyImageAttribute launchPermission, adding and removing in one call.</summary>
    Task ModifyLaunchPermissionsAsync(string region, string imageId, IReadOnlyCollection<ShareTarget> add, IReadOnlyCollection<ShareTarget> remove, CancellationToken cancellationToken);

    /// <summary>DescribeSnapshots by id (owned or shared with the caller); ids not visible are left out.</summary>
    Task<IReadOnlyList<SnapshotDescription>> DescribeSnapshotsAsync(string region, IReadOnlyCollection<string> snapshotIds, CancellationToken cancellationToken);

    /// <summary>DescribeSnapshotAttribute createVolumePermission: the account ids.</summary>
    Task<ImmutableArray<string>> GetCreateVolumePermissionsAsync(string region, string snapshotId, CancellationToken cancellationToken);

    /// <summary>ModifySnapshotAttribute createVolumePermission.</summary>
    Task ModifyCreateVolumePermissionsAsync(string region, string snapshotId, IReadOnlyCollection<string> addAccounts, IReadOnlyCollection<string> removeAccounts, CancellationToken cancellationToken);

    /// <summary>CopyImage (encrypted under <paramref name="kmsKeyId"/> when given), tagging the copy; the client token makes a retried call return the same image.</summary>
    Task<string> CopyImageAsync(CopyImageCommand command, CancellationToken cancellationToken);

    /// <summary>RunInstances of one instance; with <paramref name="dryRun"/>, returns null when the call would have succeeded (DryRunOperation).</summary>
    Task<string?> RunInstanceAsync(string region, string imageId, string instanceType, string? subnetId, bool dryRun, CancellationToken cancellationToken);

    Task<InstanceDescription?> DescribeInstanceAsync(string region, string instanceId, CancellationToken cancellationToken);

    Task TerminateInstanceAsync(string region, string instanceId, CancellationToken cancellationToken);

    /// <summary>GetEbsDefaultKmsKeyId: the key ARN or alias ARN EC2 uses when no key is named.</summary>
    Task<string> GetEbsDefaultKmsKeyIdAsync(string region, CancellationToken cancellationToken);

    // KMS -----------------------------------------------------------------------------------------------

    /// <summary>DescribeKey by ARN, id, alias name or alias ARN; null when no such key exists.</summary>
    Task<KeyDescription?> DescribeKeyAsync(string region, string keyId, CancellationToken cancellationToken);

    Task<string> GetKeyPolicyAsync(string keyArn, CancellationToken cancellationToken);

    Task PutKeyPolicyAsync(string keyArn, string policy, CancellationToken cancellationToken);

    Task<ImmutableArray<GrantState>> ListGrantsAsync(string keyArn, CancellationToken cancellationToken);

    /// <summary>CreateGrant; returns the grant id.</summary>
    Task<string> CreateGrantAsync(string keyArn, string granteePrincipal, IReadOnlyCollection<string> operations, string name, CancellationToken cancellationToken);

    Task RevokeGrantAsync(string keyArn, string grantId, CancellationToken cancellationToken);

    /// <summary>ListAliases in a region: alias name → target key id.</summary>
    Task<IReadOnlyList<KeyAlias>> ListAliasesAsync(string region, CancellationToken cancellationToken);

    /// <summary>GenerateDataKeyWithoutPlaintext with DryRun; completes when the call would have succeeded.</summary>
    Task GenerateDataKeyWithoutPlaintextDryRunAsync(string keyArn, CancellationToken cancellationToken);

    // IAM -----------------------------------------------------------------------------------------------

    /// <summary>SimulatePrincipalPolicy for one resource; the identity side of a decision, as IAM decides it.</summary>
    Task<IReadOnlyList<SimulatedDecision>> SimulatePrincipalPolicyAsync(string principalArn, IReadOnlyCollection<string> actions, string resourceArn, IReadOnlyDictionary<string, string> context, CancellationToken cancellationToken);
}

/// <param name="Arn">The caller ARN as STS reports it (an assumed-role session ARN for roles).</param>
public sealed record CallerIdentity(string Account, string Arn, string Partition = "aws");

/// <summary>Which owned images to describe; all null/empty means every owned image.</summary>
public sealed record ImageQuery(ImmutableArray<string> ImageIds = default, ImmutableArray<string> Names = default, ImmutableArray<string> CopiesOf = default)
{
    public static ImageQuery All { get; } = new();
}

/// <param name="Tags">The image's tags; AmiShare's copies carry <see cref="CopyTag"/>.</param>
public sealed record ImageDescription(
    string Id,
    string Name,
    string OwnerId,
    string Region,
    Ec2ImageState State,
    ImmutableArray<BlockDeviceDescription> BlockDevices,
    ImmutableDictionary<string, string> Tags,
    bool IsPublic = false,
    string? StateReason = null)
{
    /// <summary>Tag AmiShare puts on a copy it makes: the id of the image it copied.</summary>
    public const string CopyTag = "amishare:copy-of";

    /// <summary>On a copy into another Region: the Region of the image it copied.</summary>
    public const string SourceRegionTag = "amishare:source-region";

    public string? CopyOf => Tags.TryGetValue(CopyTag, out var id) ? id : null;
}

/// <param name="KmsKeyId">As EC2 reports it on the mapping, when encrypted.</param>
public sealed record BlockDeviceDescription(string DeviceName, string? SnapshotId, bool Encrypted, string? KmsKeyId = null);

public sealed record LaunchPermissionList(ImmutableArray<ShareTarget> Targets, bool IsPublic);

public sealed record SnapshotDescription(string Id, string Region, string OwnerId, bool Encrypted, string? KmsKeyId, Ec2SnapshotState State);

public sealed record CopyImageCommand(
    string Region,
    string SourceRegion,
    string SourceImageId,
    string Name,
    string? KmsKeyId,
    string ClientToken,
    ImmutableDictionary<string, string> Tags);

/// <param name="StateReasonCode">For example <c>Client.InvalidKMSKey.InvalidState</c>.</param>
/// <param name="RootVolumeId">The EBS volume of the root device, once attached.</param>
public sealed record InstanceDescription(string Id, Ec2InstanceState State, string? StateReasonCode, string? StateReasonMessage, string? RootVolumeId);

/// <param name="Manager">AWS or CUSTOMER.</param>
/// <param name="State">Enabled, Disabled, PendingDeletion, …</param>
/// <param name="MultiRegionArns">Primary (first) and replica ARNs of a multi-Region key, this one included; empty otherwise.</param>
public sealed record KeyDescription(string Arn, string KeyId, KeyManager Manager, KeyStatus State, ImmutableArray<string> MultiRegionArns);

public sealed record KeyAlias(string AliasName, string? TargetKeyId);

/// <param name="MatchedStatements">Source policy ids (and Sids when known) that decided.</param>
public sealed record SimulatedDecision(string Action, SimulationDecision Decision, ImmutableArray<string> MatchedStatements)
{
    public bool IsAllowed => Decision == SimulationDecision.Allowed;
}
