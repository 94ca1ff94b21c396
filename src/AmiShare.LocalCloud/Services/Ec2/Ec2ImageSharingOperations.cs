using System.Xml.Linq;
using AmiShare.LocalCloud.Protocol;
using AmiShare.LocalCloud.State;
using AmiShare.Policy.Catalogue;
using static AmiShare.LocalCloud.Protocol.OperationHandlers;
using static AmiShare.LocalCloud.Services.Ec2.Ec2Ids;
using static AmiShare.LocalCloud.Services.Ec2.Ec2Permissions;
using static AmiShare.LocalCloud.Services.Ec2.Ec2Xml;

namespace AmiShare.LocalCloud.Services.Ec2;

/// <summary>Image attributes and launch permissions: describe, modify, reset, and a consumer cancelling its own.</summary>
internal sealed class Ec2ImageSharingOperations(LocalCloudContext cloud, Ec2ResourceLookup lookup, Ec2AccountSettingsStore settings, EbsEncryption ebs) : IServiceOperations
{
    public AwsServiceDescriptor Service => AwsServices.Ec2;

    public IReadOnlyDictionary<string, OperationHandler> Operations => new Dictionary<string, OperationHandler>
    {
        ["DescribeImageAttribute"] = Sync(DescribeImageAttribute),
        ["ModifyImageAttribute"] = Sync(ModifyImageAttribute),
        ["ResetImageAttribute"] = Sync(ResetImageAttribute),
        ["CancelImageLaunchPermission"] = Sync(CancelImageLaunchPermission),
    };

    private const int LaunchPermissionQuota = AwsLimits.LaunchPermissionEntitiesPerImage;

    private OperationResponse DescribeImageAttribute(OperationRequest request)
    {
        var p = request.Parameters;
        var attribute = p.GetRequiredString("Attribute");
        var image = lookup.VisibleImage(request, request.Region, p.GetRequiredString("ImageId"));
        request.Authorize(Ec2Actions.DescribeImageAttribute, image.Arn);
        request.StopIfDryRun();
        var owner = image.OwnerId == request.Caller.AccountId;
        XElement body = attribute switch
        {
            "launchPermission" => owner
                ? Items("launchPermission", image.LaunchPermissions.Select(PermissionXml))
                : throw Ec2Errors.NotOwner("image", image.ImageId),
            "description" => new XElement("description", Optional("value", image.Description)),
            "blockDeviceMapping" => BlockDeviceMappingXml(image, cloud.State.Read(view => view.List(Ec2EntityKinds.Snapshot, image.OwnerId, image.Region)).ToDictionary(s => s.SnapshotId, StringComparer.Ordinal), owner),
            "productCodes" => new XElement("productCodes"),
            "kernel" => new XElement("kernel"),
            "ramdisk" => new XElement("ramdisk"),
            "sriovNetSupport" => new XElement("sriovNetSupport", new XElement("value", "simple")),
            "bootMode" => new XElement("bootMode"),
            "deregistrationProtection" => new XElement("deregistrationProtection", new XElement("value", Ec2ImageLifecycle.ProtectionState(image, request.Time.GetUtcNow()))),
            "lastLaunchedTime" => new XElement("lastLaunchedTime", Optional("value", image.LastLaunchedTime is { } launched ? XmlShapes.Timestamp(launched) : null)),
            _ => throw Ec2Errors.InvalidParameterValue($"Value ({attribute}) for parameter attribute is invalid. Unknown attribute."),
        };
        return Respond(new XElement("imageId", image.ImageId), body);
    }

    private OperationResponse ModifyImageAttribute(OperationRequest request)
    {
        var p = request.Parameters;
        var imageId = CheckImageId(p.GetRequiredString("ImageId"));
        var attribute = p.GetString("Attribute");
        var description = p.GetString("Description.Value") ?? (attribute == "description" ? p.GetString("Value") : null);
        var (add, remove) = PermissionChanges(p, "LaunchPermission", organizationEntries: true);
        if (attribute is not (null or "launchPermission" or "description"))
        {
            throw Ec2Errors.InvalidParameterValue($"Value ({attribute}) for parameter attribute is invalid. Supported: launchPermission, description.");
        }

        if (description is null && add.Count == 0 && remove.Count == 0)
        {
            throw Ec2Errors.MissingParameter("LaunchPermission or Description");
        }

        var image = lookup.OwnedImage(request, imageId);
        request.Authorize(Ec2Actions.ModifyImageAttribute, image.Arn);
        request.Trail.AddResource("AWS::EC2::Image", image.Arn, image.OwnerId);

        if (add.Count > 0)
        {
            CheckShareable(image, add);
        }

        request.StopIfDryRun();
        cloud.State.Write(tx =>
        {
            var key = new EntityKey(image.OwnerId, image.Region, image.ImageId);
            var current = tx.Find(Ec2EntityKinds.Image, key) ?? throw Ec2Errors.ImageNotFound(imageId);
            var permissions = current.LaunchPermissions.Where(lp => !remove.Contains(lp)).ToList();
            foreach (var entry in add.Where(e => !permissions.Contains(e)))
            {
                permissions.Add(entry);
            }

            if (permissions.Count > LaunchPermissionQuota)
            {
                throw Ec2Errors.ResourceLimitExceeded($"You can share an AMI with at most {LaunchPermissionQuota} accounts, organizations and organizational units per Region; this change would make {permissions.Count}.");
            }

            tx.Put(Ec2EntityKinds.Image, key, current with { LaunchPermissions = permissions, Description = description ?? current.Description });
        });
        request.Trail.ResponseElements["_return"] = true;
        return Respond(Return());
    }

    /// <summary>The refusals AWS applies before an AMI gains launch permissions.</summary>
    private void CheckShareable(Ec2Image image, List<Ec2Permission> add)
    {
        if (image.State != "available")
        {
            throw Ec2Errors.ImageUnavailable($"The image '{image.ImageId}' is {image.State} and cannot be shared.");
        }

        var snapshots = cloud.State.Read(view => image.BlockDevices.Select(d => Ec2ResourceLookup.FindSnapshot(view, image.Region, d.SnapshotId)).OfType<Ec2Snapshot>().ToList());
        if (snapshots.Any(s => s.Encrypted && ebs.IsAwsManagedKey(s.KmsKeyId)))
        {
            throw Ec2Errors.InvalidParameter("Snapshots encrypted with the AWS Managed CMK can't be shared. Specify another snapshot.");
        }

        if (add.Any(e => e.IsPublic))
        {
            if (snapshots.Any(s => s.Encrypted))
            {
                throw Ec2Errors.UnsupportedOperation("Encrypted snapshots can't be shared publicly. Specify another snapshot.");
            }

            if (settings.Get(image.OwnerId, image.Region).ImageBlockPublicAccessState != "unblocked")
            {
                throw Ec2Errors.OperationNotPermitted($"You can't publicly share image '{image.ImageId}' because block public access for AMIs is enabled for this account in {image.Region}. To publicly share the image, you must call the DisableImageBlockPublicAccess API.");
            }
        }
    }

    private OperationResponse ResetImageAttribute(OperationRequest request)
    {
        var p = request.Parameters;
        var attribute = p.GetRequiredString("Attribute");
        if (attribute != "launchPermission")
        {
            throw Ec2Errors.InvalidParameterValue($"Value ({attribute}) for parameter attribute is invalid. Only launchPermission can be reset.");
        }

        var image = lookup.OwnedImage(request, p.GetRequiredString("ImageId"));
        request.Authorize(Ec2Actions.ResetImageAttribute, image.Arn);
        request.Trail.AddResource("AWS::EC2::Image", image.Arn, image.OwnerId);
        request.StopIfDryRun();
        lookup.UpdateImage(image, i => i with { LaunchPermissions = [] });
        return Respond(Return());
    }

    private OperationResponse CancelImageLaunchPermission(OperationRequest request)
    {
        var image = lookup.VisibleImage(request, request.Region, request.Parameters.GetRequiredString("ImageId"));
        request.Authorize(Ec2Actions.CancelImageLaunchPermission, image.Arn);
        var caller = request.Caller.AccountId;
        if (image.OwnerId == caller)
        {
            throw Ec2Errors.InvalidParameter($"The image '{image.ImageId}' is owned by your account; use ModifyImageAttribute to change its launch permissions.");
        }

        var own = new Ec2Permission(UserId: caller);
        if (!image.LaunchPermissions.Contains(own))
        {
            throw Ec2Errors.InvalidParameter($"The image '{image.ImageId}' is shared with your account through its organization, an organizational unit or publicly, not with your account id; only the owner can remove such a launch permission.");
        }

        request.Trail.AddResource("AWS::EC2::Image", image.Arn, image.OwnerId);
        request.StopIfDryRun();
        lookup.UpdateImage(image, i => i with { LaunchPermissions = [.. i.LaunchPermissions.Where(lp => lp != own)] });
        return Respond(Return());
    }
}
