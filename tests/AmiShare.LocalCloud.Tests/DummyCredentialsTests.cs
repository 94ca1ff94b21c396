using Amazon.Runtime;
using Amazon.SecurityToken;
using Amazon.SecurityToken.Model;
using AmiShare.LocalCloud.Seed;
using AmiShare.LocalCloud.Tests.Support;

namespace AmiShare.LocalCloud.Tests;

/// <summary>
/// The credentials test suites written for moto and LocalStack use (issue 11, part 1), driven with the real
/// AWS SDK: dummy root key ids in a seed, and <see cref="LocalCloudOptions.UnknownKeysAccountId"/>.
/// </summary>
public sealed class DummyCredentialsTests
{
    private const string Images = DefaultSeed.ImagesAccountId;

    [Theory]
    [InlineData("FOOBARKEY", "FOOBARSECRET")] // moto's mock_aws
    [InlineData("test", "test")] // LocalStack's habit
    public async Task GetCallerIdentity_SeededDummyRootKey_AnswersAsThatRoot(string keyId, string secret)
    {
        await using var server = await TestCloud.StartAsync(new LocalCloudOptions { Seed = SeedWithRootKey(keyId, secret) });
        using var sts = TestCloud.Sts(server, new BasicAWSCredentials(keyId, secret));

        var identity = await sts.GetCallerIdentityAsync(new GetCallerIdentityRequest(), TestCloud.Timeout);

        Assert.Equal($"arn:aws:iam::{Images}:root", identity.Arn);
    }

    [Fact]
    public async Task GetCallerIdentity_SeededDummyRootKeyWrongSecret_SignatureDoesNotMatch()
    {
        await using var server = await TestCloud.StartAsync(new LocalCloudOptions { Seed = SeedWithRootKey("test", "test") });
        using var sts = TestCloud.Sts(server, new BasicAWSCredentials("test", "not-test"));

        var error = await Assert.ThrowsAsync<AmazonSecurityTokenServiceException>(() => sts.GetCallerIdentityAsync(new GetCallerIdentityRequest(), TestCloud.Timeout));

        Assert.Equal("SignatureDoesNotMatch", error.ErrorCode);
    }

    [Fact]
    public async Task GetCallerIdentity_UnknownKeyWithUnknownKeysAccount_ActsAsThatAccountsRoot()
    {
        await using var server = await TestCloud.StartAsync(new LocalCloudOptions { UnknownKeysAccountId = DefaultSeed.ProdAccountId });
        using var sts = TestCloud.Sts(server, new BasicAWSCredentials("test", "any-secret-at-all"));

        var identity = await sts.GetCallerIdentityAsync(new GetCallerIdentityRequest(), TestCloud.Timeout);

        Assert.Equal($"arn:aws:iam::{DefaultSeed.ProdAccountId}:root", identity.Arn);
        Assert.Equal(DefaultSeed.ProdAccountId, identity.Account);
    }

    [Fact]
    public async Task GetCallerIdentity_KnownKeyWrongSecretWithUnknownKeysAccount_StillSignatureDoesNotMatch()
    {
        await using var server = await TestCloud.StartAsync(new LocalCloudOptions { UnknownKeysAccountId = DefaultSeed.ProdAccountId });
        using var sts = TestCloud.Sts(server, new BasicAWSCredentials(server.Account(Images).RootAccessKeyId, "not-the-secret"));

        var error = await Assert.ThrowsAsync<AmazonSecurityTokenServiceException>(() => sts.GetCallerIdentityAsync(new GetCallerIdentityRequest(), TestCloud.Timeout));

        Assert.Equal("SignatureDoesNotMatch", error.ErrorCode);
    }

    [Fact]
    public async Task StartAsync_UnknownKeysAccountNotInSeed_ArgumentExceptionListingAccounts()
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(() => TestCloud.StartAsync(new LocalCloudOptions { UnknownKeysAccountId = "999999999999" }));

        Assert.Contains("'999999999999'", error.Message, StringComparison.Ordinal);
        Assert.Contains(Images, error.Message, StringComparison.Ordinal);
    }

    private static SeedDocument SeedWithRootKey(string keyId, string secret)
    {
        var seed = DefaultSeed.Create();
        return seed with
        {
            Accounts = [.. seed.Accounts.Select(a => a.Id == Images ? a with { RootAccessKeyId = keyId, RootSecretAccessKey = secret } : a)],
        };
    }
}
