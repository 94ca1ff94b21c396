using AmiShare.LocalCloud.Protocol;

namespace AmiShare.LocalCloud.Services.Sts;

/// <summary>The Sts service's operation tables.</summary>
public sealed class StsModule : IServiceModule
{
    public IEnumerable<IServiceOperations> CreateTables(LocalCloudContext cloud) => [new StsOperations(cloud), new StsAccessKeyInfoOperations(cloud), new StsSessionTokenOperations(cloud), new StsFederationTokenOperations(cloud), new StsAuthorizationMessageOperations(cloud)];
}
