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
}
