namespace AmiShare.LocalCloud.Services.Ec2;

/// <summary>Runs the blocks of one batch on every core.</summary>
internal static class ParallelBlocks
{
    /// <summary>
    /// Parallel.For wraps failures in an AggregateException; callers expect the block's own error
    /// (a CryptographicException for a tampered block), so the first one is rethrown as it was.
    /// </summary>
    public static void Run(int count, Action<int> body)
    {
        try
        {
            Parallel.For(0, count, body);
        }
        catch (AggregateException failure) when (failure.InnerExceptions.Count > 0)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(failure.InnerExceptions[0]).Throw();
        }
    }

    /// <summary>As <see cref="Run(int, Action{int})"/>, with one <see cref="BlockWorker"/> per parallel worker.</summary>
    public static void Run(int count, Func<BlockWorker> newWorker, Action<int, BlockWorker> body)
    {
        try
        {
            Parallel.For(0, count, newWorker, (j, _, worker) =>
            {
                body(j, worker);
                return worker;
            }, worker => worker.Dispose());
        }
        catch (AggregateException failure) when (failure.InnerExceptions.Count > 0)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(failure.InnerExceptions[0]).Throw();
        }
    }
}
