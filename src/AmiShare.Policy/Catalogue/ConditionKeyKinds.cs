using System.Collections.Frozen;

namespace AmiShare.Policy.Catalogue;

/// <summary>
/// Well-known condition keys and whether a request carries one value or a set for them. Set qualifiers
/// (<c>ForAnyValue:</c>, <c>ForAllValues:</c>) only make sense on sets, and a set key compared without one
/// is tested value by value in a way authors rarely expect. Keys are case-insensitive in IAM.
/// Unknown keys are neither: the rules stay silent rather than guess.
/// </summary>
internal static class ConditionKeyKinds
{
    private static readonly FrozenSet<string> SingleValuedKeys = FrozenSet.ToFrozenSet(
    [
        "aws:CurrentTime", "aws:EpochTime", "aws:FederatedProvider", "aws:MultiFactorAuthAge",
        "aws:MultiFactorAuthPresent", "aws:PrincipalAccount", "aws:PrincipalArn", "aws:PrincipalIsAWSService",
        "aws:PrincipalOrgID", "aws:PrincipalServiceName", "aws:PrincipalType", "aws:Referer",
        "aws:RequestedRegion", "aws:ResourceAccount", "aws:ResourceOrgID", "aws:SecureTransport",
        "aws:SourceAccount", "aws:SourceArn", "aws:SourceIdentity", "aws:SourceIp", "aws:SourceOrgID",
        "aws:SourceVpc", "aws:SourceVpce", "aws:TokenIssueTime", "aws:UserAgent", "aws:userid",
        "aws:username", "aws:ViaAWSService", "aws:VpcSourceIp", "aws:CalledViaFirst", "aws:CalledViaLast",
        "aws:Ec2InstanceSourceVpc", "aws:Ec2InstanceSourcePrivateIPv4",
        "kms:BypassPolicyLockoutSafetyCheck", "kms:CallerAccount", "kms:DataKeyPairSpec",
        "kms:EncryptionAlgorithm", "kms:ExpirationModel", "kms:GrantConstraintType", "kms:GranteePrincipal",
        "kms:GrantIsForAWSResource", "kms:KeyOrigin", "kms:KeySpec", "kms:KeyUsage", "kms:MacAlgorithm",
        "kms:MessageType", "kms:MultiRegion", "kms:MultiRegionKeyType", "kms:ReEncryptOnSameKey",
        "kms:RetiringPrincipal", "kms:RotationPeriodInDays", "kms:SigningAlgorithm", "kms:ValidTo",
        "kms:ViaService", "kms:WrappingAlgorithm", "kms:WrappingKeySpec",
        "ec2:Encrypted", "ec2:ImageID", "ec2:ImageType", "ec2:Owner", "ec2:ParentSnapshot", "ec2:Public",
        "ec2:Region", "ec2:RootDeviceType", "ec2:SnapshotID", "ec2:VolumeType",
    ], StringComparer.OrdinalIgnoreCase);

    /// <summary>Families of keys named by a prefix; each instance holds one value (a tag value, one context pair).</summary>
    private static readonly string[] SingleValuedPrefixes =
    [
        "aws:RequestTag/", "aws:ResourceTag/", "aws:PrincipalTag/", "ec2:ResourceTag/", "iam:ResourceTag/", "kms:EncryptionContext:",
    ];

    private static readonly FrozenSet<string> MultivaluedKeys = FrozenSet.ToFrozenSet(
    [
        "aws:CalledVia", "aws:PrincipalOrgPaths", "aws:PrincipalServiceNamesList", "aws:ResourceOrgPaths",
        "aws:SourceOrgPaths", "aws:TagKeys",
        "kms:EncryptionContextKeys", "kms:GrantOperations", "sts:TransitiveTagKeys",
    ], StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Keys that pin down who is calling or from where. A public (<c>"*"</c>) principal guarded by one of these
    /// in a positive test is not open to the world.
    /// </summary>
    private static readonly FrozenSet<string> CallerScopingKeys = FrozenSet.ToFrozenSet(
    [
        "aws:PrincipalAccount", "aws:PrincipalArn", "aws:PrincipalOrgID", "aws:PrincipalOrgPaths",
        "aws:PrincipalServiceName", "aws:SourceAccount", "aws:SourceArn", "aws:SourceIp", "aws:SourceOrgID",
        "aws:SourceOrgPaths", "aws:SourceOwner", "aws:SourceVpc", "aws:SourceVpce", "aws:userid",
        "aws:username", "kms:CallerAccount", "kms:ViaService",
    ], StringComparer.OrdinalIgnoreCase);

    public static bool IsSingleValued(string key)
    {
        if (SingleValuedKeys.Contains(key))
        {
            return true;
        }

        foreach (var prefix in SingleValuedPrefixes)
        {
            if (key.Length > prefix.Length && key.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    public static bool IsMultivalued(string key) => MultivaluedKeys.Contains(key);

    public static bool ScopesCaller(string key) => CallerScopingKeys.Contains(key);
}
