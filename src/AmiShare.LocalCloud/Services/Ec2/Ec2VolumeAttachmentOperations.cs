using System.Xml.Linq;
using AmiShare.LocalCloud.Protocol;
using AmiShare.LocalCloud.State;
using AmiShare.Policy.Catalogue;
using static AmiShare.LocalCloud.Protocol.OperationHandlers;
using static AmiShare.LocalCloud.Services.Ec2.Ec2Ids;
using static AmiShare.LocalCloud.Services.Ec2.Ec2Xml;

namespace AmiShare.LocalCloud.Services.Ec2;

/// <summary>
/// AttachVolume and DetachVolume: a volume of the caller's joins (leaves) one of the caller's instances in the same
/// Availability Zone; the volume's attachment and the instance's block device mappings change together.
/// </summary>
internal sealed class Ec2VolumeAttachmentOperations(LocalCloudContext cloud) : IServiceOperations
{
    public AwsServiceDescriptor Service => AwsServices.Ec2;

    public IReadOnlyDictionary<string, OperationHandler> Operations => new Dictionary<string, OperationHandler>
    {
        ["AttachVolume"] = Sync(AttachVolume),
        ["DetachVolume"] = Sync(DetachVolume),
    };

    private Ec2Volume OwnedVolume(OperationRequest request, string volumeId)
    {
        CheckVolumeId(volumeId);
        return cloud.State.Read(view => view.Find(Ec2EntityKinds.Volume, new EntityKey(request.Caller.AccountId, request.Region, volumeId)))
            ?? throw Ec2Errors.VolumeNotFound(volumeId);
    }

    private Ec2Instance OwnedInstance(OperationRequest request, string instanceId)
    {
        CheckInstanceId(instanceId);
        return cloud.State.Read(view => view.Find(Ec2EntityKinds.Instance, new EntityKey(request.Caller.AccountId, request.Region, instanceId)))
            ?? throw Ec2Errors.InstanceNotFound(instanceId);
    }

    private OperationResponse AttachVolume(OperationRequest request)
    {
        var p = request.Parameters;
        var device = p.GetRequiredString("Device");
        var volume = OwnedVolume(request, p.GetRequiredString("VolumeId"));
        var instance = OwnedInstance(request, p.GetRequiredString("InstanceId"));
        request.Authorize(Ec2Actions.AttachVolume, instance.Arn);
        request.Authorize(Ec2Actions.AttachVolume, volume.Arn);
        request.Trail.AddResource("AWS::EC2::Volume", volume.Arn, volume.OwnerId);
        request.StopIfDryRun();
        if (instance.State is "terminated" or "shutting-down")
        {
            throw Ec2Errors.IncorrectState($"The instance '{instance.InstanceId}' is not in a valid state for this operation ({instance.State}).");
        }

        if (volume.Attachment is { } existing)
        {
            throw Ec2Errors.VolumeAlreadyAttached(volume.VolumeId, existing.InstanceId);
        }

        if (volume.AvailabilityZone != instance.AvailabilityZone)
        {
            throw Ec2Errors.VolumeZoneMismatch(volume.VolumeId, instance.InstanceId);
        }

        if (instance.Devices.Any(d => d.DeviceName == device))
        {
            throw Ec2Errors.InvalidParameterValue($"Invalid value '{device}' for unixDevice. Attachment point {device} is already in use");
        }

        var now = request.Time.GetUtcNow();
        var attachment = new Ec2VolumeAttachment(instance.InstanceId, device, DeleteOnTermination: false, now);
        cloud.State.Write(tx =>
        {
            tx.Put(Ec2EntityKinds.Volume, new EntityKey(volume.OwnerId, volume.Region, volume.VolumeId), volume with { State = "in-use", Attachment = attachment });
            tx.Put(Ec2EntityKinds.Instance, new EntityKey(instance.OwnerId, instance.Region, instance.InstanceId), instance with
            {
                Devices = [.. instance.Devices, new Ec2InstanceDevice(device, volume.VolumeId, DeleteOnTermination: false, now)],
            });
        });
        return Respond(AttachmentXml(volume.VolumeId, attachment, "attaching"));
    }

    /// <summary>DetachVolume: InstanceId and Device are optional; when given they must name the volume's attachment.</summary>
    private OperationResponse DetachVolume(OperationRequest request)
    {
        var p = request.Parameters;
        var volume = OwnedVolume(request, p.GetRequiredString("VolumeId"));
        var named = p.GetString("InstanceId") is { } instanceId ? OwnedInstance(request, instanceId) : null;
        var attachment = volume.Attachment;
        if (named is not null && attachment?.InstanceId != named.InstanceId)
        {
            throw Ec2Errors.AttachmentNotFound(volume.VolumeId, named.InstanceId);
        }

        if (attachment is null)
        {
            throw Ec2Errors.IncorrectState($"Volume '{volume.VolumeId}' is in the '{volume.State}' state.");
        }

        if (p.GetString("Device") is { } device && device != attachment.Device)
        {
            throw Ec2Errors.AttachmentNotFound(volume.VolumeId, attachment.InstanceId);
        }

        var instance = named ?? OwnedInstance(request, attachment.InstanceId);
        request.Authorize(Ec2Actions.DetachVolume, instance.Arn);
        request.Authorize(Ec2Actions.DetachVolume, volume.Arn);
        request.Trail.AddResource("AWS::EC2::Volume", volume.Arn, volume.OwnerId);
        request.StopIfDryRun();
        if (attachment.Device == instance.RootDeviceName && instance.State != "stopped")
        {
            throw Ec2Errors.IncorrectState($"Unable to detach root volume '{volume.VolumeId}' from instance '{instance.InstanceId}'");
        }

        cloud.State.Write(tx =>
        {
            tx.Put(Ec2EntityKinds.Volume, new EntityKey(volume.OwnerId, volume.Region, volume.VolumeId), volume with { State = "available", Attachment = null });
            tx.Put(Ec2EntityKinds.Instance, new EntityKey(instance.OwnerId, instance.Region, instance.InstanceId), instance with
            {
                Devices = [.. instance.Devices.Where(d => d.VolumeId != volume.VolumeId)],
            });
        });
        return Respond(AttachmentXml(volume.VolumeId, attachment, "detaching"));
    }

    private static IEnumerable<XElement?> AttachmentXml(string volumeId, Ec2VolumeAttachment attachment, string status) =>
    [
        new XElement("volumeId", volumeId),
        new XElement("instanceId", attachment.InstanceId),
        new XElement("device", attachment.Device),
        new XElement("status", status),
        new XElement("attachTime", XmlShapes.Timestamp(attachment.AttachTime)),
        new XElement("deleteOnTermination", XmlShapes.Boolean(attachment.DeleteOnTermination)),
    ];
}
