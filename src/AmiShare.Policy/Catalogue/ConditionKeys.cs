namespace AmiShare.Policy.Catalogue;

/// <summary>
/// The condition keys AmiShare writes, reads or sets in requests, spelled once. Keys are case-insensitive in IAM;
/// these are AWS's documented spellings. Which keys are single- or multivalued is <see cref="ConditionKeyKinds"/>.
/// </summary>
public static class ConditionKeys
{
    // kms: keys (KMS Developer Guide, "AWS KMS condition keys").
    public const string KmsViaService = "kms:ViaService";
    public const string KmsCallerAccount = "kms:CallerAccount";
    public const string KmsGrantIsForAwsResource = "kms:GrantIsForAWSResource";
    public const string KmsGrantOperations = "kms:GrantOperations";
    public const string KmsGranteePrincipal = "kms:GranteePrincipal";
    public const string KmsRetiringPrincipal = "kms:RetiringPrincipal";
    public const string KmsGrantConstraintType = "kms:GrantConstraintType";
    public const string KmsEncryptionContextKeys = "kms:EncryptionContextKeys";

    /// <summary>Followed by a context key: <c>kms:EncryptionContext:aws:ebs:id</c>.</summary>
    public const string KmsEncryptionContextPrefix = "kms:EncryptionContext:";
    public const string KmsReEncryptOnSameKey = "kms:ReEncryptOnSameKey";
    public const string KmsBypassPolicyLockoutSafetyCheck = "kms:BypassPolicyLockoutSafetyCheck";
    public const string KmsMultiRegion = "kms:MultiRegion";
    public const string KmsKeySpec = "kms:KeySpec";
    public const string KmsKeyUsage = "kms:KeyUsage";
    public const string KmsKeyOrigin = "kms:KeyOrigin";
    public const string KmsSigningAlgorithm = "kms:SigningAlgorithm";
    public const string KmsMessageType = "kms:MessageType";
    public const string KmsMacAlgorithm = "kms:MacAlgorithm";
    public const string KmsEncryptionAlgorithm = "kms:EncryptionAlgorithm";
    public const string KmsDataKeyPairSpec = "kms:DataKeyPairSpec";

    // aws: global keys (IAM User Guide, "AWS global condition context keys").
    public const string AwsPrincipalOrgId = "aws:PrincipalOrgID";
    public const string AwsPrincipalOrgPaths = "aws:PrincipalOrgPaths";
    public const string AwsPrincipalAccount = "aws:PrincipalAccount";
    public const string AwsPrincipalArn = "aws:PrincipalArn";
    public const string AwsPrincipalType = "aws:PrincipalType";
    public const string AwsPrincipalIsAwsService = "aws:PrincipalIsAWSService";
    public const string AwsPrincipalServiceName = "aws:PrincipalServiceName";
    public const string AwsSourceAccount = "aws:SourceAccount";
    public const string AwsSourceArn = "aws:SourceArn";
    public const string AwsResourceAccount = "aws:ResourceAccount";
    public const string AwsResourceOrgId = "aws:ResourceOrgID";
    public const string AwsResourceOrgPaths = "aws:ResourceOrgPaths";
    public const string AwsRequestedRegion = "aws:RequestedRegion";
    public const string AwsViaAwsService = "aws:ViaAWSService";
    public const string AwsCalledVia = "aws:CalledVia";
    public const string AwsUserId = "aws:userid";
    public const string AwsUserName = "aws:username";
    public const string AwsCurrentTime = "aws:CurrentTime";
    public const string AwsEpochTime = "aws:EpochTime";
    public const string AwsSecureTransport = "aws:SecureTransport";
    public const string AwsMultiFactorAuthPresent = "aws:MultiFactorAuthPresent";

    /// <summary>The account owning the source resource of a service-to-service call; older than <c>aws:SourceAccount</c>.</summary>
    public const string AwsSourceOwner = "aws:SourceOwner";

    // ec2: keys (Service Authorization Reference, Amazon EC2).
    public const string Ec2Owner = "ec2:Owner";
    public const string Ec2Region = "ec2:Region";
    public const string Ec2Encrypted = "ec2:Encrypted";
    public const string Ec2ImageId = "ec2:ImageID";
    public const string Ec2ImageType = "ec2:ImageType";
    public const string Ec2Public = "ec2:Public";
    public const string Ec2ParentSnapshot = "ec2:ParentSnapshot";
    public const string Ec2RootDeviceType = "ec2:RootDeviceType";
    public const string Ec2SnapshotId = "ec2:SnapshotID";
    public const string Ec2VolumeType = "ec2:VolumeType";
    public const string Ec2CreateAction = "ec2:CreateAction";

    /// <summary><c>kms:EncryptionContext:KEY</c> for one encryption-context key.</summary>
    public static string KmsEncryptionContext(string contextKey) => KmsEncryptionContextPrefix + contextKey;

    // Tag keys (IAM User Guide, "Controlling access to AWS resources using tags"); EC2 sets them on tagging calls.

    /// <summary>The tag keys of a tagging request (a set).</summary>
    public const string AwsTagKeys = "aws:TagKeys";

    /// <summary>Followed by a tag key: <c>aws:RequestTag/team</c>, the value the request sets.</summary>
    public const string AwsRequestTagPrefix = "aws:RequestTag/";

    /// <summary><c>aws:RequestTag/KEY</c> for one tag key.</summary>
    public static string AwsRequestTag(string tagKey) => AwsRequestTagPrefix + tagKey;

    /// <summary>Followed by a tag key: <c>aws:ResourceTag/team</c>, a tag the resource has now.</summary>
    public const string AwsResourceTagPrefix = "aws:ResourceTag/";

    /// <summary><c>aws:ResourceTag/KEY</c> for one tag key.</summary>
    public static string AwsResourceTag(string tagKey) => AwsResourceTagPrefix + tagKey;

    /// <summary>Followed by a tag key: <c>iam:ResourceTag/team</c>, IAM's own name for a user's or role's tag (Service Authorization Reference, IAM).</summary>
    public const string IamResourceTagPrefix = "iam:ResourceTag/";

    /// <summary><c>iam:ResourceTag/KEY</c> for one tag key.</summary>
    public static string IamResourceTag(string tagKey) => IamResourceTagPrefix + tagKey;

    /// <summary>Followed by a tag key: <c>aws:PrincipalTag/team</c>, a tag of the calling principal (session tags included).</summary>
    public const string AwsPrincipalTagPrefix = "aws:PrincipalTag/";

    /// <summary><c>aws:PrincipalTag/KEY</c> for one tag key.</summary>
    public static string AwsPrincipalTag(string tagKey) => AwsPrincipalTagPrefix + tagKey;

    /// <summary>The session tag keys an AssumeRole request sets as transitive (a set; IAM User Guide, "Passing session tags in AWS STS").</summary>
    public const string StsTransitiveTagKeys = "sts:TransitiveTagKeys";
}
