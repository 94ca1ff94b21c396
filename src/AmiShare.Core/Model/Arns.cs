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
}
