using AmiShare.LocalCloud.Protocol;

namespace AmiShare.LocalCloud.Services.Iam;

/// <summary>The Iam service's operation tables.</summary>
public sealed class IamModule : IServiceModule
{
    public IEnumerable<IServiceOperations> CreateTables(LocalCloudContext cloud)
    {
        var entities = new IamEntityAccess(cloud);
        return
        [
            new IamUserOperations(cloud, entities),
            new IamRoleOperations(cloud, entities),
            new IamTagOperations(entities),
            new IamPolicyOperations(cloud, entities),
            new IamSimulationOperations(cloud),
        ];
    }
}
