using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using Amazon.Runtime;
using AmiShare.Aws;
using AmiShare.Cli.Infrastructure;
using AmiShare.Core.Iam;
using AmiShare.Core.Ports;
using Spectre.Console;

namespace AmiShare.Cli.Commands.Demo;

/// <summary>The multi-Region chapter (issue 12): the golden image in every Region, under each Region's own key.</summary>
public sealed partial class DemoCommand
{
    /// <summary>Where the golden image goes besides its home Region.</summary>
    private static readonly string[] Destinations = ["eu-west-1", "ap-southeast-2"];

    private sealed partial class Story
    {
        private async Task<bool> TellRegionsAsync(AWSCredentials source, AWSCredentials target, string goldenId, string sourceDigest, CancellationToken cancellationToken)
        {
            Chapter($"Golden images everywhere: share the image into {string.Join(" and ", Destinations)} too, each copy under that Region's own key (a Region map for --reencrypt-key). A Region without a key would be refused, never left to its aws/ebs.");
            var keys = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var region in Destinations)
            {
                keys[region] = await CreateKeyInAsync(source, region, cancellationToken).ConfigureAwait(false);
            }

            var map = string.Join(',', new[] { $"{Region}=alias/golden-images" }.Concat(Destinations.Select(r => $"{r}=alias/golden-images")));
            var ok = Expect(Run(source, null, "share", GoldenName, "--with", Target, "--to-region", string.Join(',', Destinations), "--reencrypt-key", map, "--yes"), ExitCodes.Success);
            await AllowRegionsAsync(target, keys, cancellationToken).ConfigureAwait(false);

            Chapter("Verify from prod in every Region at once (--region repeats; each Region's copy is checked), then launch in each: the content is the golden image's.");
            string[] regions = [Region, .. Destinations];
            ok &= Expect(Run(source, null, ["verify", GoldenName, "--target-role-arn", LauncherRoleArn, .. regions.SelectMany(r => new[] { "--region", r })]), ExitCodes.Success);
            using var connector = new AwsCloudConnector(new AwsAdapterSettings { TimeProvider = services.Clock }, source);
            var prod = (await connector.ConnectTargetAsync(new LaunchSettings(endpoint), cancellationToken).ConfigureAwait(false))!;
            var images = await connector.ConnectSourceAsync(new LaunchSettings(endpoint), cancellationToken).ConfigureAwait(false);
            foreach (var region in Destinations)
            {
                var copies = await images.Account.DescribeOwnedImagesAsync(region, new ImageQuery(CopiesOf: [goldenId]), cancellationToken).ConfigureAwait(false);
                ok &= Mark(copies.Count == 1 && await LaunchAndCompareAsync(prod, copies[0].Id, sourceDigest, cancellationToken, region).ConfigureAwait(false));
            }

            Chapter("Unshare in every Region and delete AmiShare's copies there with their snapshots (--deregister-copies).");
            ok &= Expect(Run(source, null, ["unshare", GoldenName, "--from", Target, "--deregister-copies", "--yes", .. regions.SelectMany(r => new[] { "--region", r })]), ExitCodes.Success);
            foreach (var region in Destinations)
            {
                var left = await images.Account.DescribeOwnedImagesAsync(region, new ImageQuery(CopiesOf: [goldenId]), cancellationToken).ConfigureAwait(false);
                console.MarkupLineInterpolated($"  {region}: {left.Count} copy(ies) left");
                ok &= Mark(left.Count == 0);
            }

            return ok;
        }

        /// <summary>The images team's key in <paramref name="region"/>, with the same alias as at home.</summary>
        private async Task<string> CreateKeyInAsync(AWSCredentials credentials, string region, CancellationToken cancellationToken)
        {
            using var kms = new AmazonKeyManagementServiceClient(credentials, new AmazonKeyManagementServiceConfig { ServiceURL = endpoint, AuthenticationRegion = region });
            var key = await kms.CreateKeyAsync(new CreateKeyRequest { Description = "Golden images " + region }, cancellationToken).ConfigureAwait(false);
            await kms.CreateAliasAsync(new CreateAliasRequest { AliasName = "alias/golden-images", TargetKeyId = key.KeyMetadata.KeyId }, cancellationToken).ConfigureAwait(false);
            console.MarkupLineInterpolated($"  {region}: alias/golden-images = {key.KeyMetadata.Arn}");
            return key.KeyMetadata.Arn;
        }

        /// <summary>Prod's launching role gains what AmiShare prints for the new Regions' keys, and verify's reads there.</summary>
        private async Task AllowRegionsAsync(AWSCredentials credentials, Dictionary<string, string> keys, CancellationToken cancellationToken)
        {
            using var iam = await IamAdministration.CreateAsync(new Uri(endpoint), Region, credentials, services.Clock, cancellationToken).ConfigureAwait(false);
            var policy = TargetIamPolicyBuilder.Build(keys.Values, keys.Keys, Source);
            await iam.PutRolePolicyAsync(LauncherRole, TargetIamPolicyBuilder.PolicyName + "Regions", policy.PolicyJson, cancellationToken).ConfigureAwait(false);
            await iam.PutRolePolicyAsync(LauncherRole, "AmiShareVerifyReadsRegions", TargetIamPolicyBuilder.VerifyReadsPolicy(LauncherRoleArn, [Region, .. keys.Keys]), cancellationToken).ConfigureAwait(false);
        }
    }
}
