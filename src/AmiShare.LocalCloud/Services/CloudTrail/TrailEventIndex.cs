namespace AmiShare.LocalCloud.Services.CloudTrail;

/// <summary>A position in one history: events strictly older than it come next.</summary>
public readonly record struct TrailPosition(DateTimeOffset EventTime, long Sequence) : IComparable<TrailPosition>
{
    public static TrailPosition Of(TrailEventRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return new TrailPosition(record.EventTime, record.Sequence);
    }

    public int CompareTo(TrailPosition other)
    {
        var byTime = EventTime.CompareTo(other.EventTime);
        return byTime != 0 ? byTime : Sequence.CompareTo(other.Sequence);
    }

    public static bool operator <(TrailPosition left, TrailPosition right) => left.CompareTo(right) < 0;

    public static bool operator >(TrailPosition left, TrailPosition right) => left.CompareTo(right) > 0;

    public static bool operator <=(TrailPosition left, TrailPosition right) => left.CompareTo(right) <= 0;

    public static bool operator >=(TrailPosition left, TrailPosition right) => left.CompareTo(right) >= 0;
}

/// <summary>One page of a newest-first scan and whether older matching events remain.</summary>
public sealed record TrailPage(IReadOnlyList<TrailEventRecord> Events, bool HasMore);

/// <summary>
/// The in-memory event history: per account and region, a list kept in (time, sequence) order. Appends are O(1)
/// in the usual case (time moves forward); a time range is found by binary search and walked newest first, so a
/// lookup costs the events it examines, not the size of the history.
/// </summary>
internal sealed class TrailEventIndex
{
    private static readonly Comparer<TrailEventRecord> Order = Comparer<TrailEventRecord>.Create((a, b) => TrailPosition.Of(a).CompareTo(TrailPosition.Of(b)));

    private readonly Lock gate = new();
    private readonly Dictionary<(string Account, string Region), List<TrailEventRecord>> histories = [];

    public void Add(TrailEventRecord record)
    {
        lock (gate)
        {
            var key = (record.RecipientAccountId, record.Region);
            if (!histories.TryGetValue(key, out var history))
            {
                history = [];
                histories[key] = history;
            }

            if (history.Count == 0 || Order.Compare(history[^1], record) < 0)
            {
                history.Add(record);
                return;
            }

            // A clock that stepped back, or two requests finishing out of order: keep the list sorted.
            var at = history.BinarySearch(record, Order);
            history.Insert(at < 0 ? ~at : at, record);
        }
    }

    public int Count(string accountId, string region)
    {
        lock (gate)
        {
            return histories.TryGetValue((accountId, region), out var history) ? history.Count : 0;
        }
    }

    /// <summary>
    /// Newest first: events with <paramref name="startTime"/> ≤ time ≤ <paramref name="endTime"/>, strictly older
    /// than <paramref name="before"/> when given, that satisfy <paramref name="matches"/>; at most <paramref name="limit"/>.
    /// </summary>
    public TrailPage Scan(
        string accountId,
        string region,
        DateTimeOffset? startTime,
        DateTimeOffset? endTime,
        TrailPosition? before,
        Func<TrailEventRecord, bool> matches,
        int limit)
    {
        lock (gate)
        {
            if (!histories.TryGetValue((accountId, region), out var history) || history.Count == 0)
            {
                return new TrailPage([], false);
            }

            // The first index past the newest event we may return.
            var end = history.Count;
            if (endTime is { } endAt)
            {
                end = Math.Min(end, FirstAfter(history, new TrailPosition(endAt, long.MaxValue)));
            }

            if (before is { } cursor)
            {
                end = Math.Min(end, FirstAfter(history, cursor with { Sequence = cursor.Sequence - 1 }));
            }

            var page = new List<TrailEventRecord>(Math.Min(limit, 64));
            for (var i = end - 1; i >= 0; i--)
            {
                var record = history[i];
                if (startTime is { } startAt && record.EventTime < startAt)
                {
                    break;
                }

                if (!matches(record))
                {
                    continue;
                }

                if (page.Count == limit)
                {
                    return new TrailPage(page, true);
                }

                page.Add(record);
            }

            return new TrailPage(page, false);
        }
    }

    // Index of the first event whose position is greater than the given one.
    private static int FirstAfter(List<TrailEventRecord> history, TrailPosition position)
    {
        int low = 0, high = history.Count;
        while (low < high)
        {
            var middle = low + ((high - low) / 2);
            if (TrailPosition.Of(history[middle]) <= position)
            {
                low = middle + 1;
            }
            else
            {
                high = middle;
            }
        }

        return low;
    }
}
