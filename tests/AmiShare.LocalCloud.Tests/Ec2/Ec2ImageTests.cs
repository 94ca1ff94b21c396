using Amazon.EC2;
using Amazon.EC2.Model;
using AmiShare.LocalCloud.Tests.Kms;
using AmiShare.LocalCloud.Tests.Support;
using static AmiShare.LocalCloud.Tests.Ec2.Ec2TestKit;

namespace AmiShare.LocalCloud.Tests.Ec2;

public sealed class Ec2ImageTests
{
    [Fact]
    public async Task DescribeImages_AnyAccount_SeesPublicSeedImageOfItsRegionOnly()
    {
        await using var server = await TestCloud.StartAsync();
        using var partner = Client(server, Partner);
        using var partnerEu = Client(server, Partner, "eu-west-1");

        var us = await partner.DescribeImagesAsync(new DescribeImagesRequest { Owners = ["amazon"] }, TestCloud.Timeout);
        var eu = await partnerEu.DescribeImagesAsync(new DescribeImagesRequest { ExecutableUsers = ["all"] }, TestCloud.Timeout);

        var image = Assert.Single(us.Images);
        Assert.Equal(PublicImageId, image.ImageId);
        Assert.True(image.Public);
        Assert.Equal("amazon", image.ImageOwnerAlias);
        Assert.Equal("137112412989", image.OwnerId);
        Assert.Equal(ImageState.Available, image.State);
        Assert.False(Assert.Single(image.BlockDeviceMappings).Ebs.Encrypted);
        Assert.Equal(PublicImageIdEu, Assert.Single(eu.Images).ImageId);
    }

    [Fact]
    public async Task DescribeImages_FiltersWithWildcards_SelectMatchingImages()
    {
        await using var server = await TestCloud.StartAsync();
        using var ec2 = Client(server, Images);
        var mine = await OwnerImageAsync(ec2, "golden-2024-01");

        var byName = await ec2.DescribeImagesAsync(new DescribeImagesRequest { Filters = [new Filter("name", ["golden-*"])] }, TestCloud.Timeout);
        var byOwner = await ec2.DescribeImagesAsync(new DescribeImagesRequest { Filters = [new Filter("owner-id", [Images]), new Filter("state", ["available"])] }, TestCloud.Timeout);
        var amazon = await ec2.DescribeImagesAsync(new DescribeImagesRequest { Filters = [new Filter("name", ["amzn2-ami-hvm-?.0*"]), new Filter("is-public", ["true"])] }, TestCloud.Timeout);
        var self = await ec2.DescribeImagesAsync(new DescribeImagesRequest { Owners = ["self"] }, TestCloud.Timeout);
        var snapshotId = (await ImageAsync(ec2, mine)).BlockDeviceMappings[0].Ebs.SnapshotId;
        var bySnapshot = await ec2.DescribeImagesAsync(new DescribeImagesRequest { Filters = [new Filter("block-device-mapping.snapshot-id", [snapshotId])] }, TestCloud.Timeout);

        Assert.Equal(mine, Assert.Single(byName.Images).ImageId);
        Assert.Equal(mine, Assert.Single(byOwner.Images).ImageId);
        Assert.Equal(PublicImageId, Assert.Single(amazon.Images).ImageId);
        Assert.Equal(mine, Assert.Single(self.Images).ImageId);
        Assert.Equal(mine, Assert.Single(bySnapshot.Images).ImageId);
    }

    [Fact]
    public async Task DescribeImages_MaxResults_PagesWithNextToken()
    {
        await using var server = await TestCloud.StartAsync();
        using var ec2 = Client(server, Images);
        var created = new List<string>();
        var instance = await LaunchAsync(ec2, PublicImageId);
        for (var i = 0; i < 7; i++)
        {
            created.Add((await ec2.CreateImageAsync(new CreateImageRequest { InstanceId = instance.InstanceId, Name = $"paged-{i}" }, TestCloud.Timeout)).ImageId);
        }

        var first = await ec2.DescribeImagesAsync(new DescribeImagesRequest { Owners = ["self"], MaxResults = 6 }, TestCloud.Timeout);
        var second = await ec2.DescribeImagesAsync(new DescribeImagesRequest { Owners = ["self"], MaxResults = 6, NextToken = first.NextToken }, TestCloud.Timeout);

        Assert.Equal(6, first.Images.Count);
        Assert.NotNull(first.NextToken);
        Assert.Single(second.Images);
        Assert.Null(second.NextToken);
        Assert.Equal(created.Order(StringComparer.Ordinal), first.Images.Concat(second.Images).Select(i => i.ImageId));
    }

    [Fact]
    public async Task DescribeImages_MalformedOrInvisibleIds_ReturnAwsErrors()
    {
        await using var server = await TestCloud.StartAsync();
        using var owner = Client(server, Images);
        using var partner = Client(server, Partner);
        var image = await OwnerImageAsync(owner, "private-image");

        var malformed = await FailsAsync(() => partner.DescribeImagesAsync(new DescribeImagesRequest { ImageIds = ["ami-nothex"] }, TestCloud.Timeout));
        var hidden = await FailsAsync(() => partner.DescribeImagesAsync(new DescribeImagesRequest { ImageIds = [image] }, TestCloud.Timeout));
        var missing = await FailsAsync(() => partner.DescribeImagesAsync(new DescribeImagesRequest { ImageIds = ["ami-0123456789abcdef0"] }, TestCloud.Timeout));

        Assert.Equal("InvalidAMIID.Malformed", malformed.ErrorCode);
        Assert.Equal("InvalidAMIID.NotFound", hidden.ErrorCode);
        Assert.Equal($"The image id '[{image}]' does not exist", hidden.Message);
        Assert.Equal("InvalidAMIID.NotFound", missing.ErrorCode);
    }

    [Theory]
    [InlineData("UserId", Prod, true, false, false)]
    [InlineData("OrganizationArn", OrganizationArn, true, true, false)]
    [InlineData("OrganizationalUnitArn", WorkloadsUnitArn, true, true, false)]
    [InlineData("OrganizationalUnitArn", ProdUnitArn, true, false, false)]
    [InlineData("Group", "all", true, true, true)]
    public async Task ModifyImageAttribute_ShareKinds_CoverExactlyTheirAccounts(string kind, string value, bool prodSees, bool devSees, bool partnerSees)
    {
        await using var server = await TestCloud.StartAsync();
        using var owner = Client(server, Images);
        var image = await OwnerImageAsync(owner, "shared-" + kind);
        var permission = kind switch
        {
            "UserId" => new LaunchPermission { UserId = value },
            "Group" => new LaunchPermission { Group = PermissionGroup.All },
            "OrganizationArn" => new LaunchPermission { OrganizationArn = value },
            _ => new LaunchPermission { OrganizationalUnitArn = value },
        };

        await ShareAsync(owner, image, permission);

        foreach (var (account, expected) in new[] { (Prod, prodSees), (Dev, devSees), (Partner, partnerSees) })
        {
            using var target = Client(server, account);
            var visible = await target.DescribeImagesAsync(new DescribeImagesRequest { Filters = [new Filter("image-id", [image])] }, TestCloud.Timeout);
            Assert.True(expected == (visible.Images?.Count == 1), $"{account} visibility with {kind}={value}");
            if (expected)
            {
                var launched = await LaunchAsync(target, image);
                Assert.Equal("running", launched.State.Name.Value);
            }
            else
            {
                var error = await FailsAsync(() => LaunchAsync(target, image));
                Assert.Equal("InvalidAMIID.NotFound", error.ErrorCode);
            }
        }

        var attribute = await owner.DescribeImageAttributeAsync(new DescribeImageAttributeRequest { ImageId = image, Attribute = "launchPermission" }, TestCloud.Timeout);
        var entry = Assert.Single(attribute.ImageAttribute.LaunchPermissions);
        Assert.Equal(value, kind switch { "UserId" => entry.UserId, "Group" => entry.Group.Value, "OrganizationArn" => entry.OrganizationArn, _ => entry.OrganizationalUnitArn });
    }

    [Fact]
    public async Task ModifyImageAttribute_LegacyForm_AddsAndRemovesUserAndGroup()
    {
        await using var server = await TestCloud.StartAsync();
        using var owner = Client(server, Images);
        var image = await OwnerImageAsync(owner, "legacy-form");
        var query = Query(server, Images);

        var added = await query.CallAsync("ModifyImageAttribute", ("ImageId", image), ("Attribute", "launchPermission"), ("OperationType", "add"), ("UserId.1", Prod), ("UserId.2", Partner), ("UserGroup.1", "all"));
        var afterAdd = await owner.DescribeImageAttributeAsync(new DescribeImageAttributeRequest { ImageId = image, Attribute = "launchPermission" }, TestCloud.Timeout);
        var removed = await query.CallAsync("ModifyImageAttribute", ("ImageId", image), ("Attribute", "launchPermission"), ("OperationType", "remove"), ("UserId.1", Partner), ("UserGroup.1", "all"));
        var afterRemove = await owner.DescribeImageAttributeAsync(new DescribeImageAttributeRequest { ImageId = image, Attribute = "launchPermission" }, TestCloud.Timeout);

        Assert.Equal(200, added.Status);
        Assert.Equal("true", added.Value("return"));
        Assert.Equal(3, afterAdd.ImageAttribute.LaunchPermissions.Count);
        Assert.Equal(200, removed.Status);
        Assert.Equal(Prod, Assert.Single(afterRemove.ImageAttribute.LaunchPermissions).UserId);
    }

    [Theory]
    [InlineData("OrganizationArn", "o-amishare01")]
    [InlineData("OrganizationalUnitArn", "ou-ams1-prodacct")]
    [InlineData("UserId", "12345")]
    public async Task ModifyImageAttribute_BareIdsOrBadAccount_Refused(string kind, string value)
    {
        await using var server = await TestCloud.StartAsync();
        using var owner = Client(server, Images);
        var image = await OwnerImageAsync(owner, "bad-entry");
        var permission = kind switch
        {
            "OrganizationArn" => new LaunchPermission { OrganizationArn = value },
            "OrganizationalUnitArn" => new LaunchPermission { OrganizationalUnitArn = value },
            _ => new LaunchPermission { UserId = value },
        };

        var error = await FailsAsync(() => ShareAsync(owner, image, permission));

        Assert.Equal(kind == "UserId" ? "InvalidUserID.Malformed" : "InvalidParameterValue", error.ErrorCode);
    }

    [Fact]
    public async Task ModifyImageAttribute_NotOwner_Refused()
    {
        await using var server = await TestCloud.StartAsync();
        using var owner = Client(server, Images);
        using var prod = Client(server, Prod);
        var image = await OwnerImageAsync(owner, "not-yours");
        await ShareAsync(owner, image, new LaunchPermission { UserId = Prod });

        var error = await FailsAsync(() => ShareAsync(prod, image, new LaunchPermission { UserId = Partner }));

        Assert.Equal("AuthFailure", error.ErrorCode);
    }

    [Fact]
    public async Task ModifyImageAttribute_BlockPublicAccessOn_RefusesPublicButAllowsAccounts()
    {
        await using var server = await TestCloud.StartAsync();
        using var owner = Client(server, Images);
        var image = await OwnerImageAsync(owner, "block-public");

        var enabled = await owner.EnableImageBlockPublicAccessAsync(new EnableImageBlockPublicAccessRequest { ImageBlockPublicAccessState = ImageBlockPublicAccessEnabledState.BlockNewSharing }, TestCloud.Timeout);
        var state = await owner.GetImageBlockPublicAccessStateAsync(new GetImageBlockPublicAccessStateRequest(), TestCloud.Timeout);
        var refused = await FailsAsync(() => ShareAsync(owner, image, new LaunchPermission { Group = PermissionGroup.All }));
        await ShareAsync(owner, image, new LaunchPermission { UserId = Prod });
        await owner.DisableImageBlockPublicAccessAsync(new DisableImageBlockPublicAccessRequest(), TestCloud.Timeout);
        await ShareAsync(owner, image, new LaunchPermission { Group = PermissionGroup.All });

        Assert.Equal("block-new-sharing", enabled.ImageBlockPublicAccessState.Value);
        Assert.Equal("block-new-sharing", state.ImageBlockPublicAccessState);
        Assert.Equal("OperationNotPermitted", refused.ErrorCode);
        Assert.True((await ImageAsync(owner, image)).Public);
    }

    [Fact]
    public async Task ModifyImageAttribute_MoreThanThousandEntities_Refused()
    {
        await using var server = await TestCloud.StartAsync();
        using var owner = Client(server, Images);
        var image = await OwnerImageAsync(owner, "quota");
        var accounts = Enumerable.Range(0, 1001).Select(i => (500000000000L + i).ToString(System.Globalization.CultureInfo.InvariantCulture)).ToList();

        await owner.ModifyImageAttributeAsync(new ModifyImageAttributeRequest
        {
            ImageId = image,
            LaunchPermission = new LaunchPermissionModifications { Add = [.. accounts.Take(1000).Select(a => new LaunchPermission { UserId = a })] },
        }, TestCloud.Timeout);
        var error = await FailsAsync(() => ShareAsync(owner, image, new LaunchPermission { UserId = accounts[1000] }));

        Assert.Equal("ResourceLimitExceeded", error.ErrorCode);
    }

    [Fact]
    public async Task CancelImageLaunchPermission_TargetByAccountId_RemovesItselfOnly()
    {
        await using var server = await TestCloud.StartAsync();
        using var owner = Client(server, Images);
        using var prod = Client(server, Prod);
        using var dev = Client(server, Dev);
        var image = await OwnerImageAsync(owner, "cancel-me");
        await ShareAsync(owner, image, new LaunchPermission { UserId = Prod });
        await ShareAsync(owner, image, new LaunchPermission { OrganizationalUnitArn = WorkloadsUnitArn });

        var cancelled = await prod.CancelImageLaunchPermissionAsync(new CancelImageLaunchPermissionRequest { ImageId = image }, TestCloud.Timeout);
        var devRefused = await FailsAsync(() => dev.CancelImageLaunchPermissionAsync(new CancelImageLaunchPermissionRequest { ImageId = image }, TestCloud.Timeout));
        var ownerRefused = await FailsAsync(() => owner.CancelImageLaunchPermissionAsync(new CancelImageLaunchPermissionRequest { ImageId = image }, TestCloud.Timeout));
        var attribute = await owner.DescribeImageAttributeAsync(new DescribeImageAttributeRequest { ImageId = image, Attribute = "launchPermission" }, TestCloud.Timeout);

        Assert.True(cancelled.Return);
        Assert.Equal("InvalidParameter", devRefused.ErrorCode);
        Assert.Equal("InvalidParameter", ownerRefused.ErrorCode);
        Assert.Equal(WorkloadsUnitArn, Assert.Single(attribute.ImageAttribute.LaunchPermissions).OrganizationalUnitArn);
    }

    [Fact]
    public async Task ResetImageAttribute_LaunchPermission_RemovesAllShares()
    {
        await using var server = await TestCloud.StartAsync();
        using var owner = Client(server, Images);
        using var prod = Client(server, Prod);
        var image = await OwnerImageAsync(owner, "reset-me");
        await ShareAsync(owner, image, new LaunchPermission { UserId = Prod });

        await owner.ResetImageAttributeAsync(new ResetImageAttributeRequest { ImageId = image, Attribute = ResetImageAttributeName.LaunchPermission }, TestCloud.Timeout);

        Assert.Null((await prod.DescribeImagesAsync(new DescribeImagesRequest { ExecutableUsers = ["self"] }, TestCloud.Timeout)).Images);
    }

    [Fact]
    public async Task DisableImage_SharedImage_RemovesLaunchPermissionsForGood()
    {
        await using var server = await TestCloud.StartAsync();
        using var owner = Client(server, Images);
        var image = await OwnerImageAsync(owner, "disable-me");
        await ShareAsync(owner, image, new LaunchPermission { UserId = Prod });

        await owner.DisableImageAsync(new DisableImageRequest { ImageId = image }, TestCloud.Timeout);
        await owner.EnableImageAsync(new EnableImageRequest { ImageId = image }, TestCloud.Timeout);

        var attribute = await owner.DescribeImageAttributeAsync(new DescribeImageAttributeRequest { ImageId = image, Attribute = "launchPermission" }, TestCloud.Timeout);
        Assert.Null(attribute.ImageAttribute.LaunchPermissions);
    }

    [Fact]
    public async Task DeregisterImage_WithDeleteAssociatedSnapshots_RemovesImageAndSnapshots()
    {
        await using var server = await TestCloud.StartAsync();
        using var owner = Client(server, Images);
        using var prod = Client(server, Prod);
        var image = await OwnerImageAsync(owner, "deregister-me");
        await ShareAsync(owner, image, new LaunchPermission { UserId = Prod });
        var snapshotId = (await ImageAsync(owner, image)).BlockDeviceMappings[0].Ebs.SnapshotId;

        var response = await owner.DeregisterImageAsync(new DeregisterImageRequest { ImageId = image, DeleteAssociatedSnapshots = true }, TestCloud.Timeout);

        Assert.Equal("success", Assert.Single(response.DeleteSnapshotResults).ReturnCode.Value);
        Assert.Equal("InvalidAMIID.NotFound", (await FailsAsync(() => ImageAsync(prod, image))).ErrorCode);
        Assert.Equal("InvalidSnapshot.NotFound", (await FailsAsync(() => owner.DescribeSnapshotsAsync(new DescribeSnapshotsRequest { SnapshotIds = [snapshotId] }, TestCloud.Timeout))).ErrorCode);
    }

    [Fact]
    public async Task RegisterImage_FromOwnSnapshot_RegistersAndRefusesDuplicateName()
    {
        await using var server = await TestCloud.StartAsync();
        using var owner = Client(server, Images);
        var image = await ImageAsync(owner, await OwnerImageAsync(owner, "source-for-register"));
        var snapshotId = image.BlockDeviceMappings[0].Ebs.SnapshotId;
        var request = new RegisterImageRequest
        {
            Name = "registered",
            RootDeviceName = "/dev/xvda",
            Architecture = ArchitectureValues.X86_64,
            VirtualizationType = "hvm",
            BlockDeviceMappings = [new BlockDeviceMapping { DeviceName = "/dev/xvda", Ebs = new EbsBlockDevice { SnapshotId = snapshotId } }],
        };

        var registered = await owner.RegisterImageAsync(request, TestCloud.Timeout);
        var duplicate = await FailsAsync(() => owner.RegisterImageAsync(request, TestCloud.Timeout));
        var described = await ImageAsync(owner, registered.ImageId);

        Assert.Equal(snapshotId, described.BlockDeviceMappings[0].Ebs.SnapshotId);
        Assert.Equal("InvalidAMIName.Duplicate", duplicate.ErrorCode);
    }

    [Fact]
    public async Task ModifyImageAttribute_DryRun_412WhenAllowedAnd403WhenNot()
    {
        await using var server = await TestCloud.StartAsync();
        using var owner = Client(server, Images);
        var image = await OwnerImageAsync(owner, "dry-run");
        var reader = await KmsTestKit.UserAsync(server, Images, "reader", KmsTestKit.Allow("ec2:Describe*"));
        using var readerEc2 = Client(server, reader);
        var request = new ModifyImageAttributeRequest { ImageId = image, LaunchPermission = new LaunchPermissionModifications { Add = [new LaunchPermission { UserId = Prod }] }, DryRun = true };

        var allowed = await FailsAsync(() => owner.ModifyImageAttributeAsync(request, TestCloud.Timeout));
        var denied = await FailsAsync(() => readerEc2.ModifyImageAttributeAsync(request, TestCloud.Timeout));

        Assert.Equal(("DryRunOperation", System.Net.HttpStatusCode.PreconditionFailed), (allowed.ErrorCode, allowed.StatusCode));
        Assert.Equal(("UnauthorizedOperation", System.Net.HttpStatusCode.Forbidden), (denied.ErrorCode, denied.StatusCode));
        Assert.Null((await owner.DescribeImageAttributeAsync(new DescribeImageAttributeRequest { ImageId = image, Attribute = "launchPermission" }, TestCloud.Timeout)).ImageAttribute.LaunchPermissions);
    }
}
