using System.Text.Json.Nodes;
using Amazon.EC2;
using Amazon.EC2.Model;
using AmiShare.LocalCloud.Services.Ec2;
using AmiShare.LocalCloud.Tests.Support;
using static AmiShare.LocalCloud.Tests.Ec2.Ec2TestKit;
using AmiShare.LocalCloud.Tests.Organizations;

namespace AmiShare.LocalCloud.Tests.Ec2;

/// <summary>
/// EC2 declarative policies from Organizations decide the accounts' Allowed AMIs and block public access, and the
/// criteria beyond providers (names, age, time since deprecation) decide which shared images a target sees and launches.
/// </summary>
public sealed class Ec2DeclarativePolicyTests
{
    private const string Management = "100000000000";

    private const string AmazonOnly = """
        {"ec2_attributes":{"allowed_images_settings":{"state":{"@@assign":"enabled"},"image_criteria":{"criteria_1":{"allowed_image_providers":{"@@assign":["amazon"]}}}},
         "image_block_public_access":{"state":{"@@assign":"block_new_sharing"}},"snapshot_block_public_access":{"state":{"@@assign":"block_all_sharing"}}}}
        """;

    [Fact]
    public async Task AttachPolicy_Ec2DeclarativePolicy_SetsSettingsManagedByOrganizationAndRefusesChanges()
    {
        await using var server = await TestCloud.StartAsync();
        var organizations = OrganizationsTestKit.Client(server, Management);
        using var owner = Client(server, Images);
        using var prod = Client(server, Prod);
        var (shared, _) = await ImageSharedWithProdAsync(owner, "golden-declared", null);
        var before = await prod.GetAllowedImagesSettingsAsync(new GetAllowedImagesSettingsRequest(), TestCloud.Timeout);

        var policyId = await OrganizationsTestKit.CreatePolicyAsync(organizations, "ec2-baseline", AmazonOnly, Ec2DeclarativePolicy.PolicyType);
        await OrganizationsTestKit.OkAsync(organizations, "AttachPolicy", OrganizationsTestKit.Attachment(policyId, Prod));
        var after = await prod.GetAllowedImagesSettingsAsync(new GetAllowedImagesSettingsRequest(), TestCloud.Timeout);
        var images = await prod.GetImageBlockPublicAccessStateAsync(new GetImageBlockPublicAccessStateRequest(), TestCloud.Timeout);
        var snapshots = await prod.GetSnapshotBlockPublicAccessStateAsync(new GetSnapshotBlockPublicAccessStateRequest(), TestCloud.Timeout);
        var replace = await FailsAsync(() => prod.ReplaceImageCriteriaInAllowedImagesSettingsAsync(new() { ImageCriteria = [new() { ImageProviders = [Images] }] }, TestCloud.Timeout));
        var launch = await FailsAsync(() => LaunchAsync(prod, shared));
        using var dev = Client(server, Dev);
        var devSettings = await dev.GetAllowedImagesSettingsAsync(new GetAllowedImagesSettingsRequest(), TestCloud.Timeout);

        Assert.Equal(("disabled", "account"), (before.State, before.ManagedBy.Value));
        Assert.Equal(("enabled", "declarative-policy"), (after.State, after.ManagedBy.Value));
        Assert.Equal(["amazon"], after.ImageCriteria.Single().ImageProviders);
        Assert.Equal(("block-new-sharing", "declarative-policy"), (images.ImageBlockPublicAccessState, images.ManagedBy.Value));
        Assert.Equal(("block-all-sharing", "declarative-policy"), (snapshots.State.Value, snapshots.ManagedBy.Value));
        Assert.Equal("OperationNotPermitted", replace.ErrorCode);
        Assert.Equal("InvalidAMIID.Unavailable", launch.ErrorCode);
        Assert.Equal(("disabled", "account"), (devSettings.State, devSettings.ManagedBy.Value));
    }

    [Fact]
    public async Task CreatePolicy_DeclarativeWithoutEc2Attributes_MalformedPolicy()
    {
        await using var server = await TestCloud.StartAsync();
        var organizations = OrganizationsTestKit.Client(server, Management);

        var response = await organizations.CallAsync("CreatePolicy", new JsonObject { ["Name"] = "bad", ["Content"] = """{"s3_attributes":{}}""", ["Type"] = Ec2DeclarativePolicy.PolicyType, ["Description"] = "x" });

        Assert.Equal(400, response.Status);
        Assert.Contains("MalformedPolicyDocumentException", response.Raw, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReplaceImageCriteria_NamesAndDays_DecideWhichSharedImagesAreAllowed()
    {
        var clock = TestCloud.Clock();
        await using var server = await TestCloud.StartAsync(clock);
        using var owner = Client(server, Images);
        using var prod = Client(server, Prod);
        var (golden, _) = await ImageSharedWithProdAsync(owner, "golden-2026", null);
        var (other, _) = await ImageSharedWithProdAsync(owner, "scratch-1", null);
        var criterion = new ImageCriterionRequest
        {
            ImageProviders = [Images],
            ImageNames = ["golden-*"],
            CreationDateCondition = new CreationDateConditionRequest { MaximumDaysSinceCreated = 30 },
        };
        await prod.ReplaceImageCriteriaInAllowedImagesSettingsAsync(new() { ImageCriteria = [criterion] }, TestCloud.Timeout);
        await prod.EnableAllowedImagesSettingsAsync(new() { AllowedImagesSettingsState = "audit-mode" }, TestCloud.Timeout);

        var fresh = await AllowedAsync(prod, golden, other);
        var read = await prod.GetAllowedImagesSettingsAsync(new GetAllowedImagesSettingsRequest(), TestCloud.Timeout);
        // Signed requests cannot follow a clock 31 days ahead (SigV4 skew), so the aged image is judged in process.
        clock.Advance(TimeSpan.FromDays(31));
        var guardrails = new Ec2AccountSettingsStore(server.Cloud).Get(Prod, TestCloud.Region).Guardrails;
        var goldenImage = server.Cloud.State.Read(view => view.List(Ec2EntityKinds.Image, null, TestCloud.Region)).Single(i => i.ImageId == golden);

        Assert.Equal([true, false], fresh);
        Assert.False(guardrails.Allows(goldenImage, Prod, clock.GetUtcNow()), "older than MaximumDaysSinceCreated");
        var stored = read.ImageCriteria.Single();
        Assert.Equal(["golden-*"], stored.ImageNames);
        Assert.Equal(30, stored.CreationDateCondition.MaximumDaysSinceCreated);
    }

    public static TheoryData<string, string, int, int?, bool> Criteria => new()
    {
        // name pattern, image name, days since deprecated (-1: not deprecated), MaximumDaysSinceDeprecated, allowed
        { "golden-*", "golden-1", -1, null, true },
        { "golden-?", "golden-12", -1, null, false },
        { "*", "anything", 10, 30, true },
        { "*", "anything", 31, 30, false },
        { "*", "anything", -1, 0, true },
    };

    [Theory]
    [MemberData(nameof(Criteria))]
    public void Matches_NamesAndDeprecation_AsTheApiDescribes(string pattern, string name, int deprecatedDaysAgo, int? maximum, bool allowed)
    {
        var now = DateTimeOffset.Parse("2026-12-04T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture);
        var image = new Ec2Image
        {
            ImageId = "ami-1",
            OwnerId = Images,
            Region = TestCloud.Region,
            Name = name,
            CreationDate = now.AddDays(-40),
            RootDeviceName = "/dev/xvda",
            DeprecationTime = deprecatedDaysAgo < 0 ? null : now.AddDays(-deprecatedDaysAgo),
        };
        var criterion = new Ec2ImageCriterion { ImageProviders = [Images], ImageNames = [pattern], MaximumDaysSinceDeprecated = maximum };

        Assert.Equal(allowed, criterion.Matches(image, now));
    }

    private static async Task<bool[]> AllowedAsync(AmazonEC2Client ec2, params string[] imageIds)
    {
        var described = await ec2.DescribeImagesAsync(new DescribeImagesRequest { ImageIds = [.. imageIds], IncludeDeprecated = true }, TestCloud.Timeout);
        return [.. imageIds.Select(id => described.Images.Single(i => i.ImageId == id).ImageAllowed ?? true)];
    }
}
