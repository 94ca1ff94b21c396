using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using AmiShare.LocalCloud.Auth;
using AmiShare.LocalCloud.Identifiers;
using AmiShare.LocalCloud.Protocol;
using AmiShare.LocalCloud.State;
using AmiShare.Policy.Catalogue;

namespace AmiShare.LocalCloud.Services.CloudTrail;

/// <summary>
/// An event a service records by itself (<c>eventType</c> <c>AwsServiceEvent</c>), not an API call: e.g. EBS
/// telling a snapshot's owner that another account copied it.
/// </summary>
/// <param name="RecipientAccountId">The account whose event history receives the event.</param>
/// <param name="EventSource">Service host, e.g. <c>ec2.amazonaws.com</c> (a bare <c>ec2</c> is completed).</param>
/// <param name="ServiceEventDetails">The record's <c>serviceEventDetails</c>.</param>
/// <param name="ActingAccountId">The account whose action caused the event (<c>userIdentity.accountId</c>); null: the recipient.</param>
public sealed record TrailServiceEvent(
    string RecipientAccountId,
    string Region,
    string EventSource,
    string EventName,
    IReadOnlyDictionary<string, object?> ServiceEventDetails,
    string? ActingAccountId = null,
    IReadOnlyList<TrailResource>? Resources = null);

/// <summary>
/// LocalCloud's CloudTrail: turns every authenticated API call into the record AWS would write (who, what, where,
/// parameters without secrets, outcome, resources), delivers a copy to each other account whose resource the call
/// touched (one <c>sharedEventID</c>), records calls services made on the caller's behalf and service events, and
/// keeps each account's per-region event history for <c>LookupEvents</c>. Persisted in the state's database, but
/// outside its transactions: the history lives in memory (<see cref="TrailEventIndex"/>, complete as soon as a record
/// call returns) and the state's journal thread stores it in batches behind the requests: a SQLite transaction per
/// call on the request path was the server's bottleneck.
/// </summary>
public sealed class CloudTrailRecorder
{
    /// <summary>The record format version written into <c>eventVersion</c>.</summary>
    public const string EventVersion = "1.11";

    /// <summary>What AWS writes as source, user agent and invoker of events no principal called directly.</summary>
    public const string AwsInternal = "AWS Internal";

    private static readonly JsonSerializerOptions RecordJson = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    // Reads that do not start with Get/Describe/List/Lookup but that CloudTrail classifies as read-only.
    private static readonly HashSet<string> ReadOnlyOperations = new(StringComparer.Ordinal)
    {
        "Encrypt", "Decrypt", "ReEncrypt", "GenerateDataKey", "GenerateDataKeyWithoutPlaintext", "GenerateDataKeyPair",
        "GenerateDataKeyPairWithoutPlaintext", "GenerateRandom", "GenerateMac", "VerifyMac", "Sign", "Verify",
        "AssumeRole", "DecodeAuthorizationMessage",
    };

    private readonly LocalCloudState state;
    private readonly TimeProvider time;
    private readonly IdentifierFactory ids;
    private readonly HashSet<string> accounts;
    private readonly TrailEventIndex index = new();
    private long sequence;

    internal CloudTrailRecorder(LocalCloudState state, TimeProvider time, IdentifierFactory ids, IEnumerable<string> accountIds)
    {
        this.state = state;
        this.time = time;
        this.ids = ids;
        accounts = new HashSet<string>(accountIds, StringComparer.Ordinal);
        // The index is the one in-memory copy of the history; the state keeps only the rows on disk.
        foreach (var stored in state.Detach(CloudTrailKinds.Event))
        {
            index.Add(stored);
            sequence = Math.Max(sequence, stored.Sequence);
        }
    }

    /// <summary>
    /// Records one authenticated API call after its handler ran: <paramref name="failure"/> null for success, else
    /// what the handler threw (an <see cref="AwsServiceException"/> gives <c>errorCode</c>/<c>errorMessage</c>). Also
    /// records the request's <see cref="TrailNotes.InvokedCalls"/>. Called by the request pipeline only.
    /// </summary>
    public void RecordApiCall(OperationRequest request, Exception? failure, string? sourceIpAddress, string? userAgent)
    {
        ArgumentNullException.ThrowIfNull(request);
        var caller = request.Caller;
        var identity = UserIdentity(caller, invokedBy: null);
        var drafts = new List<Draft>();

        var main = Base(identity, Host(request.Service.Name), request.Operation, request.Region, sourceIpAddress ?? "127.0.0.1", userAgent ?? "unknown");
        if (failure is not null)
        {
            var (code, message) = ErrorOf(request.Service, failure);
            main["errorCode"] = code;
            main["errorMessage"] = message;
        }

        main["requestParameters"] = TrailParameters.From(request);
        main["responseElements"] = failure is null ? TrailParameters.Scrubbed(request.Trail.ResponseElements) : null;
        main["requestID"] = request.RequestId;
        drafts.Add(new Draft(main, request.Operation, IsReadOnly(request.Operation), "AwsApiCall", caller, request.Trail.Resources));

        foreach (var call in request.Trail.InvokedCalls)
        {
            var invokedBy = Host(call.InvokedBy);
            var invoked = Base(UserIdentity(caller, invokedBy), Host(call.EventSource), call.EventName, request.Region, invokedBy, invokedBy);
            if (call.ErrorCode is not null)
            {
                invoked["errorCode"] = call.ErrorCode;
                invoked["errorMessage"] = call.ErrorMessage;
            }

            invoked["requestParameters"] = TrailParameters.Scrubbed(call.RequestParameters);
            invoked["responseElements"] = null;
            invoked["requestID"] = ids.RequestId();
            drafts.Add(new Draft(invoked, call.EventName, IsReadOnly(call.EventName), "AwsApiCall", caller, call.Resources));
        }

        Store(request.Region, caller.AccountId, drafts);
    }

    /// <summary>Records a service event in one account's history; returns the stored copies (one, or none for an unknown account).</summary>
    public IReadOnlyList<TrailEventRecord> RecordServiceEvent(TrailServiceEvent serviceEvent)
    {
        ArgumentNullException.ThrowIfNull(serviceEvent);
        var identity = new JsonObject
        {
            ["accountId"] = serviceEvent.ActingAccountId ?? serviceEvent.RecipientAccountId,
            ["invokedBy"] = AwsInternal,
        };
        var json = Base(identity, Host(serviceEvent.EventSource), serviceEvent.EventName, serviceEvent.Region, AwsInternal, AwsInternal);
        json["requestParameters"] = null;
        json["responseElements"] = null;
        var draft = new Draft(json, serviceEvent.EventName, false, "AwsServiceEvent", null, serviceEvent.Resources ?? [])
        {
            ServiceEventDetails = TrailParameters.Scrubbed(serviceEvent.ServiceEventDetails) ?? [],
        };
        return Store(serviceEvent.Region, serviceEvent.RecipientAccountId, [draft]);
    }

    /// <summary>
    /// For EC2's CopySnapshot (and CopyImage) of a snapshot another account owns: the owner's history gets
    /// <c>SharedSnapshotCopyInitiated</c>. Nothing is recorded when the copier owns the snapshot.
    /// </summary>
    public IReadOnlyList<TrailEventRecord> RecordSharedSnapshotCopyInitiated(string snapshotOwnerAccountId, string copyingAccountId, string region, string snapshotId) =>
        RecordSharedSnapshotEvent("SharedSnapshotCopyInitiated", snapshotOwnerAccountId, copyingAccountId, region, snapshotId);

    /// <summary>
    /// For EC2's CreateVolume (or a launch) from a snapshot another account owns: the owner's history gets
    /// <c>SharedSnapshotVolumeCreated</c>. Nothing is recorded when the creator owns the snapshot.
    /// </summary>
    public IReadOnlyList<TrailEventRecord> RecordSharedSnapshotVolumeCreated(string snapshotOwnerAccountId, string creatingAccountId, string region, string snapshotId) =>
        RecordSharedSnapshotEvent("SharedSnapshotVolumeCreated", snapshotOwnerAccountId, creatingAccountId, region, snapshotId);

    /// <summary>
    /// One page of an account's history in a region, newest first: events in [<paramref name="startTime"/>,
    /// <paramref name="endTime"/>], older than <paramref name="before"/>, accepted by <paramref name="matches"/>.
    /// </summary>
    public TrailPage Lookup(
        string accountId,
        string region,
        DateTimeOffset? startTime,
        DateTimeOffset? endTime,
        TrailPosition? before,
        Func<TrailEventRecord, bool>? matches,
        int limit)
    {
        ArgumentException.ThrowIfNullOrEmpty(accountId);
        ArgumentException.ThrowIfNullOrEmpty(region);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        return index.Scan(accountId, region, startTime, endTime, before, matches ?? (_ => true), limit);
    }

    /// <summary>Every event of an account's history in a region, newest first (tests, audits).</summary>
    public IReadOnlyList<TrailEventRecord> History(string accountId, string region) =>
        Lookup(accountId, region, null, null, null, null, int.MaxValue).Events;

    public int Count(string accountId, string region) => index.Count(accountId, region);

    /// <summary>Blocks until every event recorded so far is stored in the database (lookups never need this).</summary>
    internal void Flush() => state.Flush();

    private IReadOnlyList<TrailEventRecord> RecordSharedSnapshotEvent(string eventName, string ownerAccountId, string actingAccountId, string region, string snapshotId)
    {
        ArgumentException.ThrowIfNullOrEmpty(ownerAccountId);
        ArgumentException.ThrowIfNullOrEmpty(actingAccountId);
        ArgumentException.ThrowIfNullOrEmpty(region);
        ArgumentException.ThrowIfNullOrEmpty(snapshotId);
        if (ownerAccountId == actingAccountId)
        {
            return [];
        }

        return RecordServiceEvent(new TrailServiceEvent(
            ownerAccountId,
            region,
            AwsServicePrincipals.Ec2,
            eventName,
            new Dictionary<string, object?> { ["snapshotId"] = snapshotId },
            actingAccountId,
            [new TrailResource("AWS::EC2::Snapshot", $"arn:aws:ec2:{region}::snapshot/{snapshotId}", ownerAccountId)]));
    }

    // Gives every draft its copies (the acting account, then each other known account owning a noted resource),
    // indexes them (LookupEvents sees them from here on) and queues them for the database.
    private List<TrailEventRecord> Store(string region, string homeAccountId, IReadOnlyList<Draft> drafts)
    {
        var now = time.GetUtcNow();
        var eventTime = new DateTimeOffset(now.Ticks - (now.Ticks % TimeSpan.TicksPerSecond), TimeSpan.Zero);
        var records = new List<TrailEventRecord>();
        foreach (var draft in drafts)
        {
            var recipients = new List<string>();
            if (accounts.Contains(homeAccountId))
            {
                recipients.Add(homeAccountId);
            }

            foreach (var resource in draft.Resources)
            {
                if (resource.AccountId != homeAccountId && accounts.Contains(resource.AccountId) && !recipients.Contains(resource.AccountId))
                {
                    recipients.Add(resource.AccountId);
                }
            }

            var sharedEventId = recipients.Count > 1 ? NewEventId() : null;
            for (var i = 0; i < recipients.Count; i++)
            {
                records.Add(draft.Complete(recipients[i], region, eventTime, NewEventId(), sharedEventId, Interlocked.Increment(ref sequence), last: i == recipients.Count - 1));
            }
        }

        if (records.Count > 0)
        {
            state.AppendDetached(CloudTrailKinds.Event, records.Select(r => (CloudTrailKinds.Key(r), r)));
            foreach (var record in records)
            {
                index.Add(record);
            }
        }

        return records;
    }

    private string NewEventId() => ids.RequestId();

    private static JsonObject Base(JsonObject identity, string eventSource, string eventName, string region, string sourceIpAddress, string userAgent) => new()
    {
        ["eventVersion"] = EventVersion,
        ["userIdentity"] = identity,
        ["eventTime"] = null,
        ["eventSource"] = eventSource,
        ["eventName"] = eventName,
        ["awsRegion"] = region,
        ["sourceIPAddress"] = sourceIpAddress,
        ["userAgent"] = userAgent,
    };

    private JsonObject UserIdentity(CallerIdentity caller, string? invokedBy)
    {
        var identity = new JsonObject
        {
            ["type"] = caller.Kind switch
            {
                PrincipalKind.AccountRoot => "Root",
                PrincipalKind.IamUser => "IAMUser",
                PrincipalKind.FederatedUser => "FederatedUser",
                _ => "AssumedRole",
            },
            ["principalId"] = caller.UserId,
            ["arn"] = caller.PrincipalArn,
            ["accountId"] = caller.AccountId,
            ["accessKeyId"] = caller.AccessKeyId,
        };
        if (caller.Kind == PrincipalKind.IamUser && caller.UserName is { } userName)
        {
            identity["userName"] = userName;
        }

        if (caller.Session is { } session)
        {
            var created = state.Read(view => view.Find(AccessKeyKinds.AccessKey, AccessKeyKinds.Key(caller.AccessKeyId)))?.CreateDate;
            identity["sessionContext"] = new JsonObject
            {
                ["sessionIssuer"] = new JsonObject
                {
                    ["type"] = "Role",
                    ["principalId"] = session.RoleId,
                    ["arn"] = session.RoleArn,
                    ["accountId"] = caller.AccountId,
                    ["userName"] = session.RoleName,
                },
                ["attributes"] = new JsonObject
                {
                    ["creationDate"] = created is { } at ? Timestamp(at) : null,
                    ["mfaAuthenticated"] = "false",
                },
            };
        }

        if (invokedBy is not null)
        {
            identity["invokedBy"] = invokedBy;
        }

        return identity;
    }

    private static (string Code, string Message) ErrorOf(AwsServiceDescriptor service, Exception failure)
    {
        var ec2 = service.Protocol == WireProtocol.Ec2Query;
        return failure switch
        {
            // EC2 records its error codes with the fault side in front: Client.UnauthorizedOperation, Server.InternalError.
            AwsServiceException error when ec2 => ((error.HttpStatus >= 500 ? "Server." : "Client.") + error.Code, error.Message),
            AwsServiceException error => (error.Code, error.Message),
            _ => (ec2 ? "Server." + service.InternalErrorCode : service.InternalErrorCode, "An internal error occurred."),
        };
    }

    private static bool IsReadOnly(string operation) =>
        ReadOnlyOperations.Contains(operation)
        || operation.StartsWith("Get", StringComparison.Ordinal)
        || operation.StartsWith("Describe", StringComparison.Ordinal)
        || operation.StartsWith("List", StringComparison.Ordinal)
        || operation.StartsWith("Lookup", StringComparison.Ordinal);

    /// <summary><c>kms</c> → <c>kms.amazonaws.com</c>; a name that already is a host is kept.</summary>
    internal static string Host(string service) =>
        service.Contains('.', StringComparison.Ordinal) ? service : AwsServicePrincipals.EventSourceOf(service);

    internal static string Timestamp(DateTimeOffset at) =>
        at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>LookupEvents' ResourceName: the key ARN for KMS keys, else the resource's own name or id.</summary>
    internal static string ResourceName(TrailResource resource)
    {
        if (resource.Type.StartsWith("AWS::KMS::", StringComparison.Ordinal) || !resource.Arn.StartsWith("arn:", StringComparison.Ordinal))
        {
            return resource.Arn;
        }

        var resourcePart = resource.Arn.Split(':', 6) is { Length: 6 } parts ? parts[5] : resource.Arn;
        var slash = resourcePart.LastIndexOf('/');
        return slash >= 0 ? resourcePart[(slash + 1)..] : resourcePart;
    }

    private static string? LookupUsername(CallerIdentity? caller) => caller switch
    {
        null => null,
        { Kind: PrincipalKind.AccountRoot } => "root",
        { Session: { } session } => session.SessionName,
        _ => caller.UserName,
    };

    /// <summary>An event before it has a time, ids and a recipient.</summary>
    private sealed record Draft(JsonObject Json, string EventName, bool ReadOnly, string EventType, CallerIdentity? Caller, IReadOnlyList<TrailResource> Resources)
    {
        public JsonObject? ServiceEventDetails { get; init; }

        /// <param name="last">The draft's last copy: it may take the draft's own tree instead of a clone (most calls have one copy).</param>
        public TrailEventRecord Complete(string recipient, string region, DateTimeOffset eventTime, string eventId, string? sharedEventId, long sequence, bool last)
        {
            var json = last ? Json : (JsonObject)Json.DeepClone();
            json["eventTime"] = Timestamp(eventTime);
            json["eventID"] = eventId;
            json["readOnly"] = ReadOnly;
            if (Resources.Count > 0)
            {
                json["resources"] = new JsonArray([.. Resources.Select(r => (JsonNode)new JsonObject
                {
                    ["accountId"] = r.AccountId,
                    ["type"] = r.Type,
                    ["ARN"] = r.Arn,
                })]);
            }

            json["eventType"] = EventType;
            json["managementEvent"] = true;
            json["recipientAccountId"] = recipient;
            if (sharedEventId is not null)
            {
                json["sharedEventID"] = sharedEventId;
            }

            if (ServiceEventDetails is not null)
            {
                json["serviceEventDetails"] = last ? ServiceEventDetails : ServiceEventDetails.DeepClone();
            }

            json["eventCategory"] = "Management";
            var eventSource = Json["eventSource"]!.GetValue<string>();
            return new TrailEventRecord(
                eventId,
                recipient,
                region,
                eventTime,
                sequence,
                EventName,
                eventSource,
                ReadOnly,
                Caller?.AccessKeyId,
                LookupUsername(Caller),
                [.. Resources.Select(r => new TrailEventResource(r.Type, ResourceName(r), r.Arn))],
                json.ToJsonString(RecordJson));
        }
    }
}
