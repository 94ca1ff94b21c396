namespace AmiShare.Policy.Catalogue;

/// <summary>Fixed AWS limits AmiShare plans around (docs/aws-facts.md §4, §5).</summary>
public static class AwsLimits
{
    /// <summary>KMS's key-policy size limit in bytes; not adjustable.</summary>
    public const int KeyPolicyMaxBytes = 32_768;

    /// <summary>Sharing entities (accounts, organizations, OUs) in one AMI's launch permissions, per Region.</summary>
    public const int LaunchPermissionEntitiesPerImage = 1_000;

    /// <summary>Grants on one KMS key.</summary>
    public const int GrantsPerKey = 50_000;

    /// <summary>Longest SSM parameter name PutParameter accepts (the full ARN may be up to 2,048 characters).</summary>
    public const int SsmParameterNameMaxLength = 1_011;

    /// <summary>Levels in an SSM parameter hierarchy (<c>/a/b/c</c> has 3).</summary>
    public const int SsmParameterHierarchyMaxDepth = 15;
}
