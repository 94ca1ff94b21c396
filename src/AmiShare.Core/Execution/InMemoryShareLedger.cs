using System.Collections.Concurrent;

namespace AmiShare.Core.Execution;

/// <summary>A ledger that lives as long as the process: for <c>--no-ledger</c> runs and for the demo's throwaway cloud.</summary>
public sealed class InMemoryShareLedger : IShareLedger
{
    private readonly ConcurrentDictionary<string, (string Fingerprint, bool Finished, ConcurrentDictionary<string, LedgerStep> Steps)> runs = new(StringComparer.Ordinal);
    private int nextId;

    public Task<LedgerRun> BeginOrResumeAsync(string fingerprint, string command, CancellationToken cancellationToken)
    {
        foreach (var (id, run) in runs)
        {
            if (run.Fingerprint == fingerprint && !run.Finished)
            {
                return Task.FromResult(new LedgerRun(id, true, new Dictionary<string, LedgerStep>(run.Steps)));
            }
        }

        var newId = $"run-{Interlocked.Increment(ref nextId)}";
        runs[newId] = (fingerprint, false, new ConcurrentDictionary<string, LedgerStep>(StringComparer.Ordinal));
        return Task.FromResult(new LedgerRun(newId, false, new Dictionary<string, LedgerStep>()));
    }

    public Task StepStartedAsync(string runId, string stepKey, CancellationToken cancellationToken)
    {
        runs[runId].Steps.TryAdd(stepKey, new LedgerStep(stepKey, false, null, null));
        return Task.CompletedTask;
    }

    public Task StepCompletedAsync(string runId, string stepKey, string outcome, string? result, CancellationToken cancellationToken)
    {
        runs[runId].Steps[stepKey] = new LedgerStep(stepKey, true, outcome, result);
        return Task.CompletedTask;
    }

    public Task FinishAsync(string runId, bool succeeded, CancellationToken cancellationToken)
    {
        var run = runs[runId];
        runs[runId] = (run.Fingerprint, true, run.Steps);
        return Task.CompletedTask;
    }
}
