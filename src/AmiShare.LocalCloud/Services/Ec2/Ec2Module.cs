using AmiShare.LocalCloud.Protocol;

namespace AmiShare.LocalCloud.Services.Ec2;

/// <summary>
/// The EC2 service: images, snapshots, volumes, instances, tags and account settings, per account and region
/// (the region comes from the credential scope), every action authorized through the policy engine and every
/// block of content kept under real envelope encryption (<see cref="Ec2ContentStore"/>, data keys from KMS
/// through <see cref="Kms.IKmsForEc2"/>, called as the caller via EC2). See docs/localcloud.md, "EC2".
/// </summary>
public sealed class Ec2Module : IServiceModule
{
    public IEnumerable<IServiceOperations> CreateTables(LocalCloudContext cloud)
    {
        ArgumentNullException.ThrowIfNull(cloud);
        var content = new Ec2ContentStore(cloud.State.DataFilePath);
        cloud.State.DisposeWith(content);
        var lookup = new Ec2ResourceLookup(cloud);
        var settings = new Ec2AccountSettingsStore(cloud);
        var ebs = new EbsEncryption(cloud.KmsForEc2, content, settings);
        var contentLifetime = new Ec2ContentLifetime(cloud, content);
        var tagged = new Ec2TaggedResources(cloud, lookup);
        Ec2PublicImageSeed.Seed(cloud);
        contentLifetime.CollectUnreferenced();
        return
        [
            new Ec2ImageOperations(cloud, lookup, contentLifetime),
            new Ec2ImageLifecycleOperations(lookup),
            new Ec2ImageCopyOperations(cloud, lookup, settings, ebs, contentLifetime),
            new Ec2ImageSharingOperations(cloud, lookup, settings, ebs),
            new Ec2SnapshotOperations(cloud, lookup, settings, ebs, contentLifetime),
            new Ec2VolumeOperations(cloud, lookup, settings, ebs, contentLifetime),
            new Ec2InstanceOperations(cloud, lookup, settings, ebs, contentLifetime),
            new Ec2TagOperations(tagged),
            new Ec2AccountSettingsOperations(cloud, settings, ebs),
            new Ec2GuardrailOperations(settings),
            new Ec2ContentDigest(cloud, content),
            new Ec2DescribeTagsOperations(tagged),
            new Ec2VolumeAttachmentOperations(cloud),
            new Ec2MultiVolumeSnapshotOperations(cloud),
            new Ec2InstanceAttributeOperations(cloud),
        ];
    }
}
