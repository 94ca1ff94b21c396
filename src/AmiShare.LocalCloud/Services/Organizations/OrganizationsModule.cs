using AmiShare.LocalCloud.Protocol;

namespace AmiShare.LocalCloud.Services.Organizations;

/// <summary>
/// AWS Organizations over its JSON 1.1 API (<c>X-Amz-Target: AWSOrganizationsV20161128.Op</c>, global, signed for
/// us-east-1): the seed's structure read-only, SCPs and RCPs created, attached and detached.
/// </summary>
public sealed class OrganizationsModule : IServiceModule
{
    /// <summary>Organizations brings its own descriptor: a global JSON 1.1 service with KMS's generic error names.</summary>
    public static AwsServiceDescriptor Descriptor { get; } = AwsServices.Kms with
    {
        Name = "organizations",
        JsonTargetPrefix = "AWSOrganizationsV20161128",
        IsGlobal = true,
    };

    public IEnumerable<IServiceOperations> CreateTables(LocalCloudContext cloud) =>
        [new OrganizationsStructureOperations(cloud), new OrganizationsPolicyOperations(cloud)];
}
