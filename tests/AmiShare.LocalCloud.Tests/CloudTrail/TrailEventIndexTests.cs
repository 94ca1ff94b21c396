using System.Diagnostics;
using AmiShare.LocalCloud.Services.CloudTrail;

namespace AmiShare.LocalCloud.Tests.CloudTrail;

public sealed class TrailEventIndexTests
{
    private static readonly DateTimeOffset Origin = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void FiftyThousandEvents_NewestPageAndNarrowRange_CostOnlyWhatTheyExamine()
    {
        var index = new TrailEventIndex();
        for (var i = 0; i < 50_000; i++)
        {
            index.Add(Event(i, Origin.AddSeconds(i / 5), i % 7 == 0 ? "Decrypt" : "CreateGrant"));
        }

        var watch = Stopwatch.StartNew();
        TrailPage newest = null!, range = null!;
        for (var round = 0; round < 100; round++)
        {
            newest = index.Scan("111111111111", "us-east-1", null, null, null, _ => true, 50);
            range = index.Scan("111111111111", "us-east-1", Origin.AddSeconds(5_000), Origin.AddSeconds(5_001), null, e => e.EventName == "Decrypt", 50);
        }

        watch.Stop();
        Assert.Equal(49_999, newest.Events[0].Sequence);
        Assert.True(newest.HasMore);
        Assert.All(range.Events, e => Assert.Equal("Decrypt", e.EventName));
        Assert.Equal(Enumerable.Range(25_000, 10).Where(i => i % 7 == 0).Reverse().Select(i => (long)i), range.Events.Select(e => e.Sequence));
        Assert.False(range.HasMore);
        // 200 binary-searched scans; a full walk of 50,000 events each would take far longer.
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), $"200 lookups took {watch.Elapsed}");
    }

    [Fact]
    public void OutOfOrderAdds_StaySortedAndCursorResumesStrictlyOlder()
    {
        var index = new TrailEventIndex();
        index.Add(Event(2, Origin.AddSeconds(2), "B"));
        index.Add(Event(3, Origin.AddSeconds(2), "C"));
        index.Add(Event(1, Origin.AddSeconds(1), "A")); // a clock that stepped back
        index.Add(Event(4, Origin, "Z"));

        var all = index.Scan("111111111111", "us-east-1", null, null, null, _ => true, 10);
        Assert.Equal(["C", "B", "A", "Z"], all.Events.Select(e => e.EventName));
        var first = index.Scan("111111111111", "us-east-1", null, null, null, _ => true, 2);
        Assert.True(first.HasMore);
        var rest = index.Scan("111111111111", "us-east-1", null, null, TrailPosition.Of(first.Events[^1]), _ => true, 2);
        Assert.Equal(["A", "Z"], rest.Events.Select(e => e.EventName));
        Assert.False(rest.HasMore);
        Assert.Empty(index.Scan("222222222222", "us-east-1", null, null, null, _ => true, 10).Events);
    }

    private static TrailEventRecord Event(long sequence, DateTimeOffset at, string name) =>
        new($"id-{sequence}", "111111111111", "us-east-1", at, sequence, name, "kms.amazonaws.com", false, null, null, [], "{}");
}
