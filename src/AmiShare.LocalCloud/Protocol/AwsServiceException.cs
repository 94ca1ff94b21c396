namespace AmiShare.LocalCloud.Protocol;

/// <summary>
/// The one way a handler (or the pipeline) reports a failure to the client. Each wire protocol renders it in
/// its real shape (EC2 <c>Response/Errors</c>, query <c>ErrorResponse</c>, JSON <c>__type</c>), so handlers
/// never format errors themselves.
/// </summary>
public sealed class AwsServiceException : Exception
{
    public AwsServiceException(string code, string message, int httpStatus = 400)
        : base(message)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(code);
        Code = code;
        HttpStatus = httpStatus;
    }

    public AwsServiceException()
        : this("InternalFailure", "An internal error occurred.", 500)
    {
    }

    public AwsServiceException(string message)
        : this("InternalFailure", message, 500)
    {
    }

    public AwsServiceException(string message, Exception innerException)
        : base(message, innerException)
    {
        Code = "InternalFailure";
        HttpStatus = 500;
    }

    public string Code { get; }

    public int HttpStatus { get; }

    /// <summary>The query protocol's <c>Type</c>: AWS blames the caller for 4xx and itself for 5xx.</summary>
    public string FaultType => HttpStatus >= 500 ? "Receiver" : "Sender";
}
