using System.Text.Json;
using System.Text.Json.Nodes;
using AmiShare.Cli.Infrastructure;
using AmiShare.Cli.Tests.Share;
using AmiShare.LocalCloud.Seed;
using static AmiShare.Cli.Tests.Share.ShareScenario;

namespace AmiShare.Cli.Tests.Doctor;

/// <summary>
/// doctor reads the target's Allowed AMIs in full through the SDK adapter: criteria on image names, and a setting the
/// organization imposes with an EC2 declarative policy (then the fix is the management account's, not the target's).
/// </summary>
public sealed class DoctorGuardrailEndToEndTests
{
    private const string AmazonOnly = """
        {"ec2_attributes":{"allowed_images_settings":{"state":{"@@assign":"enabled"},"image_criteria":{"criteria_1":{"allowed_image_providers":{"@@assign":["amazon"]}}}}}}
        """;

    [Fact]
    public async Task Doctor_AllowedAmisFromDeclarativePolicy_FixNamesTheOrganizationPolicy()
    {
        var seed = DefaultSeed.Create();
        await using var cloud = await StartAsync(seed with
        {
            Organization = seed.Organization! with
            {
                DeclarativePolicies = [new SeedServiceControlPolicy { Name = "ec2-baseline", Targets = [Prod], Document = JsonDocument.Parse(AmazonOnly).RootElement.Clone() }],
            },
        });
        var image = await SharedAsync(cloud, "golden-declared");

        var (outcome, json) = cloud.RunReadsJson(Images, Prod, "doctor", image, "--target", Prod);

        Assert.Equal(ExitCodes.CheckFailed, outcome.ExitCode);
        var allowed = Requirement(json, "allowed-images");
        Assert.Equal("FAIL", (string?)allowed["status"]);
        Assert.Contains("declarative policy", (string?)allowed["explanation"], StringComparison.Ordinal);
        Assert.Contains("aws organizations update-policy", (string?)allowed["fix"], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("golden-2026", "PASS")]
    [InlineData("scratch-2026", "FAIL")]
    public async Task Doctor_AllowedAmisWithNameCriterion_JudgesTheImageName(string name, string status)
    {
        await using var cloud = await StartAsync();
        var image = await SharedAsync(cloud, name);
        using var prod = cloud.Ec2(Prod);
        await prod.ReplaceImageCriteriaInAllowedImagesSettingsAsync(new() { ImageCriteria = [new() { ImageProviders = [Images], ImageNames = ["golden-*"] }] }, Deadline);
        await prod.EnableAllowedImagesSettingsAsync(new() { AllowedImagesSettingsState = "enabled" }, Deadline);

        var (_, json) = cloud.RunReadsJson(Images, Prod, "doctor", image, "--target", Prod);

        Assert.Equal(status, (string?)Requirement(json, "allowed-images")["status"]);
    }

    private static async Task<string> SharedAsync(ShareScenario cloud, string name)
    {
        var key = await cloud.CreateKeyAsync(Images);
        var (image, _) = await cloud.CreateImageAsync(Images, name, key);
        var shared = cloud.Run(Images, "share", image, "--with", Prod, "--yes");
        Assert.True(shared.ExitCode == ExitCodes.Success, shared.Console);
        return image;
    }

    private static JsonObject Requirement(JsonObject json, string rule) =>
        json["requirements"]!.AsArray().Select(r => r!.AsObject()).First(r => (string?)r["rule"] == rule);
}
