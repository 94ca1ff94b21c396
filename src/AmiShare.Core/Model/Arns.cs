using AmiShare.Policy.Catalogue;

namespace AmiShare.Core.Model;

/// <summary>The few ARN facts the planner needs, without a general ARN parser.</summary>
public static class Arns
{
    /// <summary>The region field of an ARN (<c>arn:partition:service:REGION:account:resource</c>), or empty.</summary>
    public static string RegionOf(string arn)
    {
        var parts = arn.Split(':', 6);
        return parts.Length == 6 ? parts[3] : string.Empty;
    }

    public static string AccountOf(string arn)
    {
        var parts = arn.Split(':', 6);
        return parts.Length == 6 ? parts[4] : string.Empty;
    }

    public static string PartitionOf(string arn)
    {
        var parts = arn.Split(':', 6);
        return parts.Length == 6 ? parts[1] : "aws";
    }

    public static string AccountRoot(string accountId, string partition = "aws") => $"arn:{partition}:iam::{accountId}:root";

    public static string ImageArn(string region, string imageId, string partition = "aws") => $"arn:{partition}:ec2:{region}::image/{imageId}";

    /// <summary>The role Auto Scaling launches with in the target account (docs/aws-facts.md §5); doctor and audit read it here.</summary>
    public static string AutoScalingServiceRole(string accountId, string partition = "aws") => AwsServicePrincipals.AutoScalingServiceRole(accountId, partition);

    /// <summary>Forwards to the catalogue for doctor and audit.</summary>
    public static string Ec2ViaService(string region) => Ec2KmsUse.ViaService(region);
}
