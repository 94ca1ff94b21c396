using AmiShare.LocalCloud.Auth;
using AmiShare.LocalCloud.Seed;
using AmiShare.LocalCloud.Services.Iam;
using AmiShare.LocalCloud.State;

namespace AmiShare.LocalCloud.Hosting;

/// <summary>
/// Applies the seed to a new store, or recovers the stored seed from an existing one. The data file wins over
/// a seed given at restart, so a restart never silently rewrites an existing cloud.
/// </summary>
internal static class CloudInitializer
{
    private static readonly EntityKind<SeedDocument> SeedKind = new("localcloud.seed");
    private static readonly EntityKey SeedKey = EntityKey.Global("seed");

    public static async Task<SeedDocument> InitializeAsync(LocalCloudState state, LocalCloudOptions options, CancellationToken cancellationToken)
    {
        var stored = state.Read(view => view.Find(SeedKind, SeedKey));
        if (stored is not null)
        {
            return stored;
        }

        var seed = options.Seed is { } given
            ? SeedLoader.Validate(given)
            : options.SeedFilePath is { } path
                ? await SeedLoader.LoadFileAsync(path, cancellationToken).ConfigureAwait(false)
                : DefaultSeed.Create();

        var now = options.TimeProvider.GetUtcNow();
        state.Write(tx =>
        {
            tx.Put(SeedKind, SeedKey, seed);
            foreach (var account in seed.Accounts)
            {
                var key = new AccessKeyRecord(account.EffectiveRootAccessKeyId, account.EffectiveRootSecretAccessKey, account.Id, PrincipalKind.AccountRoot, now);
                tx.Put(AccessKeyKinds.AccessKey, AccessKeyKinds.Key(key.AccessKeyId), key);
            }

            foreach (var policy in AwsManagedPolicies.Create(now))
            {
                tx.Put(IamEntityKinds.Policy, IamEntityKinds.PolicyKey(policy.Arn), policy);
            }
        });
        return seed;
    }
}
