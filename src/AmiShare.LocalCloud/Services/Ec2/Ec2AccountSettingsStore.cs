using AmiShare.LocalCloud.State;

namespace AmiShare.LocalCloud.Services.Ec2;

/// <summary>
/// The per account and region EC2 settings row; absent means AWS's defaults. Read through the organization's EC2
/// declarative policies, which override what the account set (and then report ManagedBy declarative-policy).
/// </summary>
internal sealed class Ec2AccountSettingsStore(LocalCloudContext cloud)
{
    public Ec2AccountSettings Get(string accountId, string region) => Ec2DeclarativePolicy.Apply(
        cloud.State.Read(view => view.Find(Ec2EntityKinds.Settings, Ec2EntityKinds.SettingsKey(accountId, region))) ?? new Ec2AccountSettings(),
        cloud.OrganizationPolicies.All,
        cloud.Organization.PolicyTargetsOf(accountId));

    public void Put(string accountId, string region, Func<Ec2AccountSettings, Ec2AccountSettings> change) =>
        cloud.State.Write(tx =>
        {
            var key = Ec2EntityKinds.SettingsKey(accountId, region);
            tx.Put(Ec2EntityKinds.Settings, key, change(tx.Find(Ec2EntityKinds.Settings, key) ?? new Ec2AccountSettings()));
        });
}
