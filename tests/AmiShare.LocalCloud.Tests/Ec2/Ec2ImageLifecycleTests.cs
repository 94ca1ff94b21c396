using Amazon.EC2;
using Amazon.EC2.Model;
using AmiShare.LocalCloud.Protocol;
using AmiShare.LocalCloud.Services.Ec2;
using AmiShare.LocalCloud.Tests.Kms;
using AmiShare.LocalCloud.Tests.Support;
using static AmiShare.LocalCloud.Tests.Ec2.Ec2TestKit;

namespace AmiShare.LocalCloud.Tests.Ec2;

/// <summary>Deprecation, deregistration protection (with cooldown) and lastLaunchedTime of an image.</summary>
public sealed class Ec2ImageLifecycleTests
{
    [Fact]
    public async Task EnableImageDeprecation_PastTime_HiddenFromConsumersUnlessAsked()
    {
        await using var server = await TestCloud.StartAsync();
        using var owner = Client(server, Images);
        using var prod = Client(server, Prod);
        var image = await OwnerImageAsync(owner, "to-deprecate");
        await ShareAsync(owner, image, new LaunchPermission { UserId = Prod });

        await owner.EnableImageDeprecationAsync(new EnableImageDeprecationRequest { ImageId = image, DeprecateAt = DateTime.UtcNow.AddMinutes(-5) }, TestCloud.Timeout);
        var listed = await prod.DescribeImagesAsync(new DescribeImagesRequest { ExecutableUsers = ["self"] }, TestCloud.Timeout);
        var included = await prod.DescribeImagesAsync(new DescribeImagesRequest { ExecutableUsers = ["self"], IncludeDeprecated = true }, TestCloud.Timeout);
        var byId = await ImageAsync(prod, image);
        var launched = await LaunchAsync(prod, image);

        Assert.DoesNotContain(listed.Images ?? [], i => i.ImageId == image);
        Assert.Contains(included.Images, i => i.ImageId == image);
        Assert.False(string.IsNullOrEmpty(byId.DeprecationTime));
        Assert.Equal("running", launched.State.Name.Value);

        await owner.DisableImageDeprecationAsync(new DisableImageDeprecationRequest { ImageId = image }, TestCloud.Timeout);
        Assert.True(string.IsNullOrEmpty((await ImageAsync(owner, image)).DeprecationTime));
    }

    [Fact]
    public async Task EnableImageDeprecation_NotOwnerOrDenied_Refused()
    {
        await using var server = await TestCloud.StartAsync();
        using var owner = Client(server, Images);
        using var prod = Client(server, Prod);
        var image = await OwnerImageAsync(owner, "not-yours");
        await ShareAsync(owner, image, new LaunchPermission { UserId = Prod });
        var describer = await KmsTestKit.UserAsync(server, Images, "describer", KmsTestKit.Allow("ec2:Describe*"));
        using var limited = Client(server, describer);

        var notOwner = await FailsAsync(() => prod.EnableImageDeprecationAsync(new EnableImageDeprecationRequest { ImageId = image, DeprecateAt = DateTime.UtcNow.AddDays(1) }, TestCloud.Timeout));
        var denied = await FailsAsync(() => limited.EnableImageDeregistrationProtectionAsync(new EnableImageDeregistrationProtectionRequest { ImageId = image }, TestCloud.Timeout));

        Assert.Equal("AuthFailure", notOwner.ErrorCode);
        Assert.Equal("UnauthorizedOperation", denied.ErrorCode);
        Assert.Contains("ec2:EnableImageDeregistrationProtection", denied.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DeregisterImage_ProtectedWithCooldown_RefusedUntilCooldownEnds()
    {
        var clock = TestCloud.Clock();
        await using var server = await TestCloud.StartAsync(clock);
        using var owner = Client(server, Images);
        var image = await OwnerImageAsync(owner, "protected");

        await owner.EnableImageDeregistrationProtectionAsync(new EnableImageDeregistrationProtectionRequest { ImageId = image, WithCooldown = true }, TestCloud.Timeout);
        var protectedState = (await ImageAsync(owner, image)).DeregistrationProtection;
        var whileProtected = await FailsAsync(() => owner.DeregisterImageAsync(new DeregisterImageRequest { ImageId = image }, TestCloud.Timeout));
        await owner.DisableImageDeregistrationProtectionAsync(new DisableImageDeregistrationProtectionRequest { ImageId = image }, TestCloud.Timeout);
        var coolingState = (await ImageAsync(owner, image)).DeregistrationProtection;
        var whileCooling = await FailsAsync(() => owner.DeregisterImageAsync(new DeregisterImageRequest { ImageId = image }, TestCloud.Timeout));
        var stored = server.Cloud.State.Read(view => Ec2ResourceLookup.FindImage(view, TestCloud.Region, image))!;

        // The SDK signs with the real clock, so the day-later call is checked in process, against the fake clock.
        clock.Advance(TimeSpan.FromHours(24) + TimeSpan.FromMinutes(1));
        Ec2ImageLifecycle.EnsureDeregistrable(stored, clock.GetUtcNow());

        Assert.Equal("enabled-with-cooldown", protectedState);
        Assert.StartsWith("disabled-until-", coolingState, StringComparison.Ordinal);
        Assert.Equal("OperationNotPermitted", whileProtected.ErrorCode);
        Assert.Equal("OperationNotPermitted", whileCooling.ErrorCode);
        Assert.Throws<AwsServiceException>(() => Ec2ImageLifecycle.EnsureDeregistrable(stored, clock.GetUtcNow() - TimeSpan.FromHours(1)));
    }

    [Fact]
    public async Task DeregisterImage_ProtectionDisabledWithoutCooldown_AllowedAtOnce()
    {
        await using var server = await TestCloud.StartAsync();
        using var owner = Client(server, Images);
        var image = await OwnerImageAsync(owner, "plain-protected");
        await owner.EnableImageDeregistrationProtectionAsync(new EnableImageDeregistrationProtectionRequest { ImageId = image }, TestCloud.Timeout);
        var attribute = await owner.DescribeImageAttributeAsync(new DescribeImageAttributeRequest { ImageId = image, Attribute = ImageAttributeName.DeregistrationProtection }, TestCloud.Timeout);

        await owner.DisableImageDeregistrationProtectionAsync(new DisableImageDeregistrationProtectionRequest { ImageId = image }, TestCloud.Timeout);
        await owner.DeregisterImageAsync(new DeregisterImageRequest { ImageId = image }, TestCloud.Timeout);

        Assert.Equal("enabled", attribute.ImageAttribute.DeregistrationProtection);
    }

    [Fact]
    public async Task RunInstances_SharedImage_SetsLastLaunchedTimeForTheOwner()
    {
        await using var server = await TestCloud.StartAsync();
        using var owner = Client(server, Images);
        using var prod = Client(server, Prod);
        var image = await OwnerImageAsync(owner, "launched-by-prod");
        await ShareAsync(owner, image, new LaunchPermission { UserId = Prod });
        var before = await owner.DescribeImageAttributeAsync(new DescribeImageAttributeRequest { ImageId = image, Attribute = ImageAttributeName.LastLaunchedTime }, TestCloud.Timeout);

        await LaunchAsync(prod, image);
        var after = await owner.DescribeImageAttributeAsync(new DescribeImageAttributeRequest { ImageId = image, Attribute = ImageAttributeName.LastLaunchedTime }, TestCloud.Timeout);

        Assert.True(string.IsNullOrEmpty(before.ImageAttribute.LastLaunchedTime));
        Assert.False(string.IsNullOrEmpty(after.ImageAttribute.LastLaunchedTime));
        Assert.False(string.IsNullOrEmpty((await ImageAsync(owner, image)).LastLaunchedTime));
    }
}
