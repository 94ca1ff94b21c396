using System.Globalization;
using System.Xml.Linq;
using AmiShare.LocalCloud.Protocol;
using AmiShare.LocalCloud.Services.Kms;
using AmiShare.LocalCloud.State;
using AmiShare.Policy.Catalogue;
using static AmiShare.LocalCloud.Protocol.OperationHandlers;
using static AmiShare.LocalCloud.Services.Ec2.Ec2ConditionContext;
using static AmiShare.LocalCloud.Services.Ec2.Ec2Describe;
using static AmiShare.LocalCloud.Services.Ec2.Ec2Ids;
using static AmiShare.LocalCloud.Services.Ec2.Ec2Xml;

namespace AmiShare.LocalCloud.Services.Ec2;

/// <summary>
/// Instances. RunInstances answers <c>pending</c>; the launch work (KMS calls, volume content) happens inside the
/// call, so the first DescribeInstances already shows the outcome: <c>running</c>, or <c>terminated</c> with
/// StateReason <c>Client.InvalidKMSKey.InvalidState</c> when KMS refused a call EC2 made for the caller.
/// </summary>
internal sealed class Ec2InstanceOperations(LocalCloudContext cloud, Ec2ResourceLookup lookup, Ec2AccountSettingsStore settings, EbsEncryption ebs, Ec2ContentLifetime contentLifetime) : IServiceOperations
{
    public AwsServiceDescriptor Service => AwsServices.Ec2;

    public IReadOnlyDictionary<string, OperationHandler> Operations => new Dictionary<string, OperationHandler>
    {
        ["RunInstances"] = Sync(RunInstances),
        ["DescribeInstances"] = Sync(DescribeInstances),
        ["TerminateInstances"] = Sync(TerminateInstances),
    };

    private const int InstanceLimit = 20;

    private const string KmsStateReasonCode = "Client.InvalidKMSKey.InvalidState";
    private const string KmsStateReasonMessage = "Client.InvalidKMSKey.InvalidState: The KMS key provided is in an incorrect state";
    private static readonly string[] InstanceFilters = ["instance-id", "instance-state-name", "instance-state-code", "image-id", "instance-type", "reservation-id", "client-token"];

    private sealed record LaunchDevice(string DeviceName, Ec2Snapshot? Snapshot, int Size, string VolumeType, bool DeleteOnTermination, bool? Encrypted, string? KmsKeyId);

    private OperationResponse RunInstances(OperationRequest request)
    {
        var p = request.Parameters;
        var imageId = CheckImageId(Ssm.SsmImageParameterResolver.Resolve(request, p.GetRequiredString("ImageId")));
        var minCount = p.GetInt32("MinCount") ?? throw Ec2Errors.MissingParameter("MinCount");
        var maxCount = p.GetInt32("MaxCount") ?? throw Ec2Errors.MissingParameter("MaxCount");
        if (minCount < 1 || maxCount < minCount)
        {
            throw Ec2Errors.InvalidParameterValue($"MinCount ({minCount}) must be at least 1 and no more than MaxCount ({maxCount}).");
        }

        if (minCount > InstanceLimit)
        {
            throw Ec2Errors.InstanceLimitExceeded($"You have requested more instances ({minCount}) than your current instance limit of {InstanceLimit} allows for the specified instance type.");
        }

        var account = request.Caller.AccountId;
        var region = request.Region;
        var image = lookup.VisibleImage(request, region, imageId);
        if (image.State != "available")
        {
            throw Ec2Errors.ImageUnavailable($"The image id '[{imageId}]' is not available (it is {image.State}).");
        }

        if (settings.Get(account, region).Guardrails.Hides(image, account, request.Time.GetUtcNow()))
        {
            // Allowed AMIs enabled: the launch is refused; audit-mode only reports the image as not allowed.
            throw Ec2Errors.ImageUnavailable($"The image id '[{imageId}]' is not allowed in account {account} in {region}: it is outside the criteria of the Allowed AMIs setting (state enabled). Add its owner {image.OwnerId} to the image providers (ReplaceImageCriteriaInAllowedImagesSettings) or use an allowed image.");
        }

        request.Authorize(Ec2Actions.RunInstances, image.Arn, ImageOwnerContext(image), launchPermissions: image.Sharing);
        request.Authorize(Ec2Actions.RunInstances, $"arn:aws:ec2:{region}:{account}:instance/*");
        request.Authorize(Ec2Actions.RunInstances, $"arn:aws:ec2:{region}:{account}:volume/*");
        var devices = LaunchDevices(request, image);
        request.StopIfDryRun();

        var clientToken = p.GetString("ClientToken");
        var fingerprint = ClientTokens.Fingerprint(request);
        if (clientToken is not null)
        {
            var previous = cloud.State.Read(view => view.List(Ec2EntityKinds.Instance, account, region).Where(i => i.ClientToken == clientToken).ToList());
            if (previous.Count > 0)
            {
                return previous[0].ClientTokenRequest == fingerprint
                    ? Respond(ReservationXml(previous[0].ReservationId, account, previous.OrderBy(i => i.AmiLaunchIndex)))
                    : throw Ec2Errors.IdempotentParameterMismatch(clientToken);
            }
        }

        var reservationId = cloud.Ids.ResourceId("r");
        var instanceType = p.GetString("InstanceType") ?? "m1.small";
        var zone = p.GetString("Placement.AvailabilityZone") ?? AvailabilityZoneOf(region);
        var now = request.Time.GetUtcNow();
        var launched = new List<Ec2Instance>();
        for (var index = 0; index < Math.Min(maxCount, InstanceLimit); index++)
        {
            var instanceId = cloud.Ids.ResourceId("i");
            var (volumes, failure) = CreateLaunchVolumes(request, instanceId, zone, devices, now);
            var instance = new Ec2Instance
            {
                InstanceId = instanceId,
                OwnerId = account,
                Region = region,
                ReservationId = reservationId,
                ImageId = imageId,
                InstanceType = instanceType,
                AvailabilityZone = zone,
                LaunchTime = now,
                AmiLaunchIndex = index,
                State = failure is null ? "running" : "terminated",
                StateReasonCode = failure is null ? null : KmsStateReasonCode,
                StateReasonMessage = failure is null ? null : KmsStateReasonMessage,
                StateTransitionReason = failure is null ? string.Empty : $"Server.InternalError ({failure})",
                RootDeviceName = image.RootDeviceName,
                Devices = [.. volumes.Select(v => new Ec2InstanceDevice(v.Attachment!.Device, v.VolumeId, v.Attachment.DeleteOnTermination))],
                ClientToken = clientToken,
                ClientTokenRequest = clientToken is null ? null : fingerprint,
                PrivateIpAddress = string.Create(CultureInfo.InvariantCulture, $"10.0.{(launched.Count / 250) % 250}.{10 + (Math.Abs(instanceId.GetHashCode(StringComparison.Ordinal)) % 240)}"),
            };
            cloud.State.Write(tx =>
            {
                foreach (var volume in volumes)
                {
                    tx.Put(Ec2EntityKinds.Volume, new EntityKey(account, region, volume.VolumeId), volume);
                }

                tx.Put(Ec2EntityKinds.Instance, new EntityKey(account, region, instanceId), instance);
            });
            foreach (var volume in volumes)
            {
                var snapshot = devices.First(d => d.Snapshot!.SnapshotId == volume.SnapshotId).Snapshot!;
                cloud.CloudTrail.RecordSharedSnapshotVolumeCreated(snapshot.OwnerId, account, snapshot.Region, snapshot.SnapshotId);
            }

            launched.Add(instance);
            request.Trail.AddResource("AWS::EC2::Instance", instance.Arn, account);
        }

        lookup.UpdateImage(image, i => i with { LastLaunchedTime = now });
        request.Trail.AddResource("AWS::EC2::Image", image.Arn, image.OwnerId);
        request.Trail.ResponseElements["reservationId"] = reservationId;
        request.Trail.ResponseElements["instanceIds"] = launched.Select(i => i.InstanceId).ToList();

        // The response shows every instance as it starts: pending.
        return Respond(ReservationXml(reservationId, account, launched.Select(i => i with { State = "pending", StateReasonCode = null, StateReasonMessage = null, StateTransitionReason = string.Empty })));
    }

    /// <summary>The image's mappings with the request's BlockDeviceMapping.N overrides applied, validated before any work.</summary>
    private List<LaunchDevice> LaunchDevices(OperationRequest request, Ec2Image image)
    {
        var snapshots = cloud.State.Read(view => image.BlockDevices.ToDictionary(d => d.DeviceName, d => Ec2ResourceLookup.FindSnapshot(view, image.Region, d.SnapshotId), StringComparer.Ordinal));
        var devices = image.BlockDevices.Select(d => new LaunchDevice(d.DeviceName, snapshots[d.DeviceName], d.VolumeSize, d.VolumeType, d.DeleteOnTermination, null, null)).ToList();
        foreach (var mapping in request.Parameters.GetStructureList("BlockDeviceMapping"))
        {
            var name = mapping.GetRequiredString("DeviceName");
            var encrypted = mapping.GetBoolean("Ebs.Encrypted");
            var kmsKeyId = mapping.GetString("Ebs.KmsKeyId");
            if (kmsKeyId is not null && encrypted != true)
            {
                throw Ec2Errors.InvalidParameterCombination($"The block device mapping for {name} specifies KmsKeyId without Encrypted=true.");
            }

            var at = devices.FindIndex(d => d.DeviceName == name);
            if (at < 0)
            {
                if (mapping.GetString("Ebs.SnapshotId") is not null)
                {
                    throw Ec2Errors.InvalidBlockDeviceMapping($"LocalCloud launches only the image's snapshots; {name} is not in the image's block device mapping.");
                }

                continue;
            }

            var device = devices[at];
            var size = mapping.GetInt32("Ebs.VolumeSize") ?? device.Size;
            if (device.Snapshot is { } s && size < s.VolumeSize)
            {
                throw Ec2Errors.InvalidParameterValue($"Volume of size {size} is smaller than snapshot '{s.SnapshotId}', expect size >= {s.VolumeSize}");
            }

            if (device.Snapshot is { Encrypted: true } && encrypted == false)
            {
                throw Ec2Errors.InvalidParameterCombination($"The snapshot of {name} is encrypted, so its volume must be encrypted.");
            }

            devices[at] = device with
            {
                Size = size,
                VolumeType = mapping.GetString("Ebs.VolumeType") ?? device.VolumeType,
                DeleteOnTermination = (mapping.GetBoolean("Ebs.DeleteOnTermination") ?? device.DeleteOnTermination),
                Encrypted = encrypted,
                KmsKeyId = kmsKeyId,
            };
        }

        foreach (var device in devices.Where(d => d.Snapshot is null))
        {
            throw Ec2Errors.ImageUnavailable($"The image id '[{image.ImageId}]' is not available: the snapshot of {device.DeviceName} no longer exists.");
        }

        return devices;
    }

    /// <summary>
    /// Makes the instance's volumes as EC2 does, AS the caller via EC2: a volume from an encrypted snapshot (or any
    /// volume under encryption by default, or one the mapping asks to encrypt) is encrypted under the mapping's
    /// KmsKeyId, else the snapshot's key when the caller's account owns it, else the caller's default EBS key.
    /// A KMS refusal yields no volumes and the reason the instance terminates with.
    /// </summary>
    private (List<Ec2Volume> Volumes, string? Failure) CreateLaunchVolumes(OperationRequest request, string instanceId, string zone, List<LaunchDevice> devices, DateTimeOffset now)
    {
        var account = request.Caller.AccountId;
        var region = request.Region;
        var encryptByDefault = settings.Get(account, region).EbsEncryptionByDefault;
        var volumes = new List<Ec2Volume>();
        try
        {
            foreach (var device in devices)
            {
                var snapshot = device.Snapshot!;
                var volumeId = cloud.Ids.ResourceId("vol");
                KmsKeyFacts? target = null;
                if (snapshot.Encrypted || device.Encrypted == true || encryptByDefault)
                {
                    target = device.KmsKeyId is not null ? ebs.ResolveKey(request, region, device.KmsKeyId)
                        : snapshot.Encrypted && snapshot.KmsKeyId is { } sourceKey && ebs.DescribeKeyByArn(sourceKey) is { } facts && facts.AccountId == account ? facts
                        : ebs.DefaultEbsKey(account, region);
                }

                var result = ebs.Materialize(request, EbsEncryption.SourceOf(snapshot), volumeId, target, forAttachment: true);
                volumes.Add(new Ec2Volume
                {
                    VolumeId = volumeId,
                    OwnerId = account,
                    Region = region,
                    AvailabilityZone = zone,
                    Size = device.Size,
                    SnapshotId = snapshot.SnapshotId,
                    VolumeType = device.VolumeType,
                    State = "in-use",
                    CreateTime = now,
                    Encrypted = result.Encrypted,
                    KmsKeyId = result.KmsKeyId,
                    DataKeyCiphertext = result.DataKeyCiphertext,
                    DataKeyContextId = result.DataKeyContextId,
                    Content = result.Content,
                    Attachment = new Ec2VolumeAttachment(instanceId, device.DeviceName, device.DeleteOnTermination, now),
                });
            }

            return (volumes, null);
        }
        catch (KmsRefusedException refused)
        {
            contentLifetime.Release(volumes.Select(v => v.Content));
            return ([], $"{refused.Code}: {refused.Message}");
        }
    }

    private OperationResponse DescribeInstances(OperationRequest request)
    {
        request.Authorize(Ec2Actions.DescribeInstances, "*");
        request.StopIfDryRun();
        var ids = request.Parameters.GetList("InstanceId");
        foreach (var id in ids)
        {
            CheckInstanceId(id);
        }

        var filters = Filters(request, InstanceFilters);
        var all = cloud.State.Read(view => view.List(Ec2EntityKinds.Instance, request.Caller.AccountId, request.Region));
        var selected = Requested(all, ids, i => i.InstanceId, Ec2Errors.InstanceNotFound, filters, InstanceFilterValues)
            .OrderBy(i => i.LaunchTime).ThenBy(i => i.ReservationId, StringComparer.Ordinal).ThenBy(i => i.AmiLaunchIndex)
            .ToList();
        var (page, next) = Paginate(request, selected, 5, 1000, ids.Count > 0);
        var reservations = page.GroupBy(i => i.ReservationId).Select(g => ReservationXml(g.Key, request.Caller.AccountId, g));
        return Respond(Items("reservationSet", reservations), Optional("nextToken", next));
    }

    private static string?[] InstanceFilterValues(Ec2Instance instance, string name) => name switch
    {
        "instance-id" => [instance.InstanceId],
        "instance-state-name" => [instance.State],
        "instance-state-code" => [StateCode(instance.State).ToString(CultureInfo.InvariantCulture)],
        "image-id" => [instance.ImageId],
        "instance-type" => [instance.InstanceType],
        "reservation-id" => [instance.ReservationId],
        "client-token" => [instance.ClientToken],
        _ => [],
    };

    private static int StateCode(string state) => state switch
    {
        "pending" => 0,
        "running" => 16,
        "shutting-down" => 32,
        "terminated" => 48,
        "stopping" => 64,
        _ => 80,
    };

    private static XElement InstanceState(string elementName, string state) =>
        new(elementName, new XElement("code", StateCode(state)), new XElement("name", state));

    private static IEnumerable<XElement?> ReservationXml(string reservationId, string ownerId, IEnumerable<Ec2Instance> instances) =>
    [
        new XElement("reservationId", reservationId),
        new XElement("ownerId", ownerId),
        new XElement("groupSet"),
        Items("instancesSet", instances.Select(InstanceXml)),
    ];

    private static IEnumerable<XElement?> InstanceXml(Ec2Instance instance) =>
    [
        new XElement("instanceId", instance.InstanceId),
        new XElement("imageId", instance.ImageId),
        InstanceState("instanceState", instance.State),
        new XElement("privateDnsName", instance.State == "terminated" ? string.Empty : $"ip-{instance.PrivateIpAddress.Replace('.', '-')}.ec2.internal"),
        new XElement("dnsName", string.Empty),
        new XElement("reason", instance.StateTransitionReason ?? string.Empty),
        new XElement("amiLaunchIndex", instance.AmiLaunchIndex),
        new XElement("productCodes"),
        new XElement("instanceType", instance.InstanceType),
        new XElement("launchTime", XmlShapes.Timestamp(instance.LaunchTime)),
        new XElement("placement", new XElement("availabilityZone", instance.AvailabilityZone), new XElement("tenancy", "default")),
        new XElement("monitoring", new XElement("state", "disabled")),
        instance.State == "terminated" ? null : new XElement("privateIpAddress", instance.PrivateIpAddress),
        new XElement("groupSet"),
        instance.StateReasonCode is null ? null : StateReason(instance.StateReasonCode, instance.StateReasonMessage),
        new XElement("architecture", "x86_64"),
        new XElement("rootDeviceType", "ebs"),
        new XElement("rootDeviceName", instance.RootDeviceName),
        Items("blockDeviceMapping", instance.Devices.Select(d => new[]
        {
            new XElement("deviceName", d.DeviceName),
            new XElement(
                "ebs",
                new XElement("volumeId", d.VolumeId),
                new XElement("status", "attached"),
                new XElement("attachTime", XmlShapes.Timestamp(d.AttachTime ?? instance.LaunchTime)),
                new XElement("deleteOnTermination", XmlShapes.Boolean(d.DeleteOnTermination))),
        })),
        new XElement("virtualizationType", "hvm"),
        Optional("clientToken", instance.ClientToken),
        new XElement("hypervisor", "xen"),
        new XElement("ebsOptimized", "false"),
        new XElement("enaSupport", "true"),
    ];

    private OperationResponse TerminateInstances(OperationRequest request)
    {
        var ids = request.Parameters.GetList("InstanceId");
        if (ids.Count == 0)
        {
            throw Ec2Errors.MissingParameter("InstanceId");
        }

        var account = request.Caller.AccountId;
        var region = request.Region;
        var instances = new List<Ec2Instance>();
        foreach (var id in ids)
        {
            CheckInstanceId(id);
            var instance = cloud.State.Read(view => view.Find(Ec2EntityKinds.Instance, new EntityKey(account, region, id))) ?? throw Ec2Errors.InstanceNotFound(id);
            request.Authorize(Ec2Actions.TerminateInstances, instance.Arn);
            instances.Add(instance);
        }

        request.StopIfDryRun();
        var released = new List<Ec2ContentRef>();
        cloud.State.Write(tx =>
        {
            foreach (var instance in instances.Where(i => i.State != "terminated"))
            {
                foreach (var device in instance.Devices)
                {
                    var key = new EntityKey(account, region, device.VolumeId);
                    if (tx.Find(Ec2EntityKinds.Volume, key) is not { } volume)
                    {
                        continue;
                    }

                    if (device.DeleteOnTermination)
                    {
                        tx.Delete(Ec2EntityKinds.Volume, key);
                        released.Add(volume.Content);
                    }
                    else
                    {
                        tx.Put(Ec2EntityKinds.Volume, key, volume with { State = "available", Attachment = null });
                    }
                }

                tx.Put(Ec2EntityKinds.Instance, new EntityKey(account, region, instance.InstanceId), instance with
                {
                    State = "terminated",
                    StateReasonCode = "Client.UserInitiatedShutdown",
                    StateReasonMessage = "Client.UserInitiatedShutdown: User initiated shutdown",
                    StateTransitionReason = $"User initiated ({XmlShapes.Timestamp(request.Time.GetUtcNow())})",
                });
            }
        });
        contentLifetime.Release(released);
        return Respond(Items("instancesSet", instances.Select(i => new[]
        {
            new XElement("instanceId", i.InstanceId),
            InstanceState("currentState", i.State == "terminated" ? "terminated" : "shutting-down"),
            InstanceState("previousState", i.State),
        })));
    }

    private static string AvailabilityZoneOf(string region) => region + "a";
}
