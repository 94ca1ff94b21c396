namespace AmiShare.Policy.Catalogue;

/// <summary>
/// Systems Manager Parameter Store action names as IAM policies spell them (<c>ssm:Operation</c>), written only here.
/// A launch with <c>ImageId = resolve:ssm:NAME</c> needs <see cref="GetParameters"/> on the parameter, as on AWS.
/// </summary>
public static class SsmActions
{
    public const string Prefix = "ssm:";
    public const string All = "ssm:*";

    public const string PutParameter = "ssm:PutParameter";
    public const string GetParameter = "ssm:GetParameter";
    public const string GetParameters = "ssm:GetParameters";
    public const string GetParametersByPath = "ssm:GetParametersByPath";
    public const string GetParameterHistory = "ssm:GetParameterHistory";
    public const string DeleteParameter = "ssm:DeleteParameter";
    public const string DeleteParameters = "ssm:DeleteParameters";
    public const string LabelParameterVersion = "ssm:LabelParameterVersion";
    public const string DescribeParameters = "ssm:DescribeParameters";

    /// <summary>The ARN of a parameter: a leading <c>/</c> of a hierarchical name is not doubled.</summary>
    public static string ParameterArn(string region, string accountId, string name) =>
        $"arn:aws:ssm:{region}:{accountId}:parameter/{name.TrimStart('/')}";

    /// <summary>The data type of a parameter holding an AMI id: SSM checks the id exists, and RunInstances takes <c>resolve:ssm:NAME</c>.</summary>
    public const string ImageDataType = "aws:ec2:image";

    /// <summary>The tier a parameter must have to be shared with other accounts through AWS RAM.</summary>
    public const string AdvancedTier = "Advanced";
}
