using AmiShare.LocalCloud.Auth;
using AmiShare.LocalCloud.Authorization;
using AmiShare.LocalCloud.Hosting;
using AmiShare.LocalCloud.Identifiers;
using AmiShare.LocalCloud.Seed;
using AmiShare.LocalCloud.Services.CloudTrail;
using AmiShare.LocalCloud.Services.Iam;
using AmiShare.LocalCloud.Services.Kms;
using AmiShare.LocalCloud.Services.Organizations;
using AmiShare.LocalCloud.State;

namespace AmiShare.LocalCloud;

/// <summary>
/// The shared services of one running cloud, handed to every operation table: state, organization facts,
/// IAM lookups, the authorizer, the clock and the id factory.
/// </summary>
public sealed class LocalCloudContext
{
    internal LocalCloudContext(LocalCloudState state, SeedDocument seed, TimeProvider time, IRandomSource random, Func<LocalCloudContext, IAccessAuthorizer>? authorizerFactory, string? unknownKeysAccountId = null)
    {
        State = state;
        Seed = seed;
        Time = time;
        Ids = new IdentifierFactory(random);
        Organization = new OrganizationDirectory(seed);
        Iam = new IamDirectory(state);
        Authenticator = new RequestAuthenticator(state, new SigV4Verifier(time), time) { UnknownKeysAccountId = unknownKeysAccountId };
        OrganizationPolicies = new OrganizationPolicyStore(state, Organization);
        Authorizer = authorizerFactory?.Invoke(this) ?? new PolicyEngineAuthorizer(Iam, Organization, OrganizationPolicies);
        Kms = new KmsKeyStore(this);
        KmsForEc2 = new KmsForEc2(Kms);
        CloudTrail = new CloudTrailRecorder(state, time, Ids, seed.Accounts.Select(a => a.Id));
        Faults = new FaultInjector(time);
    }

    public LocalCloudState State { get; }

    /// <summary>The seed this cloud was created from (the stored one after a restart).</summary>
    public SeedDocument Seed { get; }

    public OrganizationDirectory Organization { get; }

    public IamDirectory Iam { get; }

    /// <summary>The organization's SCPs and RCPs, seeded then changed by Organizations' policy operations.</summary>
    public OrganizationPolicyStore OrganizationPolicies { get; }

    public IAccessAuthorizer Authorizer { get; }

    public TimeProvider Time { get; }

    public IdentifierFactory Ids { get; }

    public RequestAuthenticator Authenticator { get; }

    /// <summary>KMS keys, aliases and grants of every account and region (the KMS service's store).</summary>
    public KmsKeyStore Kms { get; }

    /// <summary>The KMS calls EC2 makes on a caller's behalf (grants, data keys), authorized and trail-noted.</summary>
    public IKmsForEc2 KmsForEc2 { get; }

    /// <summary>Every account's event history; services record service events through it.</summary>
    public CloudTrailRecorder CloudTrail { get; }

    /// <summary>The fault plan in force (throttling, 5xx, latency, grant and key-policy delays); none by default.</summary>
    public FaultInjector Faults { get; }
}
