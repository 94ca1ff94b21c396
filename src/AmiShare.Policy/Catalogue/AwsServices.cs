namespace AmiShare.Policy.Catalogue;

/// <summary>
/// Service principals, CloudTrail event sources and the service-linked roles that take part in a share, spelled
/// once (docs/aws-facts.md §1, §5, §7).
/// </summary>
public static class AwsServicePrincipals
{
    public const string Ec2 = "ec2.amazonaws.com";
    public const string Kms = "kms.amazonaws.com";
    public const string AutoScaling = "autoscaling.amazonaws.com";
    public const string Organizations = "organizations.amazonaws.com";

    /// <summary>The role an Auto Scaling group launches with in its account.</summary>
    public const string AutoScalingServiceRoleName = "AWSServiceRoleForAutoScaling";

    /// <summary>The value of <c>kms:ViaService</c> when EC2 calls KMS in <paramref name="region"/>.</summary>
    public static string Ec2ViaService(string region) => $"ec2.{region}.amazonaws.com";

    /// <summary>The regional EC2 endpoint host (DescribeRegions' regionEndpoint).</summary>
    public static string Ec2Endpoint(string region) => Ec2ViaService(region);

    /// <summary><c>kms</c> → <c>kms.amazonaws.com</c>: a service's CloudTrail event source.</summary>
    public static string EventSourceOf(string service) => service.ToLowerInvariant() + ".amazonaws.com";

    /// <summary>The Auto Scaling service-linked role of an account.</summary>
    public static string AutoScalingServiceRole(string accountId, string partition = "aws") =>
        $"arn:{partition}:iam::{accountId}:role/aws-service-role/{AutoScaling}/{AutoScalingServiceRoleName}";
}
