using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using AmiShare.LocalCloud.Tests.Support;
using static AmiShare.LocalCloud.Tests.Kms.KmsTestKit;

namespace AmiShare.LocalCloud.Tests.Kms;

/// <summary>Key tags, key rotation, GenerateRandom and UpdateKeyDescription over the wire, allowed and denied.</summary>
public sealed class KmsTagRotationRandomTests
{
    // Out of the SDK model's range on purpose (the server must refuse them): not constants, so the SDK's analyzer lets them through.
    private static readonly int PeriodTooShort = 30;
    private static readonly int TooManyBytes = 1025;

    [Fact]
    public async Task TagResource_CreateTagsThenTagAndUntag_ListKeepsOrderAndNewValues()
    {
        await using var server = await TestCloud.StartAsync();
        using var root = Client(server, Images);
        var key = (await root.CreateKeyAsync(new CreateKeyRequest { Tags = [new Tag { TagKey = "a", TagValue = "1" }, new Tag { TagKey = "b", TagValue = "2" }] }, TestCloud.Timeout)).KeyMetadata;

        await root.TagResourceAsync(new TagResourceRequest { KeyId = key.Arn, Tags = [new Tag { TagKey = "c", TagValue = "3" }, new Tag { TagKey = "a", TagValue = "one" }] }, TestCloud.Timeout);
        await root.UntagResourceAsync(new UntagResourceRequest { KeyId = key.KeyId, TagKeys = ["b"] }, TestCloud.Timeout);
        var tags = await root.ListResourceTagsAsync(new ListResourceTagsRequest { KeyId = key.KeyId }, TestCloud.Timeout);

        Assert.Equal(["a=one", "c=3"], tags.Tags.Select(t => $"{t.TagKey}={t.TagValue}"));
        Assert.False(tags.Truncated);
    }

    [Fact]
    public async Task TagResource_ReservedAwsPrefix_TagException()
    {
        await using var server = await TestCloud.StartAsync();
        using var root = Client(server, Images);
        var key = await CreateKeyAsync(root);

        var error = await Assert.ThrowsAsync<TagException>(() =>
            root.TagResourceAsync(new TagResourceRequest { KeyId = key.KeyId, Tags = [new Tag { TagKey = "aws:owner", TagValue = "x" }] }, TestCloud.Timeout));

        Assert.Contains("reserved", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EnableKeyRotation_ThenRotateOnDemandAndDisable_StatusFollows()
    {
        await using var server = await TestCloud.StartAsync();
        using var root = Client(server, Images);
        var key = await CreateKeyAsync(root);
        var before = await root.GetKeyRotationStatusAsync(new GetKeyRotationStatusRequest { KeyId = key.KeyId }, TestCloud.Timeout);

        await root.EnableKeyRotationAsync(new EnableKeyRotationRequest { KeyId = key.KeyId, RotationPeriodInDays = 180 }, TestCloud.Timeout);
        var enabled = await root.GetKeyRotationStatusAsync(new GetKeyRotationStatusRequest { KeyId = key.Arn }, TestCloud.Timeout);
        var rotated = await root.RotateKeyOnDemandAsync(new RotateKeyOnDemandRequest { KeyId = key.KeyId }, TestCloud.Timeout);
        await root.DisableKeyRotationAsync(new DisableKeyRotationRequest { KeyId = key.KeyId }, TestCloud.Timeout);
        var disabled = await root.GetKeyRotationStatusAsync(new GetKeyRotationStatusRequest { KeyId = key.KeyId }, TestCloud.Timeout);

        Assert.False(before.KeyRotationEnabled);
        Assert.True(enabled.KeyRotationEnabled);
        Assert.Equal(180, enabled.RotationPeriodInDays);
        Assert.NotNull(enabled.NextRotationDate);
        Assert.Equal(key.KeyId, rotated.KeyId);
        Assert.False(disabled.KeyRotationEnabled);
        Assert.NotNull(disabled.OnDemandRotationStartDate);
    }

    [Fact]
    public async Task EnableKeyRotation_PeriodOutOfRangeOrKeyDisabled_Refused()
    {
        await using var server = await TestCloud.StartAsync();
        using var root = Client(server, Images);
        var key = await CreateKeyAsync(root);

        var period = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() =>
            root.EnableKeyRotationAsync(new EnableKeyRotationRequest { KeyId = key.KeyId, RotationPeriodInDays = PeriodTooShort }, TestCloud.Timeout));
        await root.DisableKeyAsync(new DisableKeyRequest { KeyId = key.KeyId }, TestCloud.Timeout);
        var disabled = await Assert.ThrowsAsync<KMSInvalidStateException>(() =>
            root.EnableKeyRotationAsync(new EnableKeyRotationRequest { KeyId = key.KeyId }, TestCloud.Timeout));

        Assert.Equal("ValidationException", period.ErrorCode);
        Assert.Contains("is disabled", disabled.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GenerateRandom_AllowedUser_ReturnsThatManyBytesAndRefusesMoreThan1024()
    {
        await using var server = await TestCloud.StartAsync();
        using var user = Client(server, await UserAsync(server, Images, "dice", Allow("kms:GenerateRandom")));

        var first = await user.GenerateRandomAsync(new GenerateRandomRequest { NumberOfBytes = 32 }, TestCloud.Timeout);
        var second = await user.GenerateRandomAsync(new GenerateRandomRequest { NumberOfBytes = 32 }, TestCloud.Timeout);
        var tooMany = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() =>
            user.GenerateRandomAsync(new GenerateRandomRequest { NumberOfBytes = TooManyBytes }, TestCloud.Timeout));

        Assert.Equal(32, first.Plaintext.Length);
        Assert.NotEqual(first.Plaintext.ToArray(), second.Plaintext.ToArray());
        Assert.Equal("ValidationException", tooMany.ErrorCode);
    }

    [Fact]
    public async Task UpdateKeyDescription_Owner_DescribeKeyShowsIt()
    {
        await using var server = await TestCloud.StartAsync();
        using var root = Client(server, Images);
        var key = await CreateKeyAsync(root);

        await root.UpdateKeyDescriptionAsync(new UpdateKeyDescriptionRequest { KeyId = key.KeyId, Description = "golden images" }, TestCloud.Timeout);
        var described = await root.DescribeKeyAsync(new DescribeKeyRequest { KeyId = key.KeyId }, TestCloud.Timeout);

        Assert.Equal("golden images", described.KeyMetadata.Description);
    }

    [Fact]
    public async Task Encrypt_EmptyOrTooLargePlaintext_ValidationNamesTheBrokenBound()
    {
        await using var server = await TestCloud.StartAsync();
        using var root = Client(server, Images);
        var key = await CreateKeyAsync(root);

        var empty = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() =>
            root.EncryptAsync(new EncryptRequest { KeyId = key.KeyId, Plaintext = new MemoryStream() }, TestCloud.Timeout));
        var large = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() =>
            root.EncryptAsync(new EncryptRequest { KeyId = key.KeyId, Plaintext = new MemoryStream(new byte[4097]) }, TestCloud.Timeout));

        Assert.EndsWith("Member must have length greater than or equal to 1", empty.Message, StringComparison.Ordinal);
        Assert.EndsWith("Member must have length less than or equal to 4096", large.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NewOperations_UserWithoutIamAllow_EachAccessDenied()
    {
        await using var server = await TestCloud.StartAsync();
        using var root = Client(server, Images);
        var key = await CreateKeyAsync(root);
        using var user = Client(server, await UserAsync(server, Images, "nobody", null));
        var calls = new (string Action, Func<Task> Call)[]
        {
            ("kms:TagResource", () => user.TagResourceAsync(new TagResourceRequest { KeyId = key.KeyId, Tags = [new Tag { TagKey = "k", TagValue = "v" }] }, TestCloud.Timeout)),
            ("kms:UntagResource", () => user.UntagResourceAsync(new UntagResourceRequest { KeyId = key.KeyId, TagKeys = ["k"] }, TestCloud.Timeout)),
            ("kms:ListResourceTags", () => user.ListResourceTagsAsync(new ListResourceTagsRequest { KeyId = key.KeyId }, TestCloud.Timeout)),
            ("kms:GetKeyRotationStatus", () => user.GetKeyRotationStatusAsync(new GetKeyRotationStatusRequest { KeyId = key.KeyId }, TestCloud.Timeout)),
            ("kms:EnableKeyRotation", () => user.EnableKeyRotationAsync(new EnableKeyRotationRequest { KeyId = key.KeyId }, TestCloud.Timeout)),
            ("kms:DisableKeyRotation", () => user.DisableKeyRotationAsync(new DisableKeyRotationRequest { KeyId = key.KeyId }, TestCloud.Timeout)),
            ("kms:RotateKeyOnDemand", () => user.RotateKeyOnDemandAsync(new RotateKeyOnDemandRequest { KeyId = key.KeyId }, TestCloud.Timeout)),
            ("kms:UpdateKeyDescription", () => user.UpdateKeyDescriptionAsync(new UpdateKeyDescriptionRequest { KeyId = key.KeyId, Description = "x" }, TestCloud.Timeout)),
            ("kms:GenerateRandom", () => user.GenerateRandomAsync(new GenerateRandomRequest { NumberOfBytes = 8 }, TestCloud.Timeout)),
        };

        foreach (var (action, call) in calls)
        {
            var error = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(call);
            Assert.Equal("AccessDeniedException", error.ErrorCode);
            Assert.Contains(action, error.Message, StringComparison.Ordinal);
        }

        var tags = await root.ListResourceTagsAsync(new ListResourceTagsRequest { KeyId = key.KeyId }, TestCloud.Timeout);
        Assert.Empty(tags.Tags);
    }
}
