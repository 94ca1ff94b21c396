using System.Text.Json;
using Amazon.EC2.Model;
using AmiShare.LocalCloud.Services.Ec2;
using AmiShare.LocalCloud.State;
using AmiShare.LocalCloud.Tests.Kms;
using AmiShare.LocalCloud.Tests.Support;
using static AmiShare.LocalCloud.Tests.Ec2.Ec2TestKit;

namespace AmiShare.LocalCloud.Tests.Ec2;

/// <summary>Image tags: CreateTags/DeleteTags, TagSpecifications on CopyImage, tagSet and the tag filters.</summary>
public sealed class Ec2TagTests
{
    private static Amazon.EC2.Model.Tag Tag(string key, string? value = null) => new() { Key = key, Value = value };

    [Fact]
    public async Task CreateTags_OwnedImage_ShownInTagSetAndMatchedByFilters()
    {
        await using var server = await TestCloud.StartAsync();
        using var owner = Client(server, Images);
        var tagged = await OwnerImageAsync(owner, "tagged");
        var plain = await OwnerImageAsync(owner, "plain");

        await owner.CreateTagsAsync(new CreateTagsRequest { Resources = [tagged], Tags = [Tag("team", "images"), Tag("amishare:copy-of", "ami-0123456789abcdef0")] }, TestCloud.Timeout);

        var image = await ImageAsync(owner, tagged);
        Assert.Equal([("amishare:copy-of", "ami-0123456789abcdef0"), ("team", "images")], image.Tags.Select(t => (t.Key, t.Value)));
        Assert.Null((await ImageAsync(owner, plain)).Tags);
        var byValue = await owner.DescribeImagesAsync(new DescribeImagesRequest { Owners = ["self"], Filters = [new Filter("tag:amishare:copy-of", ["ami-0123456789abcdef0"])] }, TestCloud.Timeout);
        Assert.Equal(tagged, Assert.Single(byValue.Images).ImageId);
        var byKey = await owner.DescribeImagesAsync(new DescribeImagesRequest { Owners = ["self"], Filters = [new Filter("tag-key", ["te*"])] }, TestCloud.Timeout);
        Assert.Equal(tagged, Assert.Single(byKey.Images).ImageId);
        var none = await owner.DescribeImagesAsync(new DescribeImagesRequest { Owners = ["self"], Filters = [new Filter("tag:team", ["other"])] }, TestCloud.Timeout);
        Assert.Empty(none.Images ?? []);
    }

    [Fact]
    public async Task CreateTags_ExistingKey_ValueReplaced()
    {
        await using var server = await TestCloud.StartAsync();
        using var owner = Client(server, Images);
        var image = await OwnerImageAsync(owner, "retag");

        await owner.CreateTagsAsync(new CreateTagsRequest { Resources = [image], Tags = [Tag("stage", "dev")] }, TestCloud.Timeout);
        await owner.CreateTagsAsync(new CreateTagsRequest { Resources = [image], Tags = [Tag("stage", "prod"), Tag("empty")] }, TestCloud.Timeout);

        Assert.Equal([("empty", ""), ("stage", "prod")], (await ImageAsync(owner, image)).Tags.Select(t => (t.Key, t.Value)));
    }

    [Fact]
    public async Task DeleteTags_ByKeyAndByValue_RemovesOnlyMatches()
    {
        await using var server = await TestCloud.StartAsync();
        using var owner = Client(server, Images);
        var image = await OwnerImageAsync(owner, "untag");
        await owner.CreateTagsAsync(new CreateTagsRequest { Resources = [image], Tags = [Tag("a", "1"), Tag("b", "2"), Tag("c", "3")] }, TestCloud.Timeout);

        await owner.DeleteTagsAsync(new DeleteTagsRequest { Resources = [image], Tags = [Tag("a"), Tag("b", "not-2"), Tag("c", "3")] }, TestCloud.Timeout);

        Assert.Equal(["b"], (await ImageAsync(owner, image)).Tags.Select(t => t.Key));
        await owner.DeleteTagsAsync(new DeleteTagsRequest { Resources = [image] }, TestCloud.Timeout);
        Assert.Null((await ImageAsync(owner, image)).Tags);
    }

    [Fact]
    public async Task CreateTags_SharedImageOfAnotherAccount_AuthFailureAndTagsHiddenFromTarget()
    {
        await using var server = await TestCloud.StartAsync();
        using var owner = Client(server, Images);
        using var prod = Client(server, Prod);
        var image = await OwnerImageAsync(owner, "shared-tags");
        await owner.CreateTagsAsync(new CreateTagsRequest { Resources = [image], Tags = [Tag("secret", "owner-only")] }, TestCloud.Timeout);
        await ShareAsync(owner, image, new LaunchPermission { UserId = Prod });

        var error = await FailsAsync(() => prod.CreateTagsAsync(new CreateTagsRequest { Resources = [image], Tags = [Tag("x", "y")] }, TestCloud.Timeout));

        Assert.Equal("AuthFailure", error.ErrorCode);
        Assert.Null((await ImageAsync(prod, image)).Tags);
        var filtered = await prod.DescribeImagesAsync(new DescribeImagesRequest { ImageIds = [image], Filters = [new Filter("tag-key", ["secret"])] }, TestCloud.Timeout);
        Assert.Empty(filtered.Images ?? []);
    }

    [Fact]
    public async Task CreateTagsAndDeleteTags_WithoutPermission_UnauthorizedOperation()
    {
        await using var server = await TestCloud.StartAsync();
        using var owner = Client(server, Images);
        var image = await OwnerImageAsync(owner, "denied-tags");
        var reader = await KmsTestKit.UserAsync(server, Images, "reader", KmsTestKit.Allow("ec2:Describe*"));
        using var readerEc2 = Client(server, reader);

        var create = await FailsAsync(() => readerEc2.CreateTagsAsync(new CreateTagsRequest { Resources = [image], Tags = [Tag("x", "y")] }, TestCloud.Timeout));
        var delete = await FailsAsync(() => readerEc2.DeleteTagsAsync(new DeleteTagsRequest { Resources = [image], Tags = [Tag("x")] }, TestCloud.Timeout));

        Assert.Equal("UnauthorizedOperation", create.ErrorCode);
        Assert.Contains("ec2:CreateTags", create.Message, StringComparison.Ordinal);
        Assert.Equal("UnauthorizedOperation", delete.ErrorCode);
    }

    [Fact]
    public async Task CreateTags_InvalidInput_Refused()
    {
        await using var server = await TestCloud.StartAsync();
        using var owner = Client(server, Images);
        var image = await OwnerImageAsync(owner, "bad-tags");

        var reserved = await FailsAsync(() => owner.CreateTagsAsync(new CreateTagsRequest { Resources = [image], Tags = [Tag("aws:owner", "x")] }, TestCloud.Timeout));
        var notTaggable = await FailsAsync(() => owner.CreateTagsAsync(new CreateTagsRequest { Resources = ["sg-0123456789abcdef0"], Tags = [Tag("x", "y")] }, TestCloud.Timeout));
        var tooMany = await FailsAsync(() => owner.CreateTagsAsync(new CreateTagsRequest { Resources = [image], Tags = [.. Enumerable.Range(0, 51).Select(i => Tag("k" + i, "v"))] }, TestCloud.Timeout));
        var missing = await FailsAsync(() => owner.CreateTagsAsync(new CreateTagsRequest { Resources = ["ami-0123456789abcdef0"], Tags = [Tag("x", "y")] }, TestCloud.Timeout));

        Assert.Equal("InvalidParameterValue", reserved.ErrorCode);
        Assert.Equal("InvalidID", notTaggable.ErrorCode);
        Assert.Equal("TagLimitExceeded", tooMany.ErrorCode);
        Assert.Equal("InvalidAMIID.NotFound", missing.ErrorCode);
    }

    [Fact]
    public async Task CopyImage_TagSpecifications_TagsTheCopy()
    {
        await using var server = await TestCloud.StartAsync();
        using var owner = Client(server, Images);
        var source = await OwnerImageAsync(owner, "copy-source");

        var copy = await owner.CopyImageAsync(new CopyImageRequest
        {
            SourceImageId = source,
            SourceRegion = Ec2TestKit.Region,
            Name = "tagged-copy",
            TagSpecifications = [new TagSpecification { ResourceType = "image", Tags = [Tag("amishare:copy-of", source)] }],
        }, TestCloud.Timeout);

        Assert.Equal([("amishare:copy-of", source)], (await ImageAsync(owner, copy.ImageId)).Tags.Select(t => (t.Key, t.Value)));
        Assert.Null((await ImageAsync(owner, source)).Tags);
    }

    [Fact]
    public async Task CopyImage_TagSpecificationsWithoutCreateTags_UnauthorizedOperation()
    {
        await using var server = await TestCloud.StartAsync();
        using var owner = Client(server, Images);
        var source = await OwnerImageAsync(owner, "copy-source");
        var copier = await KmsTestKit.UserAsync(server, Images, "copier", KmsTestKit.Allow("ec2:Describe*,ec2:CopyImage,ec2:CopySnapshot"));
        using var copierEc2 = Client(server, copier);
        var request = new CopyImageRequest { SourceImageId = source, SourceRegion = Ec2TestKit.Region, Name = "copy" };

        request.TagSpecifications = [new TagSpecification { ResourceType = "image", Tags = [Tag("k", "v")] }];
        var denied = await FailsAsync(() => copierEc2.CopyImageAsync(request, TestCloud.Timeout));
        request.TagSpecifications = null;
        var untagged = await copierEc2.CopyImageAsync(request, TestCloud.Timeout);

        Assert.Equal("UnauthorizedOperation", denied.ErrorCode);
        Assert.Contains("ec2:CreateTags", denied.Message, StringComparison.Ordinal);
        Assert.StartsWith("ami-", untagged.ImageId, StringComparison.Ordinal);
    }

    [Fact]
    public void Ec2Image_StoredWithoutTags_LoadsWithEmptyTags()
    {
        const string stored = """{"imageId":"ami-0123456789abcdef0","ownerId":"111111111111","region":"us-east-1","name":"old","creationDate":"2024-01-01T00:00:00+00:00","rootDeviceName":"/dev/xvda"}""";

        var image = JsonSerializer.Deserialize<Ec2Image>(stored, LocalCloudState.Json)!;

        Assert.Empty(image.Tags);
        var roundTrip = JsonSerializer.Deserialize<Ec2Image>(JsonSerializer.Serialize(image with { Tags = new Dictionary<string, string> { ["k"] = "v" } }, LocalCloudState.Json), LocalCloudState.Json)!;
        Assert.Equal("v", roundTrip.Tags["k"]);
    }
}
