using AmiShare.LocalCloud.Protocol;

namespace AmiShare.LocalCloud.Services.Ssm;

/// <summary>
/// Systems Manager Parameter Store over JSON 1.1 (<c>AmazonSSM.Op</c>): parameters per account and Region, with
/// versions, labels and <c>aws:ec2:image</c> values that EC2 resolves at launch (<see cref="SsmImageParameterResolver"/>).
/// </summary>
public sealed class SsmModule : IServiceModule
{
    public IEnumerable<IServiceOperations> CreateTables(LocalCloudContext cloud) => [new SsmParameterOperations(cloud)];
}
