using System.Collections.Immutable;
using AmiShare.Core.Doctor;
using AmiShare.Policy.Kms;

namespace AmiShare.Core.Ports;

/// <summary>
/// The reads doctor and audit need beyond <see cref="ICloudAccount"/>, with one set of credentials. Read-only by
/// design: neither command changes anything. Implemented next to <see cref="ICloudAccount"/> by the AWS adapter
/// (IAM and CloudTrail through its small signed clients, docs/aws-facts.md §8) and thereby against LocalCloud. A read the
/// credentials may not make throws <see cref="CloudOperationException"/> with <see cref="CloudErrorKind.AccessDenied"/>;
/// the caller turns that into a null fact, which the rules report as UNKNOWN.
/// </summary>
public interface IAuditReads
{
    /// <summary>KMS ListKeys in a region: every key ARN of the account (audit reads each with DescribeKey and GetKeyPolicy).</summary>
    Task<IReadOnlyList<string>> ListKeyArnsAsync(string region, CancellationToken cancellationToken);

    /// <summary>KMS ListGrants with constraints, which <see cref="ICloudAccount.ListGrantsAsync"/> leaves out and the engine needs.</summary>
    Task<ImmutableArray<KmsGrant>> ListGrantDetailsAsync(string keyArn, CancellationToken cancellationToken);

    /// <summary>DescribeSnapshotAttribute createVolumePermission, with <c>Group=all</c> as <see cref="SnapshotPermissions.IsPublic"/>.</summary>
    Task<SnapshotPermissions> GetSnapshotPermissionsAsync(string region, string snapshotId, CancellationToken cancellationToken);

    /// <summary>
    /// CloudTrail LookupEvents in a region from <paramref name="since"/>, all pages, optionally narrowed by the one
    /// lookup attribute CloudTrail accepts; each element is the record's <c>CloudTrailEvent</c> JSON (read with
    /// <c>TrailRecordReader</c>).
    /// </summary>
    IAsyncEnumerable<string> LookupEventsAsync(string region, DateTimeOffset since, TrailLookup? filter, CancellationToken cancellationToken);

    /// <summary>
    /// The identity policies IAM applies to a role or user: inline and attached managed documents (default
    /// versions) and the permissions boundary. For an assumed-role session ARN, the role's.
    /// </summary>
    Task<TargetIdentity> GetPrincipalPoliciesAsync(string principalArn, CancellationToken cancellationToken);

    /// <summary>GetImageBlockPublicAccessState and GetSnapshotBlockPublicAccessState in a region.</summary>
    Task<PublicAccessSettings> GetPublicAccessSettingsAsync(string region, CancellationToken cancellationToken);

    /// <summary>GetAllowedImagesSettings in a region: state and the image providers of the criteria.</summary>
    Task<AllowedImagesSettings> GetAllowedImagesSettingsAsync(string region, CancellationToken cancellationToken);

    /// <summary>
    /// The caller's account's organization (DescribeOrganization) and, when the credentials may read it
    /// (ListParents from the management account), the account's OU path; null when not in an organization.
    /// </summary>
    Task<AccountOrganization?> DescribeAccountOrganizationAsync(string accountId, CancellationToken cancellationToken);
}

/// <param name="Accounts">Account ids with createVolumePermission.</param>
/// <param name="IsPublic">The list includes <c>Group=all</c>.</param>
public sealed record SnapshotPermissions(ImmutableArray<string> Accounts, bool IsPublic);

/// <summary>
/// The one LookupEvents attribute CloudTrail accepts per request. Narrowing matters: LookupEvents is throttled to
/// a few requests per second per account and region, so audit asks for KMS events by source and share changes by
/// name rather than paging through the whole history.
/// </summary>
public sealed record TrailLookup(string AttributeKey, string Value)
{
    public static TrailLookup EventName(string name) => new("EventName", name);

    public static TrailLookup EventSource(string source) => new("EventSource", source);
}

/// <summary>Which read failures mean "this fact is unknown" rather than "the command failed".</summary>
public static class ReadFailure
{
    /// <summary>
    /// Access denied, or an operation the endpoint does not offer (an older partition, or LocalCloud, which does
    /// not emulate every setting): the fact is reported UNKNOWN with what would let it be read. Credentials,
    /// throttling and unreachable endpoints still fail the command: they would make every fact unknown.
    /// </summary>
    public static bool MeansUnknown(CloudOperationException error)
    {
        ArgumentNullException.ThrowIfNull(error);
        return error.Kind == CloudErrorKind.AccessDenied
            || error.Code is "InvalidAction" or "UnknownOperationException" or "UnsupportedOperation" or "UnrecognizedService"
                or "AWSOrganizationsNotInUseException" or "AccessDeniedForDependencyException";
    }
}
