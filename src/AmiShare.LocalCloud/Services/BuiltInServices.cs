using AmiShare.LocalCloud.Protocol;
using AmiShare.LocalCloud.Services.CloudTrail;
using AmiShare.LocalCloud.Services.Ec2;
using AmiShare.LocalCloud.Services.Iam;
using AmiShare.LocalCloud.Services.Kms;
using AmiShare.LocalCloud.Services.Ssm;
using AmiShare.LocalCloud.Services.Sts;

namespace AmiShare.LocalCloud.Services;

/// <summary>
/// The services every LocalCloud serves. A new service (e.g. <c>Services/Ssm/SsmModule.cs</c>) is added here with
/// one line; its tables, collaborators and errors live in its own folder, and neither the pipeline nor any other
/// service changes. A service's several tables are merged by the <see cref="OperationRegistry"/>.
/// </summary>
public static class BuiltInServices
{
    public static IReadOnlyList<IServiceModule> Modules { get; } =
    [
        new StsModule(),
        new IamModule(),
        new KmsModule(),
        new CloudTrailModule(),
        new Ec2Module(),
        new SsmModule(),
    ];

    public static IReadOnlyList<IServiceOperations> Create(LocalCloudContext cloud) => [.. Modules.SelectMany(module => module.CreateTables(cloud))];
}
