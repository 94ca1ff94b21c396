using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using AmiShare.LocalCloud.Tests.Support;
using static AmiShare.LocalCloud.Tests.Kms.KmsTestKit;

namespace AmiShare.LocalCloud.Tests.Kms;

/// <summary>Alias names and key ids KMS refuses before any lookup, with KMS's codes and words.</summary>
public sealed class KmsNameValidationTests
{
    [Theory]
    [InlineData("alias/golden!", "1 validation error detected: Value 'alias/golden!' at 'aliasName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9:/_-]+$")]
    [InlineData("alias/gold:en", "alias/gold:en contains invalid characters for an alias")]
    [InlineData("golden/key", "Alias must start with the prefix \"alias/\". Please see https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html")]
    public async Task CreateAlias_BadName_ValidationExceptionNamingTheRule(string aliasName, string message)
    {
        await using var server = await TestCloud.StartAsync();
        using var kms = Client(server, Images);
        var key = await CreateKeyAsync(kms);

        var error = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() =>
            kms.CreateAliasAsync(new CreateAliasRequest { AliasName = aliasName, TargetKeyId = key.KeyId }, TestCloud.Timeout));

        Assert.Equal("ValidationException", error.ErrorCode);
        Assert.Equal(message, error.Message);
        var aliases = await kms.ListAliasesAsync(new ListAliasesRequest { KeyId = key.KeyId }, TestCloud.Timeout);
        Assert.Empty(aliases.Aliases);
    }

    [Fact]
    public async Task CreateAlias_AwsManagedPrefix_BareNotAuthorized()
    {
        await using var server = await TestCloud.StartAsync();
        using var kms = Client(server, Images);
        var key = await CreateKeyAsync(kms);

        var error = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() =>
            kms.CreateAliasAsync(new CreateAliasRequest { AliasName = "alias/aws/ebs", TargetKeyId = key.KeyId }, TestCloud.Timeout));

        Assert.Equal("NotAuthorizedException", error.ErrorCode);
        // The SDK puts the body in Message when KMS sends an empty one.
        Assert.EndsWith("{\"__type\":\"NotAuthorizedException\",\"message\":\"\"}", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("unknown")]
    [InlineData("mrk-1234")]
    [InlineData("alias/golden")]
    public async Task TagResource_NotAKeyId_InvalidKeyId(string keyId)
    {
        await using var server = await TestCloud.StartAsync();
        using var kms = Client(server, Images);
        var key = await CreateKeyAsync(kms);
        await kms.CreateAliasAsync(new CreateAliasRequest { AliasName = "alias/golden", TargetKeyId = key.KeyId }, TestCloud.Timeout);

        var error = await Assert.ThrowsAsync<NotFoundException>(() =>
            kms.TagResourceAsync(new TagResourceRequest { KeyId = keyId, Tags = [new Tag { TagKey = "team", TagValue = "images" }] }, TestCloud.Timeout));

        Assert.Equal($"Invalid keyId {keyId}", error.Message);
    }

    [Fact]
    public async Task DescribeKey_WellFormedUnknownId_KeyDoesNotExist()
    {
        await using var server = await TestCloud.StartAsync();
        using var kms = Client(server, Images);
        const string keyId = "0b1a7f3e-0000-4000-8000-000000000000";

        var error = await Assert.ThrowsAsync<NotFoundException>(() => kms.DescribeKeyAsync(new DescribeKeyRequest { KeyId = keyId }, TestCloud.Timeout));

        Assert.Equal($"Key 'arn:aws:kms:us-east-1:{Images}:key/{keyId}' does not exist", error.Message);
    }
}
