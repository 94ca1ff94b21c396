namespace AmiShare.Core.Execution;

/// <summary>
/// The journal of applied steps (design "Data flow", step 3). A run that stops early — killed, Ctrl+C, an error —
/// stays unfinished; the next run with the same fingerprint resumes it, reusing its id so client tokens (and so
/// CopyImage) return what the first attempt already made instead of doing the work twice.
/// </summary>
public interface IShareLedger
{
    /// <summary>Resumes the newest unfinished run with this fingerprint, or begins a new one.</summary>
    Task<LedgerRun> BeginOrResumeAsync(string fingerprint, string command, CancellationToken cancellationToken);

    Task StepStartedAsync(string runId, string stepKey, CancellationToken cancellationToken);

    /// <param name="result">What the step produced that a later run may need (the id of a copy).</param>
    Task StepCompletedAsync(string runId, string stepKey, string outcome, string? result, CancellationToken cancellationToken);

    Task FinishAsync(string runId, bool succeeded, CancellationToken cancellationToken);
}

/// <param name="Resumed">True when an earlier, unfinished run with the same fingerprint is being continued.</param>
/// <param name="Steps">What the run journalled so far, by step key.</param>
public sealed record LedgerRun(string Id, bool Resumed, IReadOnlyDictionary<string, LedgerStep> Steps)
{
    public int CompletedCount => Steps.Values.Count(s => s.Completed);
}

/// <param name="Completed">False when the step started and the run stopped before it was known to be done.</param>
public sealed record LedgerStep(string Key, bool Completed, string? Outcome, string? Result);
