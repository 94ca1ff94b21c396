using AmiShare.LocalCloud.Protocol;
using AmiShare.LocalCloud.Services.CloudTrail;
using AmiShare.LocalCloud.Services.Ec2;
using AmiShare.LocalCloud.Services.Iam;
using AmiShare.LocalCloud.Services.Kms;
using AmiShare.LocalCloud.Services.Sts;

namespace AmiShare.LocalCloud.Services;

/// <summary>
/// The operation tables every LocalCloud serves. A new service (or another table of an existing one, e.g.
/// <c>Services/Ec2/ImageOperations.cs</c>) is added here with one line; the pipeline does not change.
/// </summary>
public static class BuiltInServices
{
    public static IReadOnlyList<IServiceOperations> Create(LocalCloudContext cloud) =>
    [
        new StsOperations(cloud),
        new IamOperations(cloud),
        new KmsOperations(cloud),
        new CloudTrailOperations(cloud),
        new Ec2Operations(cloud, cloud.KmsForEc2),
    ];
}
