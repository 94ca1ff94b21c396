namespace AmiShare.LocalCloud.Protocol;

/// <summary>A resource an API call touched, as CloudTrail lists it in <c>resources[]</c>.</summary>
/// <param name="Type">CloudTrail's resource type, e.g. <c>AWS::KMS::Key</c>, <c>AWS::EC2::Image</c>.</param>
/// <param name="AccountId">The resource owner: a copy of the event goes to that account too when it is not the caller's.</param>
public sealed record TrailResource(string Type, string Arn, string AccountId);

/// <summary>
/// A call a service made on the caller's behalf (EC2 calling KMS for a launch), recorded as its own
/// event with <c>userIdentity.invokedBy</c> set to the calling service, as CloudTrail does.
/// </summary>
public sealed record TrailInvokedCall(
    string EventSource,
    string EventName,
    string InvokedBy,
    IReadOnlyDictionary<string, object?> RequestParameters,
    IReadOnlyList<TrailResource> Resources,
    string? ErrorCode = null,
    string? ErrorMessage = null);

/// <summary>
/// What a handler tells CloudTrail about a call beyond its name and parameters. Handlers add to it;
/// the recorder reads it after the call, whether it succeeded or failed.
/// </summary>
public sealed class TrailNotes
{
    private readonly List<TrailResource> _resources = [];
    private readonly List<TrailInvokedCall> _invokedCalls = [];
    private readonly object _gate = new();

    public IReadOnlyList<TrailResource> Resources
    {
        get
        {
            lock (_gate)
            {
                return [.. _resources];
            }
        }
    }

    public IReadOnlyList<TrailInvokedCall> InvokedCalls
    {
        get
        {
            lock (_gate)
            {
                return [.. _invokedCalls];
            }
        }
    }

    /// <summary>Elements for <c>responseElements</c> (ids of what was created), kept small as CloudTrail does.</summary>
    public Dictionary<string, object?> ResponseElements { get; } = new(StringComparer.Ordinal);

    public void AddResource(string type, string arn, string accountId)
    {
        lock (_gate)
        {
            _resources.Add(new TrailResource(type, arn, accountId));
        }
    }

    public void AddInvokedCall(TrailInvokedCall call)
    {
        ArgumentNullException.ThrowIfNull(call);
        lock (_gate)
        {
            _invokedCalls.Add(call);
        }
    }
}
