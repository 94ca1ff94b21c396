using AmiShare.LocalCloud.Protocol;

namespace AmiShare.LocalCloud.Services.CloudTrail;

/// <summary>The CloudTrail service's operation tables.</summary>
public sealed class CloudTrailModule : IServiceModule
{
    public IEnumerable<IServiceOperations> CreateTables(LocalCloudContext cloud) => [new CloudTrailOperations(cloud)];
}
