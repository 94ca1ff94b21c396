using AmiShare.LocalCloud.State;
using Microsoft.Data.Sqlite;

namespace AmiShare.LocalCloud.Tests;

/// <summary>
/// The state's reader/writer split and its journal: lock-free reads see whole transactions, concurrent writes are
/// all kept, a returned Write is on disk, detached rows are written behind and survive a clean close.
/// </summary>
public sealed class StateConcurrencyTests : IDisposable
{
    private static readonly EntityKind<Counter> Kind = new("test.counter");
    private static readonly EntityKind<Counter> Log = new("test.log");

    private readonly string directory = Directory.CreateTempSubdirectory("localcloud-state-").FullName;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(directory, recursive: true);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ConcurrentReadersAndWriters_ReadersSeeWholeTransactions_NoWriteLost(bool withFile)
    {
        using var state = LocalCloudState.Open(withFile ? Path.Combine(directory, "state.db") : null);
        var a = EntityKey.Global("a");
        var b = EntityKey.Global("b");
        state.Write(tx =>
        {
            tx.Put(Kind, a, new Counter(0));
            tx.Put(Kind, b, new Counter(0));
        });

        const int Writers = 4, WritesEach = 250;
        using var stop = new CancellationTokenSource();
        var torn = 0L;
        var reads = 0L;
        var readers = Enumerable.Range(0, 3).Select(_ => Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                // Both counters change in one transaction, so a read must never see them apart.
                var (first, second) = state.Read(view => (view.Find(Kind, a)!.Value, view.Find(Kind, b)!.Value));
                var listed = state.Read(view => view.List(Kind)).Select(c => c.Value).ToList();
                if (first != second || listed.Count != 2 || listed[0] != listed[1])
                {
                    Interlocked.Increment(ref torn);
                }

                Interlocked.Increment(ref reads);
            }
        })).ToList();
        var writers = Enumerable.Range(0, Writers).Select(_ => Task.Run(() =>
        {
            for (var i = 0; i < WritesEach; i++)
            {
                state.Write(tx =>
                {
                    var next = tx.Find(Kind, a)!.Value + 1;
                    tx.Put(Kind, a, new Counter(next));
                    tx.Put(Kind, b, new Counter(next));
                });
            }
        })).ToList();

        await Task.WhenAll(writers);
        await stop.CancelAsync();
        await Task.WhenAll(readers);

        Assert.Equal(0, Interlocked.Read(ref torn));
        Assert.True(Interlocked.Read(ref reads) > 0);
        Assert.Equal(Writers * WritesEach, state.Read(view => view.Find(Kind, a))!.Value);
        Assert.Equal(Writers * WritesEach, state.Read(view => view.Find(Kind, b))!.Value);
    }

    [Fact]
    public async Task Read_DuringSlowWrite_DoesNotWaitAndSeesTheLastCommit()
    {
        using var state = LocalCloudState.Open(null);
        var key = EntityKey.Global("k");
        state.Write(tx => tx.Put(Kind, key, new Counter(1)));
        using var inside = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();

        var writer = Task.Run(() => state.Write(tx =>
        {
            tx.Put(Kind, key, new Counter(2));
            inside.Set();
            release.Wait(TimeSpan.FromSeconds(30));
        }));
        Assert.True(inside.Wait(TimeSpan.FromSeconds(30)));

        // The writer holds the write lock; a read still answers at once, with the committed version.
        var during = state.Read(view => view.Find(Kind, key))!.Value;
        release.Set();
        await writer.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(1, during);
        Assert.Equal(2, state.Read(view => view.Find(Kind, key))!.Value);
    }

    [Fact]
    public void NestedWrite_InnerChangesSurviveTheOuterCommit()
    {
        using var state = LocalCloudState.Open(null);

        state.Write(outer =>
        {
            outer.Put(Kind, EntityKey.Global("outer"), new Counter(1));
            state.Write(inner => inner.Put(Kind, EntityKey.Global("inner"), new Counter(2)));
            // The outer transaction reads the inner one's committed change.
            Assert.Equal(2, outer.Find(Kind, EntityKey.Global("inner"))!.Value);
        });

        Assert.Equal([2, 1], state.Read(view => view.List(Kind)).Select(c => c.Value));
    }

    [Fact]
    public async Task ConcurrentWrites_WithDataFile_EachIsOnDiskWhenWriteReturns()
    {
        var file = Path.Combine(directory, "durable.db");
        using var state = LocalCloudState.Open(file);

        await Task.WhenAll(Enumerable.Range(0, 8).Select(w => Task.Run(() =>
        {
            for (var i = 0; i < 50; i++)
            {
                var id = $"w{w}-{i}";
                state.Write(tx => tx.Put(Kind, EntityKey.Global(id), new Counter(i)));
                // Another connection sees the row as soon as Write has returned: commits are batched, not deferred.
                Assert.Equal(1, CountRows(file, "test.counter", id));
            }
        })));

        Assert.Equal(400, CountRows(file, "test.counter"));
    }

    [Fact]
    public async Task DetachedRows_WrittenBehind_NoneLostOnDispose_AndReloaded()
    {
        var file = Path.Combine(directory, "log.db");
        using (var state = LocalCloudState.Open(file))
        {
            Assert.Empty(state.Detach(Log));
            await Task.WhenAll(Enumerable.Range(0, 8).Select(w => Task.Run(() =>
            {
                for (var i = 0; i < 500; i++)
                {
                    state.AppendDetached(Log, [(new EntityKey("111111111111", "us-east-1", $"e{w}-{i}"), new Counter(i))]);
                }
            })));
            // Nothing in memory: the owner of a detached kind keeps its own index.
            Assert.Empty(state.Read(view => view.List(Log)));
            Assert.Throws<InvalidOperationException>(() => state.Write(tx => tx.Put(Log, EntityKey.Global("x"), new Counter(0))));
        }

        Assert.Equal(4000, CountRows(file, "test.log"));
        using var reopened = LocalCloudState.Open(file);
        Assert.Equal(4000, reopened.Read(view => view.List(Log)).Count);
        Assert.Equal(4000, reopened.Detach(Log).Count);
    }

    [Fact]
    public void Flush_DetachedRowsOnDiskWhileStateStaysOpen()
    {
        var file = Path.Combine(directory, "flush.db");
        using var state = LocalCloudState.Open(file);
        state.Detach(Log);

        state.AppendDetached(Log, [.. Enumerable.Range(0, 100).Select(i => (EntityKey.Global($"e{i}"), new Counter(i)))]);
        state.Flush();

        Assert.Equal(100, CountRows(file, "test.log"));
    }

    [Fact]
    public void LoadedRows_ParsedOnce_SameRecordForEveryReader()
    {
        var file = Path.Combine(directory, "loaded.db");
        using (var state = LocalCloudState.Open(file))
        {
            state.Write(tx => tx.Put(Kind, EntityKey.Global("k"), new Counter(7)));
        }

        using var reopened = LocalCloudState.Open(file);
        var seen = new Counter[16];
        Parallel.For(0, seen.Length, i => seen[i] = reopened.Read(view => view.Find(Kind, EntityKey.Global("k")))!);

        Assert.All(seen, c => Assert.Same(seen[0], c));
        Assert.Equal(7, seen[0].Value);
    }

    private static long CountRows(string file, string kind, string? id = null)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = file, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM entities WHERE kind = $kind AND ($id IS NULL OR id = $id)";
        command.Parameters.AddWithValue("$kind", kind);
        command.Parameters.AddWithValue("$id", (object?)id ?? DBNull.Value);
        return (long)command.ExecuteScalar()!;
    }

    private sealed record Counter(int Value);
}
