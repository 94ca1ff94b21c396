using System.Threading.Channels;
using AmiShare.LocalCloud.State;

namespace AmiShare.LocalCloud.Services.CloudTrail;

/// <summary>
/// Persists CloudTrail events behind the requests that recorded them: every call records at least one event, and a
/// SQLite transaction per call on the request path was the server's bottleneck. Events go into a queue drained by
/// one writer task that stores whatever has accumulated in one transaction per batch, so under load one commit
/// carries many calls' events. Lookups never wait for it: they read the in-memory <see cref="TrailEventIndex"/>,
/// which the recorder updates before the call returns. <see cref="Flush"/> and <see cref="Dispose"/> wait until
/// everything enqueued before them is written, so a clean shutdown loses nothing.
/// </summary>
internal sealed class TrailEventWriter : IDisposable
{
    /// <summary>Rows per SQLite transaction at most, so a state commit waiting for the connection never waits long.</summary>
    internal const int MaxBatch = 512;

    private readonly LocalCloudState state;
    private readonly Channel<Item> queue = Channel.CreateUnbounded<Item>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task drain;
    private Exception? failure;
    private int disposed;

    public TrailEventWriter(LocalCloudState state)
    {
        this.state = state;
        drain = Task.Run(DrainAsync);
    }

    /// <summary>Queues events for persistence; throws if an earlier batch could not be written.</summary>
    public void Enqueue(IReadOnlyList<TrailEventRecord> records)
    {
        ThrowIfFailed();
        if (records.Count > 0 && !queue.Writer.TryWrite(new Item(records, null)))
        {
            throw new ObjectDisposedException(nameof(TrailEventWriter), "The cloud is shut down; CloudTrail events can no longer be stored.");
        }
    }

    /// <summary>Blocks until every event enqueued before this call is in SQLite (tests, shutdown).</summary>
    public void Flush()
    {
        var written = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!queue.Writer.TryWrite(new Item([], written)))
        {
            // Completed: Dispose has drained (or is draining) everything.
            drain.GetAwaiter().GetResult();
            ThrowIfFailed();
            return;
        }

        written.Task.GetAwaiter().GetResult();
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0)
        {
            return;
        }

        queue.Writer.TryComplete();
        drain.GetAwaiter().GetResult();
    }

    private void ThrowIfFailed()
    {
        if (Volatile.Read(ref failure) is { } error)
        {
            throw new InvalidOperationException("CloudTrail events could not be stored; the event history on disk is incomplete.", error);
        }
    }

    private async Task DrainAsync()
    {
        var reader = queue.Reader;
        var batch = new List<(EntityKey, TrailEventRecord)>(MaxBatch);
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            // A barrier ends the batch: what came before it is written before it is released.
            TaskCompletionSource? barrier = null;
            while (barrier is null && batch.Count < MaxBatch && reader.TryRead(out var item))
            {
                foreach (var record in item.Records)
                {
                    batch.Add((CloudTrailKinds.Key(record), record));
                }

                barrier = item.Barrier;
            }

            Write(batch);
            batch.Clear();
            if (barrier is not null)
            {
                if (Volatile.Read(ref failure) is { } error)
                {
                    barrier.SetException(new InvalidOperationException("CloudTrail events could not be stored.", error));
                }
                else
                {
                    barrier.SetResult();
                }
            }
        }
    }

    private void Write(List<(EntityKey, TrailEventRecord)> batch)
    {
        if (batch.Count == 0 || Volatile.Read(ref failure) is not null)
        {
            return;
        }

        try
        {
            state.AppendDetached(CloudTrailKinds.Event, batch);
        }
#pragma warning disable CA1031 // The writer must outlive a failed batch: the failure is kept and reported to the next caller.
        catch (Exception error)
#pragma warning restore CA1031
        {
            Volatile.Write(ref failure, error);
        }
    }

    /// <summary>Events of one call, or a flush barrier.</summary>
    private sealed record Item(IReadOnlyList<TrailEventRecord> Records, TaskCompletionSource? Barrier);
}
