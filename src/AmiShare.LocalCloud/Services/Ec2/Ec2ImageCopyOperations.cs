using System.Xml.Linq;
using AmiShare.LocalCloud.Protocol;
using AmiShare.LocalCloud.Services.Kms;
using AmiShare.LocalCloud.State;
using AmiShare.Policy.Catalogue;
using static AmiShare.LocalCloud.Protocol.OperationHandlers;
using static AmiShare.LocalCloud.Services.Ec2.Ec2ConditionContext;
using static AmiShare.LocalCloud.Services.Ec2.Ec2Ids;
using static AmiShare.LocalCloud.Services.Ec2.Ec2Tagging;
using static AmiShare.LocalCloud.Services.Ec2.Ec2Xml;

namespace AmiShare.LocalCloud.Services.Ec2;

/// <summary>CopyImage: every backing snapshot copied (data keys re-wrapped, or content sealed) into a new image.</summary>
internal sealed class Ec2ImageCopyOperations(LocalCloudContext cloud, Ec2ResourceLookup lookup, Ec2AccountSettingsStore settings, EbsEncryption ebs, Ec2ContentLifetime contentLifetime) : IServiceOperations
{
    public AwsServiceDescriptor Service => AwsServices.Ec2;

    public IReadOnlyDictionary<string, OperationHandler> Operations => new Dictionary<string, OperationHandler>
    {
        ["CopyImage"] = Sync(CopyImage),
    };

    private OperationResponse CopyImage(OperationRequest request)
    {
        var p = request.Parameters;
        var sourceImageId = CheckImageId(p.GetRequiredString("SourceImageId"));
        var sourceRegion = lookup.CheckRegion(p.GetRequiredString("SourceRegion"), "SourceRegion");
        var name = p.GetRequiredString("Name");
        var encryptedParameter = p.GetBoolean("Encrypted");
        var kmsKeyId = p.GetString("KmsKeyId");
        var clientToken = p.GetString("ClientToken");
        var account = request.Caller.AccountId;
        var region = request.Region;
        if (kmsKeyId is not null && encryptedParameter != true)
        {
            throw Ec2Errors.InvalidParameterCombination("KmsKeyId requires Encrypted=true.");
        }

        var tags = CopyImageTags(p);
        var source = lookup.VisibleImage(request, sourceRegion, sourceImageId);
        request.Authorize(Ec2Actions.CopyImage, source.Arn, ImageOwnerContext(source), launchPermissions: source.Sharing);
        request.Authorize(Ec2Actions.CopyImage, $"arn:aws:ec2:{region}::image/*");
        if (tags.Count > 0)
        {
            // As on AWS, tagging on create also needs ec2:CreateTags, with ec2:CreateAction naming the creating call.
            request.Authorize(Ec2Actions.CreateTags, $"arn:aws:ec2:{region}::image/*", TagContext(tags, "CopyImage"));
        }

        // A copy reads the storage: every backing snapshot needs createVolumePermission for the caller.
        var sourceSnapshots = cloud.State.Read(view => source.BlockDevices.Select(d => Ec2ResourceLookup.FindSnapshot(view, sourceRegion, d.SnapshotId)).ToList());
        foreach (var (device, snapshot) in source.BlockDevices.Zip(sourceSnapshots))
        {
            if (snapshot is null || !lookup.CanSee(request, snapshot))
            {
                throw Ec2Errors.InvalidRequest($"You do not have permission to access the storage of this ami ({source.ImageId}: snapshot {device.SnapshotId} has no createVolumePermission for account {account}).");
            }

            request.Authorize(Ec2Actions.CopySnapshot, snapshot.Arn, createVolumePermissions: snapshot.Sharing);
        }

        var anyEncrypted = sourceSnapshots.Any(s => s!.Encrypted);
        if (anyEncrypted && encryptedParameter == false)
        {
            throw Ec2Errors.InvalidParameterCombination("The image has encrypted snapshots, which cannot be copied to unencrypted snapshots.");
        }

        request.StopIfDryRun();
        var fingerprint = ClientTokens.Fingerprint(request);
        if (clientToken is not null && cloud.State.Read(view => view.List(Ec2EntityKinds.Image, account, region).FirstOrDefault(i => i.ClientToken == clientToken)) is { } previous)
        {
            return previous.ClientTokenRequest == fingerprint
                ? Respond(new XElement("imageId", previous.ImageId))
                : throw Ec2Errors.IdempotentParameterMismatch(clientToken);
        }

        lookup.CheckNewImageName(request, name);
        var now = request.Time.GetUtcNow();
        var imageId = cloud.Ids.ResourceId("ami");
        var encryptByDefault = settings.Get(account, region).EbsEncryptionByDefault;
        var snapshots = new List<Ec2Snapshot>();
        var devices = new List<Ec2ImageBlockDevice>();
        string? failure = null;
        try
        {
            KmsKeyFacts? target = null;
            if (anyEncrypted || encryptedParameter == true || encryptByDefault)
            {
                target = kmsKeyId is not null ? ebs.ResolveKey(request, region, kmsKeyId) : ebs.DefaultEbsKey(account, region);
            }

            foreach (var (device, snapshot) in source.BlockDevices.Zip(sourceSnapshots))
            {
                var snapshotId = cloud.Ids.ResourceId("snap");
                var result = target is not null && sourceRegion != region
                    ? ebs.ResealForRegionCopy(request, EbsEncryption.SourceOf(snapshot!), snapshotId, target)
                    : ebs.Materialize(request, EbsEncryption.SourceOf(snapshot!), snapshotId, target, forAttachment: false);
                snapshots.Add(NewSnapshots.CopiedFrom(snapshot!, snapshotId, account, region, result, $"Copied for DestinationAmi {imageId} from SourceAmi {source.ImageId} for SourceSnapshot {snapshot!.SnapshotId}", now));
                devices.Add(device with { SnapshotId = snapshotId, Encrypted = result.Encrypted });
            }
        }
        catch (KmsRefusedException refused)
        {
            // As on AWS, the API accepts the copy; the image then fails and holds no snapshots.
            failure = $"{refused.Code}: {refused.Message}";
            contentLifetime.Release(snapshots.Select(s => s.Content));
            snapshots.Clear();
        }

        var image = new Ec2Image
        {
            ImageId = imageId,
            OwnerId = account,
            Region = region,
            Name = name,
            Description = p.GetString("Description") ?? source.Description,
            CreationDate = now,
            RootDeviceName = source.RootDeviceName,
            Architecture = source.Architecture,
            VirtualizationType = source.VirtualizationType,
            EnaSupport = source.EnaSupport,
            BlockDevices = failure is null ? devices : [],
            SourceImageId = source.ImageId,
            SourceImageRegion = sourceRegion,
            ClientToken = clientToken,
            ClientTokenRequest = clientToken is null ? null : fingerprint,
            Tags = tags,
            State = failure is null ? "available" : "failed",
            StateReasonCode = failure is null ? null : "Client.InvalidKMSKey.InvalidState",
            StateReasonMessage = failure is null ? null : "Client.InvalidKMSKey.InvalidState: The KMS key provided is in an incorrect state (" + failure + ")",
        };
        // The token and the name are checked again where the copy is written: two calls with one token at the same
        // time make one copy on AWS, and two images never share a name.
        var raced = cloud.State.Write(tx =>
        {
            var first = tx.List(Ec2EntityKinds.Image, account, region).FirstOrDefault(i => (clientToken is not null && i.ClientToken == clientToken) || i.Name == name);
            if (first is not null)
            {
                return first;
            }

            foreach (var snapshot in snapshots)
            {
                tx.Put(Ec2EntityKinds.Snapshot, new EntityKey(account, region, snapshot.SnapshotId), snapshot);
            }

            tx.Put(Ec2EntityKinds.Image, new EntityKey(account, region, imageId), image);
            return null;
        });
        if (raced is not null)
        {
            contentLifetime.Release(snapshots.Select(s => s.Content));
            return clientToken is not null && raced.ClientToken == clientToken
                ? raced.ClientTokenRequest == fingerprint ? Respond(new XElement("imageId", raced.ImageId)) : throw Ec2Errors.IdempotentParameterMismatch(clientToken)
                : throw Ec2Errors.DuplicateImageName(name, raced.ImageId);
        }

        foreach (var snapshot in sourceSnapshots)
        {
            cloud.CloudTrail.RecordSharedSnapshotCopyInitiated(snapshot!.OwnerId, account, snapshot.Region, snapshot.SnapshotId);
        }

        request.Trail.AddResource("AWS::EC2::Image", source.Arn, source.OwnerId);
        request.Trail.AddResource("AWS::EC2::Image", image.Arn, account);
        request.Trail.ResponseElements["imageId"] = imageId;
        return Respond(new XElement("imageId", imageId));
    }
}
