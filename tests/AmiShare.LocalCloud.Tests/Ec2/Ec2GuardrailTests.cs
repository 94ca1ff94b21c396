using Amazon.EC2;
using Amazon.EC2.Model;
using AmiShare.LocalCloud.Services.Ec2;
using AmiShare.LocalCloud.Tests.Kms;
using AmiShare.LocalCloud.Tests.Support;
using static AmiShare.LocalCloud.Tests.Ec2.Ec2TestKit;

namespace AmiShare.LocalCloud.Tests.Ec2;

/// <summary>Allowed AMIs, snapshot block public access and declarative-policy management, through the AWS SDK for .NET.</summary>
public sealed class Ec2GuardrailTests
{
    private static Task<ReplaceImageCriteriaInAllowedImagesSettingsResponse> AllowProvidersAsync(AmazonEC2Client ec2, params string[] providers) =>
        ec2.ReplaceImageCriteriaInAllowedImagesSettingsAsync(
            new ReplaceImageCriteriaInAllowedImagesSettingsRequest { ImageCriteria = [new ImageCriterionRequest { ImageProviders = [.. providers] }] },
            TestCloud.Timeout);

    private static async Task<List<Image>> ExecutableAsync(AmazonEC2Client ec2) =>
        (await ec2.DescribeImagesAsync(new DescribeImagesRequest { ExecutableUsers = ["self", "all"] }, TestCloud.Timeout)).Images;

    [Fact]
    public async Task AllowedImages_EnabledWithoutSourceProvider_HidesSharedImageAndRefusesLaunch()
    {
        await using var server = await TestCloud.StartAsync();
        using var owner = Client(server, Images);
        using var prod = Client(server, Prod);
        var (shared, _) = await ImageSharedWithProdAsync(owner, "guarded", kmsKeyArn: null);
        await AllowProvidersAsync(prod, "amazon");

        var enabled = await prod.EnableAllowedImagesSettingsAsync(new EnableAllowedImagesSettingsRequest { AllowedImagesSettingsState = AllowedImagesSettingsEnabledState.Enabled }, TestCloud.Timeout);
        var visible = await ExecutableAsync(prod);
        var refused = await FailsAsync(() => LaunchAsync(prod, shared));
        await owner.EnableAllowedImagesSettingsAsync(new EnableAllowedImagesSettingsRequest { AllowedImagesSettingsState = AllowedImagesSettingsEnabledState.Enabled }, TestCloud.Timeout);
        var ownerStillSees = (await owner.DescribeImagesAsync(new DescribeImagesRequest { Owners = ["self"] }, TestCloud.Timeout)).Images;
        await AllowProvidersAsync(prod, "amazon", Images);
        var afterAllowing = await ExecutableAsync(prod);
        var launched = await LaunchAsync(prod, shared);

        Assert.Equal("enabled", enabled.AllowedImagesSettingsState.Value);
        Assert.DoesNotContain(visible, i => i.ImageId == shared);
        Assert.True(Assert.Single(visible, i => i.ImageId == PublicImageId).ImageAllowed);
        Assert.Equal("InvalidAMIID.Unavailable", refused.ErrorCode);
        Assert.Contains("Allowed AMIs", refused.Message, StringComparison.Ordinal);
        Assert.True(Assert.Single(ownerStillSees, i => i.ImageId == shared).ImageAllowed);
        Assert.True(Assert.Single(afterAllowing, i => i.ImageId == shared).ImageAllowed);
        Assert.Equal(shared, launched.ImageId);
    }

    [Fact]
    public async Task AllowedImages_AuditMode_MarksImageNotAllowedButLaunches()
    {
        await using var server = await TestCloud.StartAsync();
        using var owner = Client(server, Images);
        using var prod = Client(server, Prod);
        var (shared, _) = await ImageSharedWithProdAsync(owner, "audited", kmsKeyArn: null);
        var before = await ExecutableAsync(prod);
        await AllowProvidersAsync(prod, "none");

        await prod.EnableAllowedImagesSettingsAsync(new EnableAllowedImagesSettingsRequest { AllowedImagesSettingsState = AllowedImagesSettingsEnabledState.AuditMode }, TestCloud.Timeout);
        var audited = await ExecutableAsync(prod);
        var launched = await LaunchAsync(prod, shared);
        var settings = await prod.GetAllowedImagesSettingsAsync(new GetAllowedImagesSettingsRequest(), TestCloud.Timeout);
        var disabled = await prod.DisableAllowedImagesSettingsAsync(new DisableAllowedImagesSettingsRequest(), TestCloud.Timeout);
        var after = await prod.GetAllowedImagesSettingsAsync(new GetAllowedImagesSettingsRequest(), TestCloud.Timeout);

        Assert.Null(Assert.Single(before, i => i.ImageId == shared).ImageAllowed);
        Assert.False(Assert.Single(audited, i => i.ImageId == shared).ImageAllowed);
        Assert.False(Assert.Single(audited, i => i.ImageId == PublicImageId).ImageAllowed);
        Assert.Equal(shared, launched.ImageId);
        Assert.Equal(("audit-mode", "account"), (settings.State, settings.ManagedBy.Value));
        Assert.Equal(["none"], Assert.Single(settings.ImageCriteria).ImageProviders);
        Assert.Equal("disabled", disabled.AllowedImagesSettingsState.Value);
        Assert.Equal("disabled", after.State);
    }

    [Fact]
    public async Task AllowedImages_BadProviderOrNoPermission_AwsErrors()
    {
        await using var server = await TestCloud.StartAsync();
        using var prod = Client(server, Prod);
        var reader = await KmsTestKit.UserAsync(server, Prod, "reader", KmsTestKit.Allow("ec2:Describe*"));
        using var readerEc2 = Client(server, reader);

        var bad = await FailsAsync(() => AllowProvidersAsync(prod, "amazon", "12345"));
        var mixed = await FailsAsync(() => AllowProvidersAsync(prod, "none", Images));
        var denied = await FailsAsync(() => readerEc2.EnableAllowedImagesSettingsAsync(new EnableAllowedImagesSettingsRequest { AllowedImagesSettingsState = AllowedImagesSettingsEnabledState.Enabled }, TestCloud.Timeout));
        var deniedRead = await FailsAsync(() => readerEc2.GetAllowedImagesSettingsAsync(new GetAllowedImagesSettingsRequest(), TestCloud.Timeout));
        var state = await prod.GetAllowedImagesSettingsAsync(new GetAllowedImagesSettingsRequest(), TestCloud.Timeout);

        Assert.Equal("InvalidParameterValue", bad.ErrorCode);
        Assert.Equal("InvalidParameterCombination", mixed.ErrorCode);
        Assert.Equal("UnauthorizedOperation", denied.ErrorCode);
        Assert.Contains("ec2:EnableAllowedImagesSettings", denied.Message, StringComparison.Ordinal);
        Assert.Equal("UnauthorizedOperation", deniedRead.ErrorCode);
        Assert.Equal("disabled", state.State);
        Assert.Empty(state.ImageCriteria ?? []);
    }

    [Fact]
    public async Task SnapshotBlockPublicAccess_Enabled_RefusesPublicSharingUntilDisabled()
    {
        await using var server = await TestCloud.StartAsync();
        using var owner = Client(server, Images);
        var reader = await KmsTestKit.UserAsync(server, Images, "reader", KmsTestKit.Allow("ec2:Describe*"));
        using var readerEc2 = Client(server, reader);
        var image = await OwnerImageAsync(owner, "public-candidate");
        var snapshot = (await ImageAsync(owner, image)).BlockDeviceMappings[0].Ebs.SnapshotId;
        var makePublic = new ModifySnapshotAttributeRequest { SnapshotId = snapshot, Attribute = SnapshotAttributeName.CreateVolumePermission, OperationType = OperationType.Add, GroupNames = ["all"] };

        var enabled = await owner.EnableSnapshotBlockPublicAccessAsync(new EnableSnapshotBlockPublicAccessRequest { State = SnapshotBlockPublicAccessState.BlockNewSharing }, TestCloud.Timeout);
        var state = await owner.GetSnapshotBlockPublicAccessStateAsync(new GetSnapshotBlockPublicAccessStateRequest(), TestCloud.Timeout);
        var refused = await FailsAsync(() => owner.ModifySnapshotAttributeAsync(makePublic, TestCloud.Timeout));
        var denied = await FailsAsync(() => readerEc2.DisableSnapshotBlockPublicAccessAsync(new DisableSnapshotBlockPublicAccessRequest(), TestCloud.Timeout));
        var disabled = await owner.DisableSnapshotBlockPublicAccessAsync(new DisableSnapshotBlockPublicAccessRequest(), TestCloud.Timeout);
        await owner.ModifySnapshotAttributeAsync(makePublic, TestCloud.Timeout);
        using var partner = Client(server, Partner);
        var partnerSees = (await partner.DescribeSnapshotsAsync(new DescribeSnapshotsRequest { RestorableByUserIds = ["all"] }, TestCloud.Timeout)).Snapshots;
        await owner.EnableSnapshotBlockPublicAccessAsync(new EnableSnapshotBlockPublicAccessRequest { State = SnapshotBlockPublicAccessState.BlockAllSharing }, TestCloud.Timeout);
        var partnerSeesBlocked = (await partner.DescribeSnapshotsAsync(new DescribeSnapshotsRequest { RestorableByUserIds = ["all"] }, TestCloud.Timeout)).Snapshots;

        Assert.Equal("block-new-sharing", enabled.State.Value);
        Assert.Equal(("block-new-sharing", "account"), (state.State.Value, state.ManagedBy.Value));
        Assert.Equal("OperationNotPermitted", refused.ErrorCode);
        Assert.Equal("UnauthorizedOperation", denied.ErrorCode);
        Assert.Equal("unblocked", disabled.State.Value);
        Assert.Contains(partnerSees ?? [], s => s.SnapshotId == snapshot);
        Assert.DoesNotContain(partnerSeesBlocked ?? [], s => s.SnapshotId == snapshot);
    }

    [Fact]
    public async Task Guardrails_ManagedByDeclarativePolicy_AccountCannotChangeThem()
    {
        await using var server = await TestCloud.StartAsync();
        new Ec2AccountSettingsStore(server.Cloud).Put(Prod, TestCloud.Region, s => s with
        {
            Guardrails = s.Guardrails with
            {
                AllowedImagesState = Ec2Guardrails.Enabled,
                AllowedImageCriteria = [new Ec2ImageCriterion { ImageProviders = ["amazon"] }],
                AllowedImagesManagedBy = Ec2Guardrails.ManagedByDeclarativePolicy,
                SnapshotBlockPublicAccessState = "block-all-sharing",
                SnapshotBlockPublicAccessManagedBy = Ec2Guardrails.ManagedByDeclarativePolicy,
                ImageBlockPublicAccessManagedBy = Ec2Guardrails.ManagedByDeclarativePolicy,
            },
        });
        using var prod = Client(server, Prod);

        var settings = await prod.GetAllowedImagesSettingsAsync(new GetAllowedImagesSettingsRequest(), TestCloud.Timeout);
        var snapshots = await prod.GetSnapshotBlockPublicAccessStateAsync(new GetSnapshotBlockPublicAccessStateRequest(), TestCloud.Timeout);
        var disable = await FailsAsync(() => prod.DisableAllowedImagesSettingsAsync(new DisableAllowedImagesSettingsRequest(), TestCloud.Timeout));
        var replace = await FailsAsync(() => AllowProvidersAsync(prod, Images));
        var unblock = await FailsAsync(() => prod.DisableSnapshotBlockPublicAccessAsync(new DisableSnapshotBlockPublicAccessRequest(), TestCloud.Timeout));
        var images = await FailsAsync(() => prod.DisableImageBlockPublicAccessAsync(new DisableImageBlockPublicAccessRequest(), TestCloud.Timeout));

        Assert.Equal(("enabled", "declarative-policy"), (settings.State, settings.ManagedBy.Value));
        Assert.Equal("declarative-policy", snapshots.ManagedBy.Value);
        Assert.All([disable, replace, unblock, images], e => Assert.Equal("OperationNotPermitted", e.ErrorCode));
        Assert.Contains("declarative policy", disable.Message, StringComparison.Ordinal);
    }
}
