using System.Net;
using System.Net.Sockets;
using Amazon.Runtime;
using AmiShare.Core.Ports;
using AmiShare.Policy.Catalogue;

namespace AmiShare.Aws;

/// <summary>
/// The one place AWS failures become <see cref="CloudOperationException"/>: a kind the CLI maps to an exit code,
/// and a fix where the cause is known. Every client (EC2, KMS, STS, the IAM query client, credential
/// resolution) goes through <see cref="Map"/>.
/// </summary>
internal static partial class AwsErrors
{
    private static readonly HashSet<string> ThrottlingCodes = new(StringComparer.Ordinal)
    {
        "RequestLimitExceeded", "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottled",
        "RequestThrottledException", "TooManyRequestsException", "SlowDown", "EC2ThrottledException",
        "PriorRequestNotComplete", "BandwidthLimitExceeded",
    };

    private static readonly HashSet<string> CredentialCodes = new(StringComparer.Ordinal)
    {
        "InvalidClientTokenId", "UnrecognizedClientException", "SignatureDoesNotMatch", "IncompleteSignature",
        "ExpiredToken", "ExpiredTokenException", "RequestExpired", "InvalidAccessKeyId", "MissingAuthenticationToken",
        "InvalidSignatureException", "OptInRequired",
    };

    private static readonly HashSet<string> InvalidStateCodes = new(StringComparer.Ordinal)
    {
        "KMSInvalidStateException", "DisabledException", "KeyUnavailableException", "IncorrectState",
        "IncorrectInstanceState", "InvalidAMIID.Unavailable", "InvalidSnapshot.InUse", "PendingVerification",
        "UnsupportedOperationException", "InvalidState",
    };

    private static readonly HashSet<string> InvalidRequestCodes = new(StringComparer.Ordinal)
    {
        "MalformedPolicyDocumentException", "LimitExceededException", "ResourceLimitExceeded", "ValidationException",
        "ValidationError", "InvalidParameter", "InvalidParameterValue", "InvalidParameterCombination", "MissingParameter",
        "InvalidArnException", "InvalidGrantTokenException", "InvalidGrantIdException", "IdempotentParameterMismatch",
        "InvalidRequest", "InvalidInput", "UnsupportedOperation", "OperationNotPermitted", "InvalidAMIName.Duplicate",
        "InvalidAMIName.Malformed", "InvalidAMIID.Malformed", "InvalidSnapshotID.Malformed", "InvalidInstanceID.Malformed",
        "InvalidUserID.Malformed", "TagLimitExceeded", "InvalidAliasNameException", "InvalidKeyUsageException",
        "InvalidBlockDeviceMapping", "InvalidAction", "UnknownOperationException",
    };

    private static readonly HashSet<string> AccessDeniedCodes = new(StringComparer.Ordinal)
    {
        "AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "UnauthorizedAccess", "AuthFailure",
    };

    /// <summary>
    /// A 5xx that is not throttling (InternalError, InternalFailure, KMSInternalException, Unavailable): AWS asks
    /// clients to retry these. Safe for our writes: CopyImage carries a client token, CreateGrant a name, and the
    /// permission and key-policy writes are idempotent.
    /// </summary>
    public static bool IsTransientServerError(AmazonServiceException e) => (int)e.StatusCode >= 500 && !IsThrottling(e);

    /// <summary>True when the answer means "slow down": retried with backoff, never mapped until retries run out.</summary>
    public static bool IsThrottling(AmazonServiceException e) =>
        ThrottlingCodes.Contains(e.ErrorCode ?? string.Empty)
        || e.StatusCode == HttpStatusCode.TooManyRequests
        || (e.StatusCode == HttpStatusCode.ServiceUnavailable && e.ErrorCode is null or "" or "ServiceUnavailable" or "SlowDown");

    public static CloudOperationException Map(AwsCall call, Exception error, int attempts = 1)
    {
        ArgumentNullException.ThrowIfNull(call);
        ArgumentNullException.ThrowIfNull(error);
        return error switch
        {
            CloudOperationException mapped => mapped,
            AmazonServiceException service => MapService(call, service, attempts),
            HttpRequestException or SocketException => Unreachable(call, error),
            AmazonClientException client when client.InnerException is HttpRequestException or SocketException => Unreachable(call, client.InnerException),
            AmazonClientException client when client.Message.Contains("credentials", StringComparison.OrdinalIgnoreCase) => NoCredentials(call, client),
            TimeoutException or TaskCanceledException => Unreachable(call, error),
            _ => new CloudOperationException(CloudErrorKind.Service, call.Operation, error.GetType().Name, error.Message, null, error),
        };
    }

    /// <summary>
    /// The SDK found no credentials. Its message lists each provider's failure on a line of its own ("Exception 2 of
    /// 4: …"); they are folded into one line, so the CLI's error stays one line and still says what was tried.
    /// </summary>
    internal static CloudOperationException NoCredentials(AwsCall call, AmazonClientException error)
    {
        var tried = error.Message
            .Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(line => ProviderFailure().Match(line))
            .Where(match => match.Success)
            .Select(match => match.Groups["why"].Value.TrimEnd('.'))
            .ToList();
        var message = tried.Count == 0
            ? error.Message.Split('\n')[0].Trim()
            : "no credential source gave credentials: " + string.Join("; ", tried);
        return new CloudOperationException(
            CloudErrorKind.Credentials,
            call.Operation,
            "NoCredentials",
            message,
            "No AWS credentials were found: set AWS_PROFILE or pass --profile (a profile of ~/.aws/credentials or ~/.aws/config), or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.",
            error);
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^Exception \d+ of \d+: (?<why>.+)$")]
    private static partial System.Text.RegularExpressions.Regex ProviderFailure();

    private static CloudOperationException Unreachable(AwsCall call, Exception error) => new(
        CloudErrorKind.Unreachable,
        call.Operation,
        "EndpointUnreachable",
        $"{call.Endpoint} could not be reached: {error.Message}",
        $"Check the endpoint {call.Endpoint} (--endpoint-url, AWS_ENDPOINT_URL or AWS_ENDPOINT_URL_{call.Service.ToUpperInvariant()}), that it is running, and the network or proxy in between.",
        error);

    private static CloudOperationException MapService(AwsCall call, AmazonServiceException e, int attempts)
    {
        var code = string.IsNullOrEmpty(e.ErrorCode) ? ((int)e.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture) : e.ErrorCode;
        var message = e.Message ?? string.Empty;
        var (kind, fix) = code switch
        {
            _ when IsThrottling(e) => (CloudErrorKind.Throttled, $"AWS throttled {call.Action} {attempts} times in a row. Run again later, lower the concurrency, or ask AWS for a higher request quota for {call.Service.ToUpperInvariant()} {call.Operation} in this account."),
            "AuthFailure" when message.Contains("validate", StringComparison.OrdinalIgnoreCase) || message.Contains("credentials", StringComparison.OrdinalIgnoreCase)
                => (CloudErrorKind.Credentials, CredentialsFix(code)),
            _ when call.Action == "sts:AssumeRole" && AccessDeniedCodes.Contains(code) => (CloudErrorKind.Credentials, AssumeRoleFix(call)),
            _ when AccessDeniedCodes.Contains(code) => (CloudErrorKind.AccessDenied, AccessDeniedFix(call)),
            _ when CredentialCodes.Contains(code) => (CloudErrorKind.Credentials, CredentialsFix(code)),
            _ when code.EndsWith(".NotFound", StringComparison.Ordinal) || code is "NotFoundException" or "NoSuchEntity" or "InvalidAMIID.NotFound"
                => (CloudErrorKind.NotFound, NotFoundFix(call, code)),
            "DisabledException" => (CloudErrorKind.InvalidState, $"The KMS key {call.Resource} is disabled: enable it in its account (aws kms enable-key --key-id {call.Resource}) or use another key."),
            "KMSInvalidStateException" => (CloudErrorKind.InvalidState, $"The KMS key {call.Resource} is not usable in its current state (disabled, pending deletion or pending import): aws kms describe-key --key-id {call.Resource} shows it; cancel the deletion or enable the key."),
            "InvalidAMIID.Unavailable" => (CloudErrorKind.InvalidState, $"The image {call.Resource} is not available (pending, failed or disabled); wait for it or enable it first."),
            _ when InvalidStateCodes.Contains(code) => (CloudErrorKind.InvalidState, null),
            "MalformedPolicyDocumentException" => (CloudErrorKind.InvalidRequest, $"KMS refused the key policy: it must be valid JSON under {AwsLimits.KeyPolicyMaxBytes:N0} bytes, name principals that exist, and keep the caller able to manage the key (the lockout safety check). `amishare policy validate FILE --kind key` explains."),
            "ResourceLimitExceeded" => (CloudErrorKind.InvalidRequest, "An AMI can be shared with at most 1,000 accounts, organizations and OUs per Region: share with an organization or OU instead of listing accounts."),
            _ when InvalidRequestCodes.Contains(code) || code.EndsWith(".Malformed", StringComparison.Ordinal) => (CloudErrorKind.InvalidRequest, null),
            _ => (CloudErrorKind.Service, null),
        };
        return new CloudOperationException(kind, call.Operation, code, message, fix, e);
    }

    private static string? AccountOfArn(string? arn)
    {
        var parts = arn?.Split(':');
        return parts is { Length: >= 6 } && parts[0] == "arn" && parts[4].Length == 12 ? parts[4] : null;
    }

    private static string CallerText(AwsCall call) => call.CallerAccount is null ? "the caller's account" : $"account {call.CallerAccount}";

    private static string AccessDeniedFix(AwsCall call)
    {
        var resource = call.Resource ?? "*";
        var owner = AccountOfArn(call.Resource);
        if (call.Service == "kms" && call.Operation is "GetKeyPolicy" or "PutKeyPolicy" or "ListKeyPolicies" or "ListAliases" && owner is not null && call.CallerAccount is not null && owner != call.CallerAccount)
        {
            return $"{call.Action} works only from the key's own account: run it with credentials of account {owner}, which owns {resource}.";
        }

        if (call.Service == "kms" && owner is not null && owner != call.CallerAccount)
        {
            return $"Both sides must allow {call.Action} on {resource}: the key policy in account {owner} must name {CallerText(call)} (its root ARN or the calling principal), and an IAM policy in {CallerText(call)} must allow {call.Action} on the key ARN. `amishare doctor` names the missing statement.";
        }

        if (call.Service == "kms")
        {
            return $"Allow {call.Action} on {resource}: the key policy must allow it, directly or by delegating to IAM (a statement for arn:aws:iam::{owner ?? "ACCOUNT"}:root), and the caller's IAM policy must allow it.";
        }

        return $"Allow {call.Action} on {resource} in an IAM policy of the calling principal in {CallerText(call)} (and make sure no SCP or permissions boundary denies it).";
    }

    private static string AssumeRoleFix(AwsCall call) =>
        $"The role {call.Resource} could not be assumed: its trust policy (in account {AccountOfArn(call.Resource) ?? "of the role"}) must allow sts:AssumeRole for {CallerText(call)} or the calling principal, with the ExternalId condition if it has one (pass --external-id), and the caller's IAM policy must allow sts:AssumeRole on the role ARN.";

    private static string CredentialsFix(string code) => code switch
    {
        "ExpiredToken" or "ExpiredTokenException" or "RequestExpired" => "The session credentials have expired: refresh them (aws sso login, or a new assume-role), or set AWS_PROFILE / pass --profile to use a profile that refreshes itself.",
        "SignatureDoesNotMatch" or "InvalidSignatureException" => "The secret access key does not match the access key id: check AWS_SECRET_ACCESS_KEY or the profile's aws_secret_access_key (set AWS_PROFILE or pass --profile).",
        _ => "The access key id is not known to this endpoint: check the credentials (set AWS_PROFILE or pass --profile) and that --endpoint-url points at the cloud they belong to.",
    };

    private static string NotFoundFix(AwsCall call, string code) => code switch
    {
        "InvalidAMIID.NotFound" => $"The image {call.Resource} does not exist in this region or is not shared with {CallerText(call)}: check the id and --region, and that its launch permission names this account, its organization or OU.",
        "InvalidSnapshot.NotFound" => $"The snapshot {call.Resource} does not exist in this region or has no createVolumePermission for {CallerText(call)}.",
        "NotFoundException" => $"The KMS key or alias {call.Resource} does not exist in this region, or (from another account) was not named by its full key ARN.",
        "InvalidInstanceID.NotFound" => $"The instance {call.Resource} does not exist in this region.",
        "NoSuchEntity" => $"The IAM entity {call.Resource} does not exist in {CallerText(call)}.",
        _ => $"{call.Resource ?? "The resource"} does not exist or is not visible to {CallerText(call)} in this region.",
    };
}
