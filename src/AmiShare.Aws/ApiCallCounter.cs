using System.Collections.Concurrent;
using System.Collections.Immutable;

namespace AmiShare.Aws;

/// <summary>
/// Counts every HTTP attempt the adapter makes, per <c>service:Operation</c> (e.g. <c>ec2:DescribeImages</c>), and
/// the throttled answers among them. Thread-safe; one counter may be shared by every account a factory builds so
/// the CLI and the scale bench can report the calls a command cost.
/// </summary>
public sealed class ApiCallCounter
{
    private readonly ConcurrentDictionary<string, long> calls = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> throttled = new(StringComparer.Ordinal);

    public long Total => calls.Values.Sum();

    public long TotalThrottled => throttled.Values.Sum();

    public void RecordCall(string operation) => calls.AddOrUpdate(operation, 1, (_, n) => n + 1);

    public void RecordThrottled(string operation) => throttled.AddOrUpdate(operation, 1, (_, n) => n + 1);

    /// <summary>Attempts of one operation, e.g. <c>CountOf("kms:ListGrants")</c>.</summary>
    public long CountOf(string operation) => calls.TryGetValue(operation, out var n) ? n : 0;

    public long ThrottledCountOf(string operation) => throttled.TryGetValue(operation, out var n) ? n : 0;

    /// <summary>A stable, sorted copy of the per-operation attempt counts.</summary>
    public ImmutableSortedDictionary<string, long> Snapshot() => calls.ToImmutableSortedDictionary(StringComparer.Ordinal);

    public void Reset()
    {
        calls.Clear();
        throttled.Clear();
    }
}
