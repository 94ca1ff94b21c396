using AmiShare.Core.Model;

namespace AmiShare.Core.Ports;

/// <summary>An AMI's state as EC2 reports it (DescribeImages <c>State</c>); <see cref="Unknown"/> for a value AmiShare does not know.</summary>
public enum Ec2ImageState
{
    Unknown,
    Pending,
    Available,
    Invalid,
    Deregistered,
    Transient,
    Failed,
    Error,
    Disabled,
}

/// <summary>An EBS snapshot's state (DescribeSnapshots <c>State</c>).</summary>
public enum Ec2SnapshotState
{
    Unknown,
    Pending,
    Completed,
    Error,
    Recoverable,
    Recovering,
}

/// <summary>An instance's state (DescribeInstances <c>State.Name</c>).</summary>
public enum Ec2InstanceState
{
    Unknown,
    Pending,
    Running,
    ShuttingDown,
    Terminated,
    Stopping,
    Stopped,
}

/// <summary>IAM's policy simulator's decision for one action (<c>EvalDecision</c>).</summary>
public enum SimulationDecision
{
    /// <summary>No statement allows it; also what an unreadable answer is taken for.</summary>
    ImplicitDeny,
    Allowed,
    ExplicitDeny,
}

/// <summary>The wire names of the states: the adapter parses them, messages print them as AWS does.</summary>
public static class CloudStateNames
{
    private static readonly (Ec2ImageState State, string Name)[] ImageNames =
    [
        (Ec2ImageState.Pending, "pending"), (Ec2ImageState.Available, "available"), (Ec2ImageState.Invalid, "invalid"),
        (Ec2ImageState.Deregistered, "deregistered"), (Ec2ImageState.Transient, "transient"), (Ec2ImageState.Failed, "failed"),
        (Ec2ImageState.Error, "error"), (Ec2ImageState.Disabled, "disabled"),
    ];

    private static readonly (Ec2SnapshotState State, string Name)[] SnapshotNames =
    [
        (Ec2SnapshotState.Pending, "pending"), (Ec2SnapshotState.Completed, "completed"), (Ec2SnapshotState.Error, "error"),
        (Ec2SnapshotState.Recoverable, "recoverable"), (Ec2SnapshotState.Recovering, "recovering"),
    ];

    private static readonly (Ec2InstanceState State, string Name)[] InstanceNames =
    [
        (Ec2InstanceState.Pending, "pending"), (Ec2InstanceState.Running, "running"), (Ec2InstanceState.ShuttingDown, "shutting-down"),
        (Ec2InstanceState.Terminated, "terminated"), (Ec2InstanceState.Stopping, "stopping"), (Ec2InstanceState.Stopped, "stopped"),
    ];

    private static readonly (SimulationDecision Decision, string Name)[] DecisionNames =
    [
        (SimulationDecision.Allowed, "allowed"), (SimulationDecision.ExplicitDeny, "explicitDeny"), (SimulationDecision.ImplicitDeny, "implicitDeny"),
    ];

    public static Ec2ImageState ParseImageState(string? name) => Parse(ImageNames, name, Ec2ImageState.Unknown);

    public static Ec2SnapshotState ParseSnapshotState(string? name) => Parse(SnapshotNames, name, Ec2SnapshotState.Unknown);

    public static Ec2InstanceState ParseInstanceState(string? name) => Parse(InstanceNames, name, Ec2InstanceState.Unknown);

    /// <summary>An answer IAM did not spell as a decision counts as a denial, never as allowed.</summary>
    public static SimulationDecision ParseDecision(string? name) => Parse(DecisionNames, name, SimulationDecision.ImplicitDeny);

    public static string ToAwsName(this Ec2ImageState state) => NameOf(ImageNames, state);

    public static string ToAwsName(this Ec2SnapshotState state) => NameOf(SnapshotNames, state);

    public static string ToAwsName(this Ec2InstanceState state) => NameOf(InstanceNames, state);

    public static string ToAwsName(this SimulationDecision decision) => NameOf(DecisionNames, decision);

    /// <summary>How the planner sees an image's state: anything broken or unknown is Failed.</summary>
    public static ImageAvailability ToAvailability(this Ec2ImageState state) => state switch
    {
        Ec2ImageState.Available => ImageAvailability.Available,
        Ec2ImageState.Pending => ImageAvailability.Pending,
        Ec2ImageState.Disabled => ImageAvailability.Disabled,
        Ec2ImageState.Deregistered => ImageAvailability.Deregistered,
        _ => ImageAvailability.Failed,
    };

    private static T Parse<T>((T Value, string Name)[] names, string? name, T unknown)
    {
        foreach (var (value, text) in names)
        {
            if (string.Equals(text, name, StringComparison.OrdinalIgnoreCase))
            {
                return value;
            }
        }

        return unknown;
    }

    private static string NameOf<T>((T Value, string Name)[] names, T value)
        where T : struct, Enum
    {
        foreach (var (candidate, text) in names)
        {
            if (EqualityComparer<T>.Default.Equals(candidate, value))
            {
                return text;
            }
        }

        return "unknown";
    }
}
