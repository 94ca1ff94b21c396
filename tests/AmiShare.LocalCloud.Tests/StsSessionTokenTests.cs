using Amazon.Runtime;
using Amazon.SecurityToken;
using Amazon.SecurityToken.Model;
using AmiShare.LocalCloud.Seed;
using AmiShare.LocalCloud.Tests.Kms;
using AmiShare.LocalCloud.Tests.Support;

namespace AmiShare.LocalCloud.Tests;

/// <summary>
/// GetSessionToken and GetFederationToken: temporary credentials that sign later requests until they expire, for the
/// caller's own identity, or for a federated user limited by the session policy passed.
/// </summary>
public sealed class StsSessionTokenTests
{
    private const string Images = DefaultSeed.ImagesAccountId;

    [Fact]
    public async Task GetSessionToken_Root_CredentialsActAsRootOnlyWithTheirToken()
    {
        await using var server = await TestCloud.StartAsync();
        using var sts = TestCloud.Sts(server, Images);

        var token = await sts.GetSessionTokenAsync(new GetSessionTokenRequest(), TestCloud.Timeout);
        using var session = TestCloud.Sts(server, token.Credentials);
        var identity = await session.GetCallerIdentityAsync(new GetCallerIdentityRequest(), TestCloud.Timeout);
        using var withoutToken = TestCloud.Sts(server, new BasicAWSCredentials(token.Credentials.AccessKeyId, token.Credentials.SecretAccessKey));
        var refused = await Assert.ThrowsAsync<AmazonSecurityTokenServiceException>(() => withoutToken.GetCallerIdentityAsync(new GetCallerIdentityRequest(), TestCloud.Timeout));

        Assert.StartsWith("ASIA", token.Credentials.AccessKeyId, StringComparison.Ordinal);
        Assert.Equal((356, true), (token.Credentials.SessionToken.Length, token.Credentials.SessionToken.StartsWith("FQoGZXIvYXdzE", StringComparison.Ordinal)));
        Assert.Equal($"arn:aws:iam::{Images}:root", identity.Arn);
        Assert.Equal("InvalidClientTokenId", refused.ErrorCode);
    }

    [Fact]
    public async Task GetSessionToken_IamUserWithoutStsPermission_CredentialsKeepTheUsersPermissions()
    {
        await using var server = await TestCloud.StartAsync();
        var user = await KmsTestKit.UserAsync(server, Images, "reader", KmsTestKit.Allow("ec2:DescribeImages"));
        using var sts = TestCloud.Sts(server, user);

        // No permission is needed to call GetSessionToken (IAM User Guide, "Permissions for GetSessionToken").
        var token = await sts.GetSessionTokenAsync(new GetSessionTokenRequest { DurationSeconds = 129600 }, TestCloud.Timeout);
        using var ec2 = Ec2.Ec2TestKit.Client(server, token.Credentials);
        var described = await ec2.DescribeImagesAsync(new Amazon.EC2.Model.DescribeImagesRequest { Owners = ["self"] }, TestCloud.Timeout);
        var denied = await Ec2.Ec2TestKit.FailsAsync(() => ec2.DescribeVolumesAsync(new Amazon.EC2.Model.DescribeVolumesRequest(), TestCloud.Timeout));
        using var session = TestCloud.Sts(server, token.Credentials);
        var identity = await session.GetCallerIdentityAsync(new GetCallerIdentityRequest(), TestCloud.Timeout);

        Assert.Empty(described.Images ?? []);
        Assert.Equal("UnauthorizedOperation", denied.ErrorCode);
        Assert.Equal($"arn:aws:iam::{Images}:user/reader", identity.Arn);
    }

    [Theory]
    [InlineData("root", 3601)]
    [InlineData("root", 899)]
    [InlineData("user", 129601)]
    public async Task GetSessionToken_DurationOutsideTheCallersRange_ValidationError(string caller, int seconds)
    {
        await using var server = await TestCloud.StartAsync();
        using var sts = caller == "root"
            ? TestCloud.Sts(server, Images)
            : TestCloud.Sts(server, await KmsTestKit.UserAsync(server, Images, "u", null));

        var error = await Assert.ThrowsAsync<AmazonSecurityTokenServiceException>(() => sts.GetSessionTokenAsync(new GetSessionTokenRequest { DurationSeconds = seconds }, TestCloud.Timeout));

        Assert.Equal("ValidationError", error.ErrorCode);
        Assert.Contains(seconds.ToString(System.Globalization.CultureInfo.InvariantCulture), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetSessionToken_CalledWithSessionCredentials_AccessDenied()
    {
        await using var server = await TestCloud.StartAsync();
        using var sts = TestCloud.Sts(server, Images);
        var first = await sts.GetSessionTokenAsync(new GetSessionTokenRequest(), TestCloud.Timeout);
        using var session = TestCloud.Sts(server, first.Credentials);

        var error = await Assert.ThrowsAsync<AmazonSecurityTokenServiceException>(() => session.GetSessionTokenAsync(new GetSessionTokenRequest(), TestCloud.Timeout));

        Assert.Equal("AccessDenied", error.ErrorCode);
    }

    [Fact]
    public async Task GetSessionToken_UsedAfterExpiry_ExpiredToken()
    {
        var clock = TestCloud.Clock();
        await using var server = await TestCloud.StartAsync(clock);
        using var sts = TestCloud.Sts(server, Images);
        var token = await sts.GetSessionTokenAsync(new GetSessionTokenRequest { DurationSeconds = 900 }, TestCloud.Timeout);
        Assert.Equal(clock.GetUtcNow().AddSeconds(900).ToUnixTimeSeconds(), new DateTimeOffset(token.Credentials.Expiration!.Value).ToUnixTimeSeconds());

        clock.Advance(TimeSpan.FromSeconds(901));
        using var session = TestCloud.Sts(server, token.Credentials);
        var error = await Assert.ThrowsAsync<AmazonSecurityTokenServiceException>(() => session.GetCallerIdentityAsync(new GetCallerIdentityRequest(), TestCloud.Timeout));

        Assert.Equal("ExpiredToken", error.ErrorCode);
    }

    [Fact]
    public async Task GetFederationToken_UserWithPolicy_FederatedUserGetsTheIntersection()
    {
        await using var server = await TestCloud.StartAsync();
        var user = await KmsTestKit.UserAsync(server, Images, "broker", KmsTestKit.Allow("sts:GetFederationToken,ec2:DescribeImages,ec2:DescribeVolumes"));
        using var sts = TestCloud.Sts(server, user);

        var token = await sts.GetFederationTokenAsync(new GetFederationTokenRequest { Name = "Bob", DurationSeconds = 903, Policy = KmsTestKit.Allow("ec2:DescribeImages,ec2:DescribeSnapshots") }, TestCloud.Timeout);
        using var ec2 = Ec2.Ec2TestKit.Client(server, token.Credentials);
        var images = await ec2.DescribeImagesAsync(new Amazon.EC2.Model.DescribeImagesRequest { Owners = ["self"] }, TestCloud.Timeout);
        var onlyInUserPolicy = await Ec2.Ec2TestKit.FailsAsync(() => ec2.DescribeVolumesAsync(new Amazon.EC2.Model.DescribeVolumesRequest(), TestCloud.Timeout));
        var onlyInSessionPolicy = await Ec2.Ec2TestKit.FailsAsync(() => ec2.DescribeSnapshotsAsync(new Amazon.EC2.Model.DescribeSnapshotsRequest(), TestCloud.Timeout));
        using var session = TestCloud.Sts(server, token.Credentials);
        var identity = await session.GetCallerIdentityAsync(new GetCallerIdentityRequest(), TestCloud.Timeout);

        Assert.Equal(($"arn:aws:sts::{Images}:federated-user/Bob", $"{Images}:Bob"), (token.FederatedUser.Arn, token.FederatedUser.FederatedUserId));
        Assert.Equal((token.FederatedUser.Arn, token.FederatedUser.FederatedUserId), (identity.Arn, identity.UserId));
        Assert.Empty(images.Images ?? []);
        Assert.Equal(("UnauthorizedOperation", "UnauthorizedOperation"), (onlyInUserPolicy.ErrorCode, onlyInSessionPolicy.ErrorCode));
    }

    [Fact]
    public async Task GetFederationToken_RootWithoutPolicy_SessionHasNoPermissions()
    {
        await using var server = await TestCloud.StartAsync();
        using var sts = TestCloud.Sts(server, Images);

        var token = await sts.GetFederationTokenAsync(new GetFederationTokenRequest { Name = "nobody" }, TestCloud.Timeout);
        using var ec2 = Ec2.Ec2TestKit.Client(server, token.Credentials);
        var denied = await Ec2.Ec2TestKit.FailsAsync(() => ec2.DescribeImagesAsync(new Amazon.EC2.Model.DescribeImagesRequest { Owners = ["self"] }, TestCloud.Timeout));
        using var session = TestCloud.Sts(server, token.Credentials);
        var chained = await Assert.ThrowsAsync<AmazonSecurityTokenServiceException>(() => session.GetFederationTokenAsync(new GetFederationTokenRequest { Name = "again" }, TestCloud.Timeout));

        Assert.Equal("UnauthorizedOperation", denied.ErrorCode);
        Assert.Equal("AccessDenied", chained.ErrorCode);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task GetFederationToken_PolicyArnsOrTags_RefusedNotDropped(bool policyArns)
    {
        await using var server = await TestCloud.StartAsync();
        using var sts = TestCloud.Sts(server, Images);
        var request = new GetFederationTokenRequest { Name = "Bob", Policy = KmsTestKit.Allow("ec2:DescribeImages") };
        if (policyArns)
        {
            request.PolicyArns = [new PolicyDescriptorType { Arn = "arn:aws:iam::aws:policy/ReadOnlyAccess" }];
        }
        else
        {
            request.Tags = [new Tag { Key = "team", Value = "platform" }];
        }

        var error = await Assert.ThrowsAsync<AmazonSecurityTokenServiceException>(() => sts.GetFederationTokenAsync(request, TestCloud.Timeout));

        Assert.Equal("ValidationError", error.ErrorCode);
    }

    [Fact]
    public async Task GetFederationToken_UserWithoutPermission_AccessDenied()
    {
        await using var server = await TestCloud.StartAsync();
        var user = await KmsTestKit.UserAsync(server, Images, "plain", KmsTestKit.Allow("ec2:DescribeImages"));
        using var sts = TestCloud.Sts(server, user);

        var error = await Assert.ThrowsAsync<AmazonSecurityTokenServiceException>(() => sts.GetFederationTokenAsync(new GetFederationTokenRequest { Name = "Bob" }, TestCloud.Timeout));

        Assert.Equal("AccessDenied", error.ErrorCode);
        Assert.Contains("sts:GetFederationToken", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("b", 3600, 10, "'name'")]
    [InlineData("Bob", 3601, 10, "durationSeconds")]
    [InlineData("Bob", 3600, 2049, "2048")]
    public async Task GetFederationToken_BadNameDurationOrPolicyLength_ValidationError(string name, int seconds, int policyLength, string expected)
    {
        await using var server = await TestCloud.StartAsync();
        using var sts = TestCloud.Sts(server, Images);
        var policy = KmsTestKit.Allow("ec2:DescribeImages");
        policy = policy.Replace("\"Resource\"", new string(' ', Math.Max(0, policyLength - policy.Length)) + "\"Resource\"", StringComparison.Ordinal);

        var error = await Assert.ThrowsAsync<AmazonSecurityTokenServiceException>(() => sts.GetFederationTokenAsync(new GetFederationTokenRequest { Name = name, DurationSeconds = seconds, Policy = policy }, TestCloud.Timeout));

        Assert.Equal("ValidationError", error.ErrorCode);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }
}
