using System.Collections.Immutable;
using AmiShare.Core.Doctor;
using AmiShare.Core.Iam;
using AmiShare.Core.KeyPolicies;
using AmiShare.Core.Model;
using AmiShare.Core.Ports;
using AmiShare.Policy.Catalogue;
using AmiShare.Policy.Kms;
using static AmiShare.Core.Tests.Fixtures;

namespace AmiShare.Core.Tests.Doctor;

/// <summary>
/// A share of one CMK image with <see cref="Fixtures.TargetA"/> done right, as AmiShare leaves it: launch and volume
/// permissions, key-policy statements (with the Auto Scaling one), the Auto Scaling grant, the target role's IAM
/// policy, a usable default EBS key and Allowed AMIs listing the source. Each fault breaks exactly one link.
/// </summary>
internal static class DoctorScenario
{
    public const string ImageId = "ami-0123456789abcdef0";
    public const string SnapshotId = "snap-0123456789abcdef0";
    public const string Launcher = "arn:aws:iam::222222222222:role/Launcher";
    public const string TargetDefaultKey = "arn:aws:kms:us-east-1:222222222222:key/bbbb1111-2222-3333-4444-555555555555";

    public static readonly string AsgRole = AwsServicePrincipals.AutoScalingServiceRole(TargetA);

    /// <summary>The target's default EBS key policy as the console creates it: the account delegates to IAM.</summary>
    public const string TargetDefaultKeyPolicy =
        """{"Version":"2012-10-17","Statement":[{"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::222222222222:root"},"Action":"kms:*","Resource":"*"}]}""";

    public static readonly string EbsKeyUsePolicy = $$"""
        {"Version":"2012-10-17","Statement":[{"Sid":"UseDefaultEbsKey","Effect":"Allow","Action":["kms:DescribeKey","kms:Decrypt","kms:ReEncryptTo","kms:GenerateDataKeyWithoutPlaintext","kms:CreateGrant"],"Resource":"{{TargetDefaultKey}}"}]}
        """;

    public const string CopyPolicy =
        """{"Version":"2012-10-17","Statement":[{"Sid":"CopyImages","Effect":"Allow","Action":"ec2:CopyImage","Resource":"*"}]}""";

    public static string SharedKeyPolicy(bool asg = true) =>
        KeyPolicyBuilder.Share(DefaultPolicy, Region, KeyPolicyBuilder.AudienceFor(Targets(TargetA), [], asg, null)).PolicyJson;

    public static KmsGrant AsgGrant => new(AsgRole, Ec2KmsUse.AutoScalingGrantOperations, GrantId: "grant-asg-222222222222", Name: "AmiShareAsg");

    public static DoctorFacts Clean(bool copy = false, bool asg = false) => new(
        new DoctorImage(
            ImageId,
            Region,
            Source,
            ImageAvailability.Available,
            new LaunchPermissionList(Targets(TargetA), false),
            [new DoctorSnapshot(SnapshotId, true, CmkArn, [TargetA])]),
        [new DoctorKey(CmkArn, KeyManager.Customer, KeyStatus.Enabled, SharedKeyPolicy(), [AsgGrant])],
        new DoctorTarget(
            TargetA,
            Launcher,
            new TargetIdentity([
                new NamedPolicy(TargetIamPolicyBuilder.PolicyName, TargetIamPolicyBuilder.Build([CmkArn], [Region], Source).PolicyJson),
                new NamedPolicy("EbsDefaultKey", EbsKeyUsePolicy),
                new NamedPolicy("Copy", CopyPolicy),
            ]),
            new DoctorKey(TargetDefaultKey, KeyManager.Customer, KeyStatus.Enabled, TargetDefaultKeyPolicy, []),
            new AllowedImagesSettings(AllowedImagesSettings.Enabled, ["amazon", Source])),
        new DoctorOptions(copy, asg),
        new PublicAccessSettings(PublicAccessSettings.BlockNewSharing, PublicAccessSettings.BlockAllSharing))
    {
        ServiceControlPolicies = Scps(),
    };

    public const string Sharer = "arn:aws:iam::111111111111:role/ImagePublisher";

    public static readonly OrganizationPolicy FullAwsAccess = new("p-FullAWSAccess", "FullAWSAccess", """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}""");

    /// <summary>The organization's SCPs over both accounts: FullAWSAccess at root, OU and account, plus <paramref name="onTarget"/> on the target account.</summary>
    public static DoctorScpFacts Scps(OrganizationPolicy? onSource = null, OrganizationPolicy? onTarget = null)
    {
        static AccountServiceControlPolicies Over(string account, OrganizationPolicy? extra) => new(
            account,
            "999999999999",
            [new ScpLevel("r-root", [FullAwsAccess]), new ScpLevel("ou-" + account, [FullAwsAccess]), new ScpLevel(account, extra is null ? [FullAwsAccess] : [FullAwsAccess, extra])]);
        return new DoctorScpFacts(Sharer, Over(Source, onSource), Over(TargetA, onTarget));
    }

    public static DoctorFacts WithIdentity(this DoctorFacts facts, params NamedPolicy[] extra) =>
        facts with { Target = facts.Target with { Identity = new TargetIdentity([.. facts.Target.Identity!.Policies, .. extra]) } };

    public static DoctorFacts WithKey(this DoctorFacts facts, Func<DoctorKey, DoctorKey> change) =>
        facts with { SourceKeys = [.. facts.SourceKeys.Select(change)] };

    public static DoctorFacts WithImage(this DoctorFacts facts, Func<DoctorImage, DoctorImage> change) =>
        facts with { Image = change(facts.Image) };

    public static DoctorFacts WithTarget(this DoctorFacts facts, Func<DoctorTarget, DoctorTarget> change) =>
        facts with { Target = change(facts.Target) };

    public static ImmutableArray<ShareTarget> NoTargets => [];
}
