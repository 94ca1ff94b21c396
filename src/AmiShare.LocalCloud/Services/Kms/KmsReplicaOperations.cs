using System.Text.Json.Nodes;
using AmiShare.LocalCloud.Protocol;
using AmiShare.LocalCloud.State;
using AmiShare.Policy.Catalogue;
using static AmiShare.LocalCloud.Protocol.OperationHandlers;

namespace AmiShare.LocalCloud.Services.Kms;

/// <summary>
/// ReplicateKey: a multi-Region primary gets a replica in another Region with the same key id and key material,
/// its own ARN, its own key policy (the one given, else the default) and no grants. Called in the primary's Region;
/// as on AWS it needs <c>kms:ReplicateKey</c> on the primary and <c>kms:CreateKey</c> in the replica Region.
/// </summary>
internal sealed class KmsReplicaOperations(LocalCloudContext cloud, KmsKeyAccess access) : IServiceOperations
{
    public AwsServiceDescriptor Service => AwsServices.Kms;

    public IReadOnlyDictionary<string, OperationHandler> Operations => new Dictionary<string, OperationHandler>
    {
        ["ReplicateKey"] = Sync(ReplicateKey),
    };

    private OperationResponse ReplicateKey(OperationRequest request)
    {
        var account = request.Caller.AccountId;
        var primary = access.Resolve(request, "KeyId", allowAlias: false);
        var replicaRegion = KmsJson.RequiredString(request, "ReplicaRegion");
        access.AuthorizeOn(request, KmsActions.ReplicateKey, primary);
        KmsKeyAccess.RefuseAwsManaged(request, KmsActions.ReplicateKey, primary);
        if (primary.AccountId != account)
        {
            throw KmsErrors.KeyNotFound(primary.Arn);
        }

        if (!primary.MultiRegion || primary.IsReplica)
        {
            throw KmsErrors.UnsupportedOperation($"{primary.Arn} is not a multi-Region primary key: only a primary key (created with MultiRegion=true) can be replicated.");
        }

        if (!cloud.Organization.IsKnownRegion(replicaRegion) || replicaRegion == primary.Region)
        {
            throw KmsErrors.Validation($"The replica Region {replicaRegion} must be another of this cloud's Regions ({string.Join(", ", cloud.Organization.Regions)}), not the primary's.");
        }

        if (primary.KeyState == KmsKeyStates.PendingDeletion)
        {
            throw KmsErrors.PendingDeletion(primary.Arn);
        }

        request.Authorize(KmsActions.CreateKey, "*", KmsKeyStore.ContextKeys(account, null));
        var policy = KmsJson.String(request, "Policy");
        if (policy is null)
        {
            policy = KmsKeyStore.DefaultKeyPolicy(account);
        }
        else
        {
            KmsKeyPolicyRules.CheckPolicy(policy);
            if (!KmsJson.Bool(request, "BypassPolicyLockoutSafetyCheck"))
            {
                KmsKeyPolicyRules.CheckLockout(request, KmsKeyStore.KeyArn(replicaRegion, account, primary.KeyId), account, policy);
            }
        }

        request.StopIfDryRun();
        var replica = primary with
        {
            Region = replicaRegion,
            Arn = KmsKeyStore.KeyArn(replicaRegion, account, primary.KeyId),
            CreationDate = request.Time.GetUtcNow(),
            Description = KmsJson.String(request, "Description") ?? primary.Description,
            KeyState = KmsKeyStates.Enabled,
            Policy = policy,
            DeletionDate = null,
            PendingDeletionWindowInDays = null,
            PrimaryRegion = primary.Region,
        };
        cloud.State.Write(tx =>
        {
            var key = KmsEntityKinds.KeyKey(account, replicaRegion, primary.KeyId);
            if (tx.Find(KmsEntityKinds.Key, key) is not null)
            {
                throw new AwsServiceException("AlreadyExistsException", $"Replica key {replica.Arn} already exists.", 400);
            }

            tx.Put(KmsEntityKinds.Key, key, replica);
        });
        request.Trail.AddResource("AWS::KMS::Key", primary.Arn, account);
        request.Trail.AddResource("AWS::KMS::Key", replica.Arn, account);
        return OperationResponse.Json(new JsonObject
        {
            ["ReplicaKeyMetadata"] = KmsMultiRegionKeys.WithReplicas(cloud, KmsResponses.Metadata(replica), replica),
            ["ReplicaPolicy"] = policy,
            ["ReplicaTags"] = new JsonArray(),
        });
    }
}
