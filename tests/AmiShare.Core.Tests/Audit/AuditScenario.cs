using System.Collections.Immutable;
using AmiShare.Core.Audit;
using AmiShare.Core.KeyPolicies;
using AmiShare.Core.Model;
using AmiShare.Policy.Catalogue;
using AmiShare.Policy.Kms;
using static AmiShare.Core.Tests.Fixtures;

namespace AmiShare.Core.Tests.Audit;

/// <summary>
/// A source account whose shares are all in order: a CMK image shared with <see cref="Fixtures.TargetA"/> (copy and
/// Auto Scaling included), one shared with the organization, one private; CloudTrail shows the target using them.
/// Each fault plants one problem.
/// </summary>
internal static class AuditScenario
{
    public const string OrgKeyArn = "arn:aws:kms:us-east-1:111111111111:key/0rg0rg00-1111-2222-3333-444444444444";
    public static readonly DateTimeOffset Now = new(2025, 6, 30, 12, 0, 0, TimeSpan.Zero);

    public static string AccountKeyPolicy(params string[] accounts) =>
        KeyPolicyBuilder.Share(DefaultPolicy, Region, KeyPolicyBuilder.AudienceFor(Targets(accounts), [], asg: true, null)).PolicyJson;

    public static string OrgKeyPolicy() =>
        KeyPolicyBuilder.Share(DefaultPolicy, Region, KeyPolicyBuilder.AudienceFor(Targets(OrgArn), [], asg: false, Organization(TargetA, TargetB))).PolicyJson;

    public static KmsGrant AsgGrant(string account, string id = "grant-asg") =>
        new(AwsServicePrincipals.AutoScalingServiceRole(account), Ec2KmsUse.AutoScalingGrantOperations, GrantId: id, Name: "AmiShareAsg");

    public static AuditImage Image(string id, string snapshot, params string[] targets) =>
        new(id, id + "-name", Region, ImageAvailability.Available, Targets(targets), false, [snapshot]);

    public static AccountInventory Clean() => new(
        Source,
        [
            Image("ami-shared", "snap-shared", TargetA),
            Image("ami-org", "snap-org", OrgArn),
            Image("ami-private", "snap-private"),
        ],
        [
            new AuditSnapshot("snap-shared", Region, true, CmkArn, [TargetA]),
            new AuditSnapshot("snap-org", Region, true, OrgKeyArn, []),
            new AuditSnapshot("snap-private", Region, true, OtherCmkArn, []),
        ],
        [
            new AuditKey(CmkArn, KeyManager.Customer, KeyStatus.Enabled, AccountKeyPolicy(TargetA), [AsgGrant(TargetA)], ["alias/golden"]),
            new AuditKey(OrgKeyArn, KeyManager.Customer, KeyStatus.Enabled, OrgKeyPolicy(), []),
            new AuditKey(OtherCmkArn, KeyManager.Customer, KeyStatus.Enabled, DefaultPolicy, []),
            new AuditKey(AwsEbsArn, KeyManager.Aws, KeyStatus.Enabled, AwsEbsPolicy, [], ["alias/aws/ebs"]),
        ],
        [
            KmsCall("e1", "Decrypt", TargetA, CmkArn, Now.AddDays(-3)),
            KmsCall("e2", "CreateGrant", TargetA, CmkArn, Now.AddDays(-2)),
            KmsCall("e3", "Decrypt", Source, CmkArn, Now.AddDays(-1)),
            ShareChange("e4", "ModifyImageAttribute", """{"imageId":"ami-shared","launchPermission":{"add":{"items":[{"userId":"222222222222"}]}},"attributeType":"launchPermission"}""", Now.AddDays(-10)),
            ShareChange("e5", "ModifySnapshotAttribute", """{"snapshotId":"snap-shared","createVolumePermission":{"add":{"items":[{"userId":"222222222222"}]},"remove":{"items":[{"userId":"444444444444"}]}},"attributeType":"CREATE_VOLUME_PERMISSION"}""", Now.AddDays(-9)),
            new TrailEvent("e6", TrailEvidence.SnapshotCopied, "ec2.amazonaws.com", Now.AddDays(-5), Region, null, TargetA, [new TrailEventResource("AWS::EC2::Snapshot", $"arn:aws:ec2:{Region}::snapshot/snap-shared", Source)], ServiceEventDetailsJson: """{"snapshotId":"snap-shared"}"""),
        ],
        Organization(TargetA, TargetB),
        [Region]);

    public static TrailEvent KmsCall(string id, string operation, string account, string keyArn, DateTimeOffset time) =>
        new(id, operation, "kms.amazonaws.com", time, Region, $"arn:aws:sts::{account}:assumed-role/Launcher/i-0abc", account, [new TrailEventResource("AWS::KMS::Key", keyArn, Source)], InvokedBy: "ec2.amazonaws.com", SharedEventId: "shared-" + id);

    public static TrailEvent ShareChange(string id, string name, string parameters, DateTimeOffset time) =>
        new(id, name, "ec2.amazonaws.com", time, Region, "arn:aws:iam::111111111111:user/admin", Source, [], RequestParametersJson: parameters);

    public static AccountInventory WithKey(this AccountInventory inventory, string arn, Func<AuditKey, AuditKey> change) =>
        inventory with { Keys = [.. inventory.Keys.Select(k => k.Arn == arn ? change(k) : k)] };

    public static AccountInventory WithImage(this AccountInventory inventory, AuditImage image, params AuditSnapshot[] snapshots) =>
        inventory with { Images = inventory.Images.Add(image), Snapshots = inventory.Snapshots.AddRange(snapshots) };

    public static AccountInventory WithImages(this AccountInventory inventory, Func<AuditImage, AuditImage> change) =>
        inventory with { Images = [.. inventory.Images.Select(change)] };

    public static ImmutableArray<ShareTarget> ManyAccounts(int count) =>
        [.. Enumerable.Range(0, count).Select(i => ShareTarget.Account((500_000_000_000L + i).ToString(System.Globalization.CultureInfo.InvariantCulture)))];
}
