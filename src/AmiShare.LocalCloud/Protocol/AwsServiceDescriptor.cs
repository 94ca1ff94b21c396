using AmiShare.LocalCloud.Auth;

namespace AmiShare.LocalCloud.Protocol;

/// <summary>
/// What the pipeline must know about a service before any handler runs: how it speaks on the wire and how it
/// names the generic failures (authentication, authorization, dry run, unknown action, missing parameter).
/// </summary>
public sealed record AwsServiceDescriptor
{
    public required string Name { get; init; }

    public required WireProtocol Protocol { get; init; }

    /// <summary>Default XML namespace of responses (query protocols only).</summary>
    public string? XmlNamespace { get; init; }

    /// <summary>Prefix of <c>X-Amz-Target</c> before the operation name (JSON 1.1 only), e.g. <c>TrentService</c>.</summary>
    public string? JsonTargetPrefix { get; init; }

    /// <summary>API version sent as <c>Version=</c> by query clients; used to guess the service of unsigned requests.</summary>
    public string? ApiVersion { get; init; }

    /// <summary>IAM and STS are global: their state is not partitioned by region.</summary>
    public bool IsGlobal { get; init; }

    public required string AccessDeniedCode { get; init; }

    public required int AccessDeniedStatus { get; init; }

    public required string DryRunCode { get; init; }

    public required string UnknownOperationCode { get; init; }

    public required string MissingParameterCode { get; init; }

    public required string InternalErrorCode { get; init; }

    public required IReadOnlyDictionary<AuthenticationFailureKind, (string Code, int Status)> AuthenticationErrors { get; init; }

    public AwsServiceException AuthenticationError(AuthenticationFailureException failure)
    {
        ArgumentNullException.ThrowIfNull(failure);
        var (code, status) = AuthenticationErrors[failure.Kind];
        return new AwsServiceException(code, failure.Message, status);
    }

    public AwsServiceException UnknownOperation(string operation) => Protocol == WireProtocol.Json11
        ? new AwsServiceException(UnknownOperationCode, $"The operation {operation} is not supported by {Name} in LocalCloud.", 400)
        : new AwsServiceException(UnknownOperationCode, $"The action {operation} is not valid for this web service.", 400);

    public AwsServiceException MissingParameter(string parameter) => Protocol switch
    {
        WireProtocol.Ec2Query => new AwsServiceException(MissingParameterCode, $"The request must contain the parameter {parameter}", 400),
        _ => new AwsServiceException(MissingParameterCode, $"1 validation error detected: Value null at '{parameter}' failed to satisfy constraint: Member must not be null", 400),
    };

    public AwsServiceException DryRunSucceeded() => new(DryRunCode, "Request would have succeeded, but DryRun flag is set.", 412);

    public AwsServiceException InternalError(string requestId) =>
        new(InternalErrorCode, $"LocalCloud failed to process the request (request id {requestId}).", 500);
}
