namespace AmiShare.LocalCloud.Protocol;

/// <summary>Adapters for writing operation tables.</summary>
public static class OperationHandlers
{
    /// <summary>A handler that completes synchronously (state reads and writes are in-process).</summary>
    public static OperationHandler Sync(Func<OperationRequest, OperationResponse> handler) => request => Task.FromResult(handler(request));
}
