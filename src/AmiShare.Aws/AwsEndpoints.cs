using Amazon;
using Amazon.Runtime;

namespace AmiShare.Aws;

/// <summary>
/// Where each service's calls go. An explicit endpoint (<c>--endpoint-url</c>) wins, then
/// <c>AWS_ENDPOINT_URL_&lt;SERVICE&gt;</c>, then <c>AWS_ENDPOINT_URL</c> (both skipped when
/// <c>AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true</c>), then AWS's regional endpoint. SDK v4 also reads the two
/// variables by itself, but only for its own clients and without pinning the signing region; resolving them here
/// gives the SDK clients and the narrow IAM client one rule, sets <c>AuthenticationRegion</c> (a custom host
/// says nothing about its region) and lets errors name the endpoint that failed.
/// </summary>
internal static class AwsEndpoints
{
    /// <summary>Service ids as the environment variables spell them (AWS_ENDPOINT_URL_EC2, …).</summary>
    public const string Ec2 = "EC2";
    public const string Kms = "KMS";
    public const string Sts = "STS";
    public const string Iam = "IAM";
    public const string CloudTrail = "CLOUDTRAIL";
    public const string Organizations = "ORGANIZATIONS";
    public const string Ssm = "SSM";

    public static Uri? Configured(string serviceEnvId, Uri? explicitEndpoint)
    {
        if (explicitEndpoint is not null)
        {
            return explicitEndpoint;
        }

        if (string.Equals(Environment.GetEnvironmentVariable("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"), "true", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var text = Environment.GetEnvironmentVariable("AWS_ENDPOINT_URL_" + serviceEnvId);
        if (string.IsNullOrWhiteSpace(text))
        {
            text = Environment.GetEnvironmentVariable("AWS_ENDPOINT_URL");
        }

        return string.IsNullOrWhiteSpace(text) ? null
            : Uri.TryCreate(text.Trim(), UriKind.Absolute, out var uri) ? uri
            : throw new ArgumentException($"The endpoint '{text}' in AWS_ENDPOINT_URL(_{serviceEnvId}) is not an absolute URL such as http://127.0.0.1:4566.");
    }

    /// <summary>Aims an SDK client config: the override with its signing region, or the region's AWS endpoint.</summary>
    public static string Apply(ClientConfig config, string serviceEnvId, Uri? explicitEndpoint, string region)
    {
        var endpoint = Configured(serviceEnvId, explicitEndpoint);
        if (endpoint is not null)
        {
            config.ServiceURL = endpoint.ToString();
            config.AuthenticationRegion = region;
            return endpoint.ToString();
        }

        config.RegionEndpoint = RegionEndpoint.GetBySystemName(region);
        return $"{serviceEnvId.ToLowerInvariant()}.{region} ({config.RegionEndpoint.DisplayName})";
    }

    /// <summary>IAM is global: its endpoint and signing region depend on the partition only.</summary>
    public static (Uri Endpoint, string SigningRegion) IamEndpoint(Uri? explicitEndpoint, string homeRegion)
    {
        var endpoint = Configured(Iam, explicitEndpoint);
        if (endpoint is not null)
        {
            return (endpoint, "us-east-1");
        }

        return homeRegion switch
        {
            _ when homeRegion.StartsWith("cn-", StringComparison.Ordinal) => (new Uri("https://iam.cn-north-1.amazonaws.com.cn/"), "cn-north-1"),
            _ when homeRegion.StartsWith("us-gov-", StringComparison.Ordinal) => (new Uri("https://iam.us-gov.amazonaws.com/"), "us-gov-west-1"),
            _ => (new Uri("https://iam.amazonaws.com/"), "us-east-1"),
        };
    }

    /// <summary>CloudTrail is regional: the override signed for the region, else AWS's regional endpoint.</summary>
    public static (Uri Endpoint, string SigningRegion) CloudTrailEndpoint(Uri? explicitEndpoint, string region)
    {
        var endpoint = Configured(CloudTrail, explicitEndpoint);
        return (endpoint ?? new Uri($"https://cloudtrail.{region}.{DnsSuffix(region)}/"), region);
    }

    /// <summary>Organizations is global, served from one region per partition.</summary>
    public static (Uri Endpoint, string SigningRegion) OrganizationsEndpoint(Uri? explicitEndpoint, string homeRegion)
    {
        var endpoint = Configured(Organizations, explicitEndpoint);
        if (endpoint is not null)
        {
            return (endpoint, "us-east-1");
        }

        return homeRegion switch
        {
            _ when homeRegion.StartsWith("cn-", StringComparison.Ordinal) => (new Uri("https://organizations.cn-northwest-1.amazonaws.com.cn/"), "cn-northwest-1"),
            _ when homeRegion.StartsWith("us-gov-", StringComparison.Ordinal) => (new Uri("https://organizations.us-gov-west-1.amazonaws.com/"), "us-gov-west-1"),
            _ => (new Uri("https://organizations.us-east-1.amazonaws.com/"), "us-east-1"),
        };
    }

    private static string DnsSuffix(string region) => region.StartsWith("cn-", StringComparison.Ordinal) ? "amazonaws.com.cn" : "amazonaws.com";
}
