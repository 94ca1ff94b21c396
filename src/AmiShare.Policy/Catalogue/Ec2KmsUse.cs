using System.Collections.Immutable;

namespace AmiShare.Policy.Catalogue;

/// <summary>What EC2 does with a KMS key when it makes an EBS volume or snapshot for a caller.</summary>
public enum Ec2KeyRole
{
    /// <summary>The key the image's snapshots are encrypted under now (the source account's key for a shared image).</summary>
    Source,

    /// <summary>The key the new volume or copy is encrypted under (the block-device key, else the account's default EBS key).</summary>
    Destination,
}

/// <summary>The three ways a target uses a shared encrypted image, each with its own KMS calls.</summary>
public enum Ec2KeyScenario
{
    /// <summary>RunInstances by a principal of the target account.</summary>
    Launch,

    /// <summary>CopyImage (or CopySnapshot) by a principal of the target account.</summary>
    Copy,

    /// <summary>A launch by an Auto Scaling group, as the target's Auto Scaling service-linked role, through a grant.</summary>
    AutoScalingLaunch,
}

/// <summary>One KMS call EC2 makes on a caller's behalf.</summary>
/// <param name="Action">The KMS action authorized, e.g. <c>kms:CreateGrant</c>.</param>
/// <param name="Key">Which key it is made on.</param>
public sealed record Ec2KmsCall(string Action, Ec2KeyRole Key)
{
    /// <summary>The grant EC2 creates for a volume: KMS sets <c>kms:GrantIsForAWSResource</c> for it.</summary>
    public bool IsGrantForAwsResource => Action == KmsActions.CreateGrant;
}

/// <summary>
/// The one model of how EC2 calls KMS for a launch, a copy and an Auto Scaling launch (docs/aws-facts.md §1, §2, §5):
/// the actions on each key, the context EC2 adds to each call (<c>kms:ViaService</c>, <c>kms:CallerAccount</c>, the
/// EBS encryption context, <c>kms:GrantIsForAWSResource</c> on the volume grant), and the grants involved. LocalCloud
/// enforces it; Core plans key statements, the target's IAM policy, verify, doctor and audit from it. Change it here
/// and both sides change.
/// </summary>
public static class Ec2KmsUse
{
    /// <summary>The EBS encryption-context key: the volume id (the snapshot id for CopySnapshot).</summary>
    public const string EbsContextKey = "aws:ebs:id";

    /// <summary>The constraint type of the grant EC2 creates for a volume.</summary>
    public const string VolumeGrantConstraintType = "EncryptionContextSubset";

    /// <summary>The role name EC2's infrastructure acts as when it uses a volume's grant.</summary>
    public const string InfrastructureRoleName = "aws:ec2-infrastructure";

    /// <summary>What EC2 asks of the source key for a launch (decrypting the snapshot's data key, or re-encrypting it).</summary>
    public static readonly ImmutableArray<string> SourceKeyActions =
        [KmsActions.DescribeKey, KmsActions.Decrypt, KmsActions.ReEncryptFrom, KmsActions.GenerateDataKeyWithoutPlaintext, KmsActions.CreateGrant];

    /// <summary>What EC2 asks of the key the new volume is encrypted under: it re-encrypts into it rather than from it.</summary>
    public static readonly ImmutableArray<string> DestinationKeyActions =
        [KmsActions.DescribeKey, KmsActions.Decrypt, KmsActions.ReEncryptTo, KmsActions.GenerateDataKeyWithoutPlaintext, KmsActions.CreateGrant];

    /// <summary>
    /// The crypto actions AmiShare's key-policy statements allow the target (through EC2 only); <c>kms:ReEncrypt*</c>
    /// covers both halves. <c>kms:CreateGrant</c> is granted in its own statement, for AWS resources only.
    /// </summary>
    public static readonly ImmutableArray<string> KeyPolicyCryptoActions =
        [KmsActions.Decrypt, KmsActions.DescribeKey, KmsActions.GenerateDataKeyWithoutPlaintext, KmsActions.ReEncryptAny];

    /// <summary>
    /// The crypto actions the target's launching principal needs in its own IAM policy on the source key; it also
    /// needs <c>kms:CreateGrant</c> with <c>kms:GrantIsForAWSResource</c>.
    /// </summary>
    public static readonly ImmutableArray<string> IdentityCryptoActions =
        [KmsActions.Decrypt, KmsActions.DescribeKey, KmsActions.GenerateDataKeyWithoutPlaintext, KmsActions.ReEncryptFrom, KmsActions.ReEncryptTo];

    /// <summary>The operations of the grant EC2 creates for a volume, in the order EC2 lists them.</summary>
    public static readonly ImmutableArray<string> VolumeGrantOperations =
        ["Decrypt", "Encrypt", "GenerateDataKey", "GenerateDataKeyWithoutPlaintext", "ReEncryptFrom", "ReEncryptTo", "CreateGrant", "DescribeKey"];

    /// <summary>
    /// The operations of the grant the target creates on the source key for its Auto Scaling service-linked role
    /// (EC2 Auto Scaling User Guide, key-policy-requirements-EBS-encryption.html).
    /// </summary>
    public static readonly ImmutableArray<string> AutoScalingGrantOperations =
        ["Encrypt", "Decrypt", "ReEncryptFrom", "ReEncryptTo", "GenerateDataKey", "GenerateDataKeyWithoutPlaintext", "DescribeKey", "CreateGrant"];

    /// <summary>
    /// The calls EC2 may make on each key for <paramref name="scenario"/>. A launch and a copy ask the same of the
    /// keys (the copy re-encrypts where the launch decrypts and grants, and which one EC2 takes is its choice, so
    /// both must be allowed); an Auto Scaling launch makes them as the service-linked role, which only a grant
    /// with <see cref="AutoScalingGrantOperations"/> on the source key admits (<see cref="NeedsAutoScalingGrant"/>).
    /// </summary>
    public static ImmutableArray<Ec2KmsCall> CallsFor(Ec2KeyScenario scenario) => scenario switch
    {
        Ec2KeyScenario.Launch or Ec2KeyScenario.Copy or Ec2KeyScenario.AutoScalingLaunch =>
            [.. SourceKeyActions.Select(a => new Ec2KmsCall(a, Ec2KeyRole.Source)), .. DestinationKeyActions.Select(a => new Ec2KmsCall(a, Ec2KeyRole.Destination))],
        _ => throw new ArgumentOutOfRangeException(nameof(scenario), scenario, null),
    };

    /// <summary>True where the caller is a service-linked role that a key policy naming the account does not cover.</summary>
    public static bool NeedsAutoScalingGrant(Ec2KeyScenario scenario) => scenario == Ec2KeyScenario.AutoScalingLaunch;

    /// <summary>The actions on a key in the given role.</summary>
    public static ImmutableArray<string> ActionsOn(Ec2KeyRole role) => role == Ec2KeyRole.Source ? SourceKeyActions : DestinationKeyActions;

    /// <summary>The value of <c>kms:ViaService</c> for EC2 in <paramref name="region"/>.</summary>
    public static string ViaService(string region) => AwsServicePrincipals.Ec2ViaService(region);

    /// <summary>The principal EC2's infrastructure acts as when it uses the grant made for <paramref name="resourceId"/>.</summary>
    public static string InfrastructurePrincipal(string accountId, string resourceId) =>
        $"arn:aws:sts::{accountId}:assumed-role/{InfrastructureRoleName}/{resourceId}";

    /// <summary>The encryption context EC2 uses for an EBS volume or snapshot.</summary>
    public static IReadOnlyDictionary<string, string> EbsContext(string ebsId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(ebsId);
        return new Dictionary<string, string>(StringComparer.Ordinal) { [EbsContextKey] = ebsId };
    }

    /// <summary>
    /// The condition keys EC2's call of <paramref name="action"/> on a key in <paramref name="keyRegion"/> carries,
    /// besides the encryption context: <c>kms:ViaService</c>, <c>kms:CallerAccount</c> when the caller's account is
    /// known, and <c>kms:GrantIsForAWSResource</c> on the grant EC2 makes for the volume. Core evaluates key policies
    /// with exactly these; LocalCloud sets them on every call EC2 makes.
    /// </summary>
    public static IReadOnlyList<KeyValuePair<string, string[]>> RequestContext(string action, string keyRegion, string? callerAccount)
    {
        ArgumentNullException.ThrowIfNull(action);
        var context = new List<KeyValuePair<string, string[]>>(3) { new(ConditionKeys.KmsViaService, [ViaService(keyRegion)]) };
        if (string.Equals(action, KmsActions.CreateGrant, StringComparison.OrdinalIgnoreCase))
        {
            context.Add(new(ConditionKeys.KmsGrantIsForAwsResource, ["true"]));
        }

        if (!string.IsNullOrEmpty(callerAccount))
        {
            context.Add(new(ConditionKeys.KmsCallerAccount, [callerAccount]));
        }

        return context;
    }

    /// <summary>
    /// The condition keys of the grant EC2 creates for a volume (beyond <see cref="RequestContext"/>): its operations,
    /// grantee and constraint type.
    /// </summary>
    public static IReadOnlyList<KeyValuePair<string, string[]>> VolumeGrantContext(string grantee) =>
    [
        new(ConditionKeys.KmsGrantOperations, [.. VolumeGrantOperations]),
        new(ConditionKeys.KmsGranteePrincipal, [grantee]),
        new(ConditionKeys.KmsGrantConstraintType, [VolumeGrantConstraintType]),
    ];
}
