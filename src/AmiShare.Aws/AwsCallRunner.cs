using Amazon.Runtime;

namespace AmiShare.Aws;

/// <summary>
/// Runs one API call: counts each attempt, retries throttled and transient 5xx answers with <see cref="AwsRetryPolicy"/> (delays on
/// the injected clock, jitter from the injected random source), and maps every other failure through
/// <see cref="AwsErrors.Map"/>. Expected answers a caller wants to handle itself (a DryRun success, a NotFound that
/// means "absent") are caught by the caller before they leave <paramref name="send"/>.
/// </summary>
internal sealed class AwsCallRunner(AwsAdapterSettings settings)
{
    public ApiCallCounter Counter => settings.Counter;

    public async Task<T> RunAsync<T>(AwsCall call, Func<CancellationToken, Task<T>> send, CancellationToken cancellationToken)
    {
        var policy = settings.Retry;
        var name = call.Action;
        for (var attempt = 1; ; attempt++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            settings.Counter.RecordCall(name);
            try
            {
                return await send(cancellationToken).ConfigureAwait(false);
            }
            catch (AmazonServiceException e) when (AwsErrors.IsThrottling(e) || AwsErrors.IsTransientServerError(e))
            {
                // Counted with the throttled answers: both are "try again later", retried on the same backoff.
                settings.Counter.RecordThrottled(name);
                if (attempt >= policy.MaxAttempts)
                {
                    throw AwsErrors.Map(call, e, attempt);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                throw AwsErrors.Map(call, e, attempt);
            }

            var delay = policy.DelayBefore(attempt - 1, settings.Random);
            if (delay > TimeSpan.Zero)
            {
                await Task.Delay(delay, settings.TimeProvider, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    public Task RunAsync(AwsCall call, Func<CancellationToken, Task> send, CancellationToken cancellationToken) =>
        RunAsync(call, async ct =>
        {
            await send(ct).ConfigureAwait(false);
            return true;
        }, cancellationToken);
}
