using Amazon.Runtime;

namespace AmiShare.Aws;

/// <summary>
/// How to reach one side (source or target) of a share: the CLI's <c>--profile</c>, <c>--region</c>,
/// <c>--endpoint-url</c>, <c>--role-arn</c> (and <c>--target-…</c> for the target side). Everything is optional:
/// what is not given comes from the standard AWS chain (environment, shared config and credentials files).
/// </summary>
/// <remarks>
/// Precedence: <see cref="Credentials"/> (library callers and tests) over <see cref="Profile"/> over the default
/// credential chain; then, when <see cref="RoleArn"/> is set, the role is assumed with those credentials.
/// </remarks>
public sealed record AwsConnectionOptions
{
    /// <summary>A named profile of the shared config/credentials files; null means AWS_PROFILE or "default".</summary>
    public string? Profile { get; init; }

    /// <summary>Home region (STS calls, regionless calls); null means the profile's, then AWS_REGION / AWS_DEFAULT_REGION.</summary>
    public string? Region { get; init; }

    /// <summary>One endpoint for every service (LocalCloud); null means AWS_ENDPOINT_URL_&lt;SERVICE&gt;, AWS_ENDPOINT_URL, then AWS.</summary>
    public Uri? EndpointUrl { get; init; }

    /// <summary>A role to assume with the resolved credentials (the cross-account-role practice).</summary>
    public string? RoleArn { get; init; }

    /// <summary>Session name for <see cref="RoleArn"/>; defaults to "amishare".</summary>
    public string? RoleSessionName { get; init; }

    /// <summary>ExternalId for <see cref="RoleArn"/> when the role's trust policy demands one.</summary>
    public string? ExternalId { get; init; }

    /// <summary>Explicit credentials; they win over <see cref="Profile"/> and the chain.</summary>
    public AWSCredentials? Credentials { get; init; }

    /// <summary>The session name actually used for <see cref="RoleArn"/>.</summary>
    public string SessionName => string.IsNullOrWhiteSpace(RoleSessionName) ? "amishare" : RoleSessionName;
}
