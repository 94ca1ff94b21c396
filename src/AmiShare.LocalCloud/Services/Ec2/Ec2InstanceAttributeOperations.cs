using AmiShare.LocalCloud.Protocol;
using AmiShare.LocalCloud.State;
using AmiShare.Policy.Catalogue;
using static AmiShare.LocalCloud.Protocol.OperationHandlers;
using static AmiShare.LocalCloud.Services.Ec2.Ec2Ids;
using static AmiShare.LocalCloud.Services.Ec2.Ec2Xml;

namespace AmiShare.LocalCloud.Services.Ec2;

/// <summary>
/// ModifyInstanceAttribute for the attribute LocalCloud models: <c>blockDeviceMapping</c>, i.e. whether each attached
/// volume is deleted when the instance terminates. Other attributes (kernel, instance type, user data, …) describe
/// things LocalCloud does not emulate and are refused with UnsupportedOperation rather than silently accepted.
/// </summary>
internal sealed class Ec2InstanceAttributeOperations(LocalCloudContext cloud) : IServiceOperations
{
    public AwsServiceDescriptor Service => AwsServices.Ec2;

    public IReadOnlyDictionary<string, OperationHandler> Operations => new Dictionary<string, OperationHandler>
    {
        ["ModifyInstanceAttribute"] = Sync(ModifyInstanceAttribute),
    };

    private OperationResponse ModifyInstanceAttribute(OperationRequest request)
    {
        var p = request.Parameters;
        var instanceId = CheckInstanceId(p.GetRequiredString("InstanceId"));
        var mappings = p.GetStructureList("BlockDeviceMapping");
        var attribute = p.GetString("Attribute");
        if (mappings.Count == 0 || attribute is not (null or "blockDeviceMapping"))
        {
            throw Ec2Errors.UnsupportedOperation($"LocalCloud's ModifyInstanceAttribute changes BlockDeviceMapping (DeleteOnTermination) only; {attribute ?? "this attribute"} is not emulated.");
        }

        var account = request.Caller.AccountId;
        var region = request.Region;
        var instance = cloud.State.Read(view => view.Find(Ec2EntityKinds.Instance, new EntityKey(account, region, instanceId)))
            ?? throw Ec2Errors.InstanceNotFound(instanceId);
        var changes = new Dictionary<string, bool>(StringComparer.Ordinal);
        foreach (var mapping in mappings)
        {
            var device = mapping.GetRequiredString("DeviceName");
            var deleteOnTermination = mapping.GetStructure("Ebs").GetBoolean("DeleteOnTermination")
                ?? throw Ec2Errors.MissingParameter($"BlockDeviceMapping ({device}).Ebs.DeleteOnTermination");
            if (!instance.Devices.Any(d => d.DeviceName == device))
            {
                throw Ec2Errors.InvalidParameterValue($"The device '{device}' is not attached to instance '{instanceId}'.");
            }

            changes[device] = deleteOnTermination;
        }

        request.Authorize(Ec2Actions.ModifyInstanceAttribute, instance.Arn);
        request.StopIfDryRun();
        if (instance.State == "terminated")
        {
            throw Ec2Errors.IncorrectState($"The instance '{instanceId}' is terminated.");
        }

        cloud.State.Write(tx =>
        {
            var key = new EntityKey(account, region, instanceId);
            var current = tx.Find(Ec2EntityKinds.Instance, key) ?? throw Ec2Errors.InstanceNotFound(instanceId);
            var devices = current.Devices.Select(d => changes.TryGetValue(d.DeviceName, out var delete) ? d with { DeleteOnTermination = delete } : d).ToList();
            foreach (var device in devices.Where(d => changes.ContainsKey(d.DeviceName)))
            {
                var volumeKey = new EntityKey(account, region, device.VolumeId);
                if (tx.Find(Ec2EntityKinds.Volume, volumeKey) is { Attachment: { } attachment } volume)
                {
                    tx.Put(Ec2EntityKinds.Volume, volumeKey, volume with { Attachment = attachment with { DeleteOnTermination = device.DeleteOnTermination } });
                }
            }

            tx.Put(Ec2EntityKinds.Instance, key, current with { Devices = devices });
        });
        return Respond(Return());
    }
}
