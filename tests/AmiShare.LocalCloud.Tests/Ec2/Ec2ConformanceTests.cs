using System.Text.Json;
using System.Xml.Linq;
using AmiShare.LocalCloud.Tests.Conformance;
using AmiShare.LocalCloud.Tests.Support;
using static AmiShare.LocalCloud.Tests.Ec2.Ec2TestKit;

namespace AmiShare.LocalCloud.Tests.Ec2;

/// <summary>Skipped, saying why, when no botocore EC2 model is installed (it ships with the AWS CLI / python3-botocore).</summary>
public sealed class BotocoreEc2ModelFactAttribute : FactAttribute
{
    public BotocoreEc2ModelFactAttribute()
    {
        if (BotocoreModel.Find("ec2", "2016-11-15") is null)
        {
            Skip = "No botocore EC2 model (botocore/data/ec2/2016-11-15/service-2.json[.gz]) found; install python3-botocore or the AWS CLI.";
        }
    }
}

/// <summary>Every element the EC2 service emits must be a member (by its XML locationName) of the botocore output shape.</summary>
public sealed class Ec2ConformanceTests
{
    [BotocoreEc2ModelFact]
    public async Task EveryImplementedOperation_ResponseMembers_ExistInBotocoreOutputShape()
    {
        using var model = BotocoreModel.Load("ec2", "2016-11-15");
        await using var server = await TestCloud.StartAsync();
        using var owner = Client(server, Images);
        var image = await OwnerImageAsync(owner, "conformance");
        var described = await ImageAsync(owner, image);
        var snapshot = described.BlockDeviceMappings[0].Ebs.SnapshotId;
        var instance = (await LaunchAsync(owner, PublicImageId)).InstanceId;
        var q = Query(server, Images);
        var calls = new List<(string Operation, QueryResponse Response)>();

        async Task Call(string operation, params (string, string)[] parameters) => calls.Add((operation, await q.CallAsync(operation, parameters)));

        await Call("CreateTags", ("ResourceId.1", image), ("Tag.1.Key", "team"), ("Tag.1.Value", "images"), ("Tag.2.Key", "stage"));
        await Call("DescribeImages", ("Owner.1", "self"));
        await Call("DescribeImages", ("Owner.1", "self"), ("Filter.1.Name", "tag:team"), ("Filter.1.Value.1", "images"));
        await Call("DeleteTags", ("ResourceId.1", image), ("Tag.1.Key", "stage"));
        await Call("DescribeImages", ("ImageId.1", PublicImageId));
        await Call("ModifyImageAttribute", ("ImageId", image), ("LaunchPermission.Add.1.UserId", Prod), ("LaunchPermission.Add.2.OrganizationArn", OrganizationArn));
        await Call("DescribeImageAttribute", ("ImageId", image), ("Attribute", "launchPermission"));
        await Call("DescribeImageAttribute", ("ImageId", image), ("Attribute", "description"));
        await Call("DescribeImageAttribute", ("ImageId", image), ("Attribute", "blockDeviceMapping"));
        await Call("ResetImageAttribute", ("ImageId", image), ("Attribute", "launchPermission"));
        await Call("DescribeSnapshots", ("Owner.1", "self"));
        await Call("ModifySnapshotAttribute", ("SnapshotId", snapshot), ("CreateVolumePermission.Add.1.UserId", Prod));
        await Call("DescribeSnapshotAttribute", ("SnapshotId", snapshot), ("Attribute", "createVolumePermission"));
        await Call("ResetSnapshotAttribute", ("SnapshotId", snapshot), ("Attribute", "createVolumePermission"));
        await Call("CopySnapshot", ("SourceSnapshotId", snapshot), ("SourceRegion", Region));
        await Call("CopyImage", ("SourceImageId", image), ("SourceRegion", Region), ("Name", "conformance-copy"));
        await Call("CopyImage", ("SourceImageId", image), ("SourceRegion", Region), ("Name", "conformance-tagged-copy"), ("TagSpecification.1.ResourceType", "image"), ("TagSpecification.1.Tag.1.Key", "amishare:copy-of"), ("TagSpecification.1.Tag.1.Value", image));
        await Call("RegisterImage", ("Name", "conformance-registered"), ("RootDeviceName", "/dev/xvda"), ("BlockDeviceMapping.1.DeviceName", "/dev/xvda"), ("BlockDeviceMapping.1.Ebs.SnapshotId", snapshot));
        await Call("CreateImage", ("InstanceId", instance), ("Name", "conformance-created"));
        await Call("DescribeVolumes");
        await Call("CreateVolume", ("SnapshotId", snapshot), ("AvailabilityZone", Region + "a"));
        var volume = calls[^1].Response.Value("volumeId")!;
        await Call("CreateSnapshot", ("VolumeId", volume));
        await Call("CreateVolume", ("AvailabilityZone", Region + "a"), ("Size", "10"), ("VolumeType", "gp3"), ("Iops", "4000"), ("Throughput", "200"), ("TagSpecification.1.ResourceType", "volume"), ("TagSpecification.1.Tag.1.Key", "team"), ("TagSpecification.1.Tag.1.Value", "images"));
        var data = calls[^1].Response.Value("volumeId")!;
        await Call("AttachVolume", ("VolumeId", data), ("InstanceId", instance), ("Device", "/dev/sdh"));
        await Call("ModifyInstanceAttribute", ("InstanceId", instance), ("BlockDeviceMapping.1.DeviceName", "/dev/sdh"), ("BlockDeviceMapping.1.Ebs.DeleteOnTermination", "true"));
        await Call("DescribeVolumes", ("VolumeId.1", data));
        await Call("CreateSnapshots", ("InstanceSpecification.InstanceId", instance), ("TagSpecification.1.ResourceType", "snapshot"), ("TagSpecification.1.Tag.1.Key", "run"), ("TagSpecification.1.Tag.1.Value", "1"));
        await Call("CreateTags", ("ResourceId.1", instance), ("Tag.1.Key", "team"), ("Tag.1.Value", "images"));
        await Call("DescribeTags");
        await Call("DescribeSnapshots", ("Owner.1", "self"), ("Filter.1.Name", "tag-key"), ("Filter.1.Value.1", "run"));
        await Call("DetachVolume", ("VolumeId", data));
        await Call("DeleteVolume", ("VolumeId", volume));
        await Call("DescribeInstances");
        await Call("RunInstances", ("ImageId", PublicImageId), ("MinCount", "1"), ("MaxCount", "1"));
        await Call("TerminateInstances", ("InstanceId.1", instance));
        await Call("GetEbsEncryptionByDefault");
        await Call("EnableEbsEncryptionByDefault");
        await Call("DisableEbsEncryptionByDefault");
        await Call("GetEbsDefaultKmsKeyId");
        await Call("ResetEbsDefaultKmsKeyId");
        await Call("EnableImageBlockPublicAccess", ("ImageBlockPublicAccessState", "block-new-sharing"));
        await Call("GetImageBlockPublicAccessState");
        await Call("DisableImageBlockPublicAccess");
        await Call("ReplaceImageCriteriaInAllowedImagesSettings", ("ImageCriterion.1.ImageProvider.1", "amazon"), ("ImageCriterion.1.ImageProvider.2", Prod));
        await Call("EnableAllowedImagesSettings", ("AllowedImagesSettingsState", "audit-mode"));
        await Call("GetAllowedImagesSettings");
        await Call("DescribeImages", ("ImageId.1", PublicImageId));
        await Call("DisableAllowedImagesSettings");
        await Call("EnableSnapshotBlockPublicAccess", ("State", "block-new-sharing"));
        await Call("GetSnapshotBlockPublicAccessState");
        await Call("DisableSnapshotBlockPublicAccess");
        await Call("DescribeRegions");
        await Call("DisableImage", ("ImageId", image));
        await Call("EnableImage", ("ImageId", image));
        await Call("DeregisterImage", ("ImageId", image));

        var problems = new List<string>();
        foreach (var (operation, response) in calls)
        {
            Assert.True(response.Status == 200, $"{operation}: {response.Raw}");
            Check(model.RootElement, operation, response.Xml.Root!, problems);
        }

        Assert.Empty(problems);
    }

    private static void Check(JsonElement model, string operation, XElement root, List<string> problems)
    {
        var shapes = model.GetProperty("shapes");
        var op = model.GetProperty("operations").GetProperty(operation);
        var children = root.Elements().Where(e => e.Name.LocalName != "requestId").ToList();
        if (!op.TryGetProperty("output", out var output))
        {
            // EC2 answers <return>true</return> for operations whose model has no output shape (API reference "return").
            problems.AddRange(children.Where(e => e.Name.LocalName != "return").Select(e => $"{operation}: unexpected {e.Name.LocalName}"));
            return;
        }

        BotocoreModel.CheckXml(shapes, operation, output.GetProperty("shape").GetString()!, children, problems, "item");
    }
}
