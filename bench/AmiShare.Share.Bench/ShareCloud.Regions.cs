using System.Collections.Immutable;
using Amazon.EC2;
using Amazon.EC2.Model;
using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using AmiShare.Core.KeyPolicies;
using AmiShare.Core.Workflow;

namespace AmiShare.Share.Bench;

/// <summary>The multi-Region set-up (issue 12): one customer managed key per destination Region, and the check after a run.</summary>
internal sealed partial class ShareCloud
{
    /// <summary>Destination Region → the source's key there (alias/golden), which copies into that Region are encrypted under.</summary>
    public ImmutableSortedDictionary<string, string> DestinationKeys { get; private set; } = ImmutableSortedDictionary<string, string>.Empty;

    public AmazonEC2Client Ec2(string account, string region) =>
        new(Root(account), new AmazonEC2Config { ServiceURL = Endpoint, AuthenticationRegion = region, MaxErrorRetry = 0 });

    public AmazonKeyManagementServiceClient Kms(string account, string region) =>
        new(Root(account), new AmazonKeyManagementServiceConfig { ServiceURL = Endpoint, AuthenticationRegion = region, MaxErrorRetry = 0 });

    private async Task CreateDestinationKeysAsync(IReadOnlyList<string> destinations, CancellationToken cancellationToken)
    {
        var keys = ImmutableSortedDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        foreach (var region in destinations)
        {
            using var kms = Kms(Source, region);
            var key = await kms.CreateKeyAsync(new CreateKeyRequest { Description = "golden images " + region }, cancellationToken).ConfigureAwait(false);
            await kms.CreateAliasAsync(new CreateAliasRequest { AliasName = "alias/golden", TargetKeyId = key.KeyMetadata.KeyId }, cancellationToken).ConfigureAwait(false);
            keys[region] = key.KeyMetadata.Arn;
        }

        DestinationKeys = keys.ToImmutable();
    }

    /// <summary>
    /// After a multi-Region run: in every destination the source owns exactly one copy per image, each under that
    /// Region's key and listing every target; every target sees every copy there; each destination key admits every
    /// target root for EC2's KMS actions there. The home Region is checked by <see cref="VerifySharedAsync"/>.
    /// </summary>
    public async Task<List<string>> VerifyRegionsAsync(CancellationToken cancellationToken)
    {
        var problems = new List<string>();
        var audience = KeyAudience.Of(Targets.Select(t => $"arn:aws:iam::{t}:root"));
        foreach (var (region, keyArn) in DestinationKeys)
        {
            using var ec2 = Ec2(Source, region);
            var copies = (await ec2.DescribeImagesAsync(new DescribeImagesRequest { Owners = ["self"] }, cancellationToken).ConfigureAwait(false)).Images ?? [];
            if (copies.Count != ImageIds.Length)
            {
                problems.Add($"{region}: the source owns {copies.Count} images, {ImageIds.Length} expected (one copy per image)");
            }

            var snapshotIds = copies.Select(c => c.BlockDeviceMappings[0].Ebs.SnapshotId).ToList();
            var snapshots = snapshotIds.Count == 0 ? [] : (await ec2.DescribeSnapshotsAsync(new DescribeSnapshotsRequest { SnapshotIds = snapshotIds }, cancellationToken).ConfigureAwait(false)).Snapshots ?? [];
            var underOther = snapshots.Count(s => s.KmsKeyId != keyArn);
            if (underOther > 0)
            {
                problems.Add($"{region}: {underOther} copy snapshot(s) not under {keyArn}");
            }

            foreach (var copy in copies)
            {
                var attribute = await ec2.DescribeImageAttributeAsync(new DescribeImageAttributeRequest { ImageId = copy.ImageId, Attribute = ImageAttributeName.LaunchPermission }, cancellationToken).ConfigureAwait(false);
                var listed = (attribute.ImageAttribute.LaunchPermissions ?? []).Select(p => p.UserId).OfType<string>().ToHashSet(StringComparer.Ordinal);
                if (Targets.Any(t => !listed.Contains(t)))
                {
                    problems.Add($"{region} {copy.ImageId}: launch permission lacks {Targets.Count(t => !listed.Contains(t))} target(s)");
                }
            }

            var ids = copies.Select(c => c.ImageId).ToList();
            foreach (var target in Targets)
            {
                using var targetEc2 = Ec2(target, region);
                var visible = ids.Count == 0 ? [] : (await targetEc2.DescribeImagesAsync(new DescribeImagesRequest { ImageIds = ids }, cancellationToken).ConfigureAwait(false)).Images ?? [];
                if (visible.Count != ids.Count)
                {
                    problems.Add($"{region}: {target} sees {visible.Count} of {ids.Count} copies");
                }
            }

            using var kms = Kms(Source, region);
            var policy = await kms.GetKeyPolicyAsync(new GetKeyPolicyRequest { KeyId = keyArn, PolicyName = "default" }, cancellationToken).ConfigureAwait(false);
            var denied = KeyAccessCheck.Check(policy.Policy, keyArn, Source, audience, expected: true).Where(f => !f.Allowed).ToList();
            if (denied.Count > 0)
            {
                problems.Add($"{keyArn}: {denied.Count} target/action pair(s) denied, e.g. {denied[0].Who} {denied[0].Action}");
            }
        }

        return problems;
    }
}
