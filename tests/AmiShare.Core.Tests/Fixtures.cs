using System.Collections.Immutable;
using AmiShare.Core.Model;
using AmiShare.Core.Planning;

namespace AmiShare.Core.Tests;

/// <summary>A small source account: one CMK image, one aws/ebs image, known org, and helpers to evolve it.</summary>
internal static class Fixtures
{
    public const string Source = "111111111111";
    public const string TargetA = "222222222222";
    public const string TargetB = "333333333333";
    public const string Outsider = "444444444444";
    public const string Region = "us-east-1";
    public const string OrgId = "o-abcdefghij";
    public const string OrgArn = "arn:aws:organizations::111111111111:organization/o-abcdefghij";
    public const string OuId = "ou-ab12-11111111";
    public const string OuArn = "arn:aws:organizations::111111111111:ou/o-abcdefghij/ou-ab12-11111111";
    public const string CmkArn = "arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    public const string OtherCmkArn = "arn:aws:kms:us-east-1:111111111111:key/9999abcd-12ab-34cd-56ef-1234567890ab";
    public const string MrkArn = "arn:aws:kms:us-east-1:111111111111:key/mrk-1234abcd12ab34cd56ef1234567890ab";
    public const string MrkReplicaArn = "arn:aws:kms:eu-west-1:111111111111:key/mrk-1234abcd12ab34cd56ef1234567890ab";
    public const string AwsEbsArn = "arn:aws:kms:us-east-1:111111111111:key/aaaa0000-0000-0000-0000-000000000000";

    public const string DefaultStatement =
        """{"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"kms:*","Resource":"*"}""";

    public const string CiStatement =
        """{"Sid":"Allow use by CI","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:role/ci"},"Action":["kms:Decrypt","kms:Encrypt"],"Resource":"*","Condition":{"StringEquals":{"kms:CallerAccount":"111111111111"}}}""";

    /// <summary>A key policy as a console user would leave it: indented, with two statements AmiShare did not write.</summary>
    public static readonly string DefaultPolicy = $$"""
        {
          "Version": "2012-10-17",
          "Id": "key-default-1",
          "Statement": [
            {{DefaultStatement}},
            {{CiStatement}}
          ]
        }
        """;

    public static readonly string AwsEbsPolicy = """
        {"Version":"2012-10-17","Id":"auto-ebs-2","Statement":[{"Sid":"Allow access through EBS for all principals in the account that are authorized to use EBS","Effect":"Allow","Principal":{"AWS":"*"},"Action":["kms:Encrypt","kms:Decrypt","kms:ReEncrypt*","kms:GenerateDataKey*","kms:CreateGrant","kms:DescribeKey"],"Resource":"*","Condition":{"StringEquals":{"kms:ViaService":"ec2.us-east-1.amazonaws.com","kms:CallerAccount":"111111111111"}}}]}
        """;

    public static ShareTarget Target(string text) => ShareTarget.Parse(text).Target!;

    public static ImmutableArray<ShareTarget> Targets(params string[] texts) => [.. texts.Select(Target)];

    public static OrganizationFacts Organization(params string[] members) => new(
        OrgId,
        Source,
        ImmutableDictionary<string, string>.Empty.Add(OuId, $"{OrgId}/r-ab12/{OuId}/"),
        [.. members]);

    public static DiscoveredState State() => new(
        Source,
        [
            new ImageState("ami-cmk", "golden-cmk", Source, Region, ImageAvailability.Available, [], ["snap-cmk"]),
            new ImageState("ami-ebs", "golden", Source, Region, ImageAvailability.Available, [], ["snap-ebs"]),
            new ImageState("ami-foreign", "theirs", Outsider, Region, ImageAvailability.Available, [], ["snap-foreign"]),
            new ImageState("ami-mrk", "golden-mrk", Source, Region, ImageAvailability.Available, [], ["snap-mrk"]),
        ],
        [
            new SnapshotState("snap-cmk", Region, true, CmkArn, []),
            new SnapshotState("snap-ebs", Region, true, AwsEbsArn, []),
            new SnapshotState("snap-foreign", Region, true, OtherCmkArn, []),
            new SnapshotState("snap-mrk", Region, true, MrkArn, []),
        ],
        [
            new KeyState(CmkArn, KeyManager.Customer, KeyStatus.Enabled, DefaultPolicy, Aliases: ["alias/golden"]),
            new KeyState(OtherCmkArn, KeyManager.Customer, KeyStatus.Enabled, DefaultPolicy),
            new KeyState(AwsEbsArn, KeyManager.Aws, KeyStatus.Enabled, AwsEbsPolicy, Aliases: ["alias/aws/ebs"]),
            new KeyState(MrkArn, KeyManager.Customer, KeyStatus.Enabled, DefaultPolicy, ReplicaArns: [MrkReplicaArn]),
            new KeyState(MrkReplicaArn, KeyManager.Customer, KeyStatus.Enabled, DefaultPolicy, ReplicaArns: [MrkArn]),
        ],
        Organization(TargetA, TargetB));

    public static ShareRequest Share(string image, params string[] targets) => new([image], Targets(targets));

    /// <summary>
    /// Plays a plan's pending steps onto the state the way AWS would end up, so a test can plan again and see
    /// that nothing is left: the stand-in for the executor plus a fresh discovery.
    /// </summary>
    public static DiscoveredState Apply(DiscoveredState state, SharePlan plan)
    {
        var copies = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var step in plan.Pending)
        {
            var resource = PlanStep.IsSymbolic(step.Resource) ? copies[step.Resource] : step.Resource;
            switch (step.Details)
            {
                case CopyImageDetails copy:
                    var source = state.Images.Single(i => i.Id == copy.SourceImageId);
                    var suffix = copy.IsCrossRegion ? "-" + copy.Region : string.Empty;
                    var id = "ami-copy-" + copy.SourceImageId + suffix;
                    var snapshots = source.SnapshotIds.Select(s => new SnapshotState("snap-copy-" + s + suffix, copy.Region, true, copy.KeyArn, [])).ToList();
                    state = state with
                    {
                        Images = state.Images.Add(new ImageState(id, copy.CopyName, state.SourceAccount, copy.Region, ImageAvailability.Available, [], [.. snapshots.Select(s => s.Id)], SourceImageId: copy.SourceImageId)),
                        Snapshots = state.Snapshots.AddRange(snapshots),
                    };
                    copies[copy.Symbol] = id;
                    break;
                case KeyPolicyDetails key:
                    state = state with { Keys = state.Keys.Replace(state.Keys.Single(k => k.Arn == key.KeyArn), state.Keys.Single(k => k.Arn == key.KeyArn) with { PolicyJson = key.NewPolicy }) };
                    break;
                case PermissionDetails permission when step.Action is PlanAction.AddLaunchPermission or PlanAction.RemoveLaunchPermission:
                    var image = state.Images.Single(i => i.Id == resource);
                    var launch = step.Action == PlanAction.AddLaunchPermission
                        ? image.LaunchPermissions.AddRange(permission.Targets)
                        : [.. image.LaunchPermissions.Where(p => !permission.Targets.Any(t => t.Value == p.Value))];
                    state = state with { Images = state.Images.Replace(image, image with { LaunchPermissions = launch }) };
                    break;
                case PermissionDetails permission:
                    var ids = permission.Snapshots.IsEmpty ? state.Images.Single(i => i.Id == resource).SnapshotIds : permission.Snapshots;
                    foreach (var snapshotId in ids)
                    {
                        var snapshot = state.Snapshots.Single(s => s.Id == snapshotId);
                        var accounts = permission.Targets.Select(t => t.Value);
                        var volume = step.Action == PlanAction.AddCreateVolumePermission
                            ? snapshot.CreateVolumePermissions.AddRange(accounts)
                            : [.. snapshot.CreateVolumePermissions.Except(accounts)];
                        state = state with { Snapshots = state.Snapshots.Replace(snapshot, snapshot with { CreateVolumePermissions = volume }) };
                    }

                    break;
                case AsgGrantDetails grant:
                    var grantKey = state.Keys.Single(k => k.Arn == grant.KeyArn);
                    var grants = step.Action == PlanAction.CreateAsgGrant
                        ? grantKey.GrantsOrEmpty.Add(new GrantState("grant-" + grant.TargetAccount, grant.GranteePrincipal, grant.Operations))
                        : [.. grantKey.GrantsOrEmpty.Where(g => g.GrantId != grant.GrantId)];
                    state = state with { Keys = state.Keys.Replace(grantKey, grantKey with { Grants = grants }) };
                    break;
                default:
                    break;
            }
        }

        return state;
    }
}
