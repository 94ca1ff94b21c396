using AmiShare.LocalCloud.State;

namespace AmiShare.LocalCloud.Services.CloudTrail;

/// <summary>A resource as LookupEvents reports it, plus the ARN the record's <c>resources[]</c> carries.</summary>
public sealed record TrailEventResource(string ResourceType, string ResourceName, string Arn);

/// <summary>
/// One CloudTrail event as stored in one account's event history for one region. <see cref="CloudTrailEvent"/> is
/// the complete record JSON exactly as LookupEvents returns it; the other members are the fields LookupEvents
/// filters and lists, kept beside it so a lookup never parses JSON.
/// </summary>
/// <param name="RecipientAccountId">The account whose history holds this copy (<c>recipientAccountId</c>).</param>
/// <param name="EventTime">Whole seconds, as CloudTrail records it.</param>
/// <param name="Sequence">Orders events recorded within the same second; unique across the cloud.</param>
/// <param name="ReadOnly">The record's <c>readOnly</c>; service events are recorded as not read-only.</param>
/// <param name="Username">Root: <c>root</c>; IAM user: the user name; assumed role: the session name.</param>
public sealed record TrailEventRecord(
    string EventId,
    string RecipientAccountId,
    string Region,
    DateTimeOffset EventTime,
    long Sequence,
    string EventName,
    string EventSource,
    bool ReadOnly,
    string? AccessKeyId,
    string? Username,
    IReadOnlyList<TrailEventResource> Resources,
    string CloudTrailEvent);

/// <summary>Where CloudTrail events are persisted: one row per event copy, keyed by account, region and event id.</summary>
public static class CloudTrailKinds
{
    /// <summary>Persisted name; never rename.</summary>
    public static EntityKind<TrailEventRecord> Event { get; } = new("cloudtrail.event");

    public static EntityKey Key(TrailEventRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return new EntityKey(record.RecipientAccountId, record.Region, record.EventId);
    }
}
