namespace AmiShare.Aws;

/// <summary>One API call as the retry loop, the counter and the error mapping see it.</summary>
/// <param name="Service">IAM prefix: ec2, kms, sts, iam.</param>
/// <param name="Operation">API operation, e.g. <c>DescribeImages</c>.</param>
/// <param name="Resource">The ARN or id the call is about, when there is one (for the error's fix).</param>
/// <param name="Endpoint">Where the call went (for Unreachable errors).</param>
/// <param name="CallerAccount">The caller's account when already known (for AccessDenied fixes).</param>
internal sealed record AwsCall(string Service, string Operation, string? Resource, string Endpoint, string? CallerAccount)
{
    /// <summary>The IAM action that authorizes the call, e.g. <c>kms:GetKeyPolicy</c>.</summary>
    public string Action => $"{Service}:{Operation}";
}
