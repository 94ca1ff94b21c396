using AmiShare.LocalCloud.Protocol;

namespace AmiShare.LocalCloud.Services.Kms;

/// <summary>
/// KMS over JSON 1.1 (<c>TrentService.Op</c>): keys, aliases, key policies, key states, envelope cryptography
/// and grants. Every operation authorizes <c>kms:Op</c> through the policy engine with the key's policy and
/// grants, so cross-account rules, key-policy consent, grants and explicit denies decide as on AWS.
/// </summary>
public sealed class KmsModule : IServiceModule
{
    public IEnumerable<IServiceOperations> CreateTables(LocalCloudContext cloud)
    {
        var keys = new KmsKeyAccess(cloud);
        return
        [
            new KmsKeyOperations(cloud, keys),
            new KmsAliasOperations(cloud, keys),
            new KmsKeyPolicyOperations(cloud, keys),
            new KmsCryptoOperations(cloud, keys),
            new KmsGrantOperations(cloud, keys),
            new KmsReplicaOperations(cloud, keys),
            new KmsTagOperations(cloud, keys),
            new KmsRotationOperations(cloud, keys),
            new KmsRandomOperations(cloud, keys),
            new KmsSignOperations(keys),
            new KmsMacOperations(keys),
            new KmsDataKeyPairOperations(cloud, keys),
        ];
    }
}
