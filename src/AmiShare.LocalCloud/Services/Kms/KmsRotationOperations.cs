using System.Text.Json.Nodes;
using AmiShare.LocalCloud.Protocol;
using AmiShare.LocalCloud.State;
using AmiShare.Policy.Catalogue;
using static AmiShare.LocalCloud.Protocol.OperationHandlers;

namespace AmiShare.LocalCloud.Services.Kms;

/// <summary>Automatic rotation of one key: off unless enabled; the period AWS allows is 90 to 2560 days.</summary>
public sealed record KmsRotationRecord(string AccountId, string Region, string KeyId, bool Enabled, int PeriodInDays, DateTimeOffset? NextRotationDate, DateTimeOffset? LastOnDemandRotation);

/// <summary>
/// Key rotation: Get/Enable/DisableKeyRotation and RotateKeyOnDemand. LocalCloud keeps one key
/// material per key, so a rotation is bookkeeping: old ciphertexts decrypt either way, as they do on AWS.
/// </summary>
internal sealed class KmsRotationOperations(LocalCloudContext cloud, KmsKeyAccess access) : IServiceOperations
{
    /// <summary>Stored by name; never rename.</summary>
    public static readonly EntityKind<KmsRotationRecord> Rotation = new("kms.key-rotation");

    private const int DefaultPeriodInDays = 365;

    public AwsServiceDescriptor Service => AwsServices.Kms;

    public IReadOnlyDictionary<string, OperationHandler> Operations => new Dictionary<string, OperationHandler>
    {
        ["GetKeyRotationStatus"] = Sync(GetKeyRotationStatus),
        ["EnableKeyRotation"] = Sync(EnableKeyRotation),
        ["DisableKeyRotation"] = Sync(DisableKeyRotation),
        ["RotateKeyOnDemand"] = Sync(RotateKeyOnDemand),
    };

    private OperationResponse GetKeyRotationStatus(OperationRequest request)
    {
        var key = access.Resolve(request, "KeyId", allowAlias: false);
        access.AuthorizeOn(request, KmsActions.GetKeyRotationStatus, key);
        RequireRotatable(key);
        var rotation = Find(key);
        // AWS rotates AWS managed keys every year, always.
        var enabled = key.IsAwsManaged || rotation?.Enabled == true;
        var response = new JsonObject { ["KeyId"] = key.Arn, ["KeyRotationEnabled"] = enabled };
        if (enabled)
        {
            response["RotationPeriodInDays"] = rotation?.PeriodInDays ?? DefaultPeriodInDays;
            if (rotation?.NextRotationDate is { } next)
            {
                response["NextRotationDate"] = KmsJson.Timestamp(next);
            }
        }

        if (rotation?.LastOnDemandRotation is { } onDemand)
        {
            response["OnDemandRotationStartDate"] = KmsJson.Timestamp(onDemand);
        }

        return OperationResponse.Json(response);
    }

    private OperationResponse EnableKeyRotation(OperationRequest request)
    {
        var period = KmsJson.Int(request, "RotationPeriodInDays") ?? DefaultPeriodInDays;
        if (period is < 90 or > 2560)
        {
            throw KmsErrors.Validation($"1 validation error detected: Value '{period}' at 'rotationPeriodInDays' failed to satisfy constraint: Member must have value between 90 and 2560 (inclusive)");
        }

        var key = Changeable(request, KmsActions.EnableKeyRotation);
        var next = request.Time.GetUtcNow().AddDays(period);
        Store(key, current => (current ?? New(key)) with { Enabled = true, PeriodInDays = period, NextRotationDate = next });
        return OperationResponse.Empty;
    }

    private OperationResponse DisableKeyRotation(OperationRequest request)
    {
        var key = Changeable(request, KmsActions.DisableKeyRotation);
        Store(key, current => (current ?? New(key)) with { Enabled = false, NextRotationDate = null });
        return OperationResponse.Empty;
    }

    private OperationResponse RotateKeyOnDemand(OperationRequest request)
    {
        var key = Changeable(request, KmsActions.RotateKeyOnDemand);
        var now = request.Time.GetUtcNow();
        Store(key, current => (current ?? New(key)) with { LastOnDemandRotation = now });
        return OperationResponse.Json(new JsonObject { ["KeyId"] = key.KeyId });
    }

    /// <summary>Rotation changes need the key usable and customer managed, as on AWS.</summary>
    private KmsKeyRecord Changeable(OperationRequest request, string action)
    {
        var key = access.Resolve(request, "KeyId", allowAlias: false);
        access.AuthorizeOn(request, action, key);
        KmsKeyAccess.RefuseAwsManaged(request, action, key);
        if (key.KeyState == KmsKeyStates.Disabled)
        {
            throw KmsErrors.InvalidState($"{key.Arn} is disabled.");
        }

        KmsKeyAccess.RequireUsable(key);
        RequireRotatable(key);
        return key;
    }

    /// <summary>KMS rotates symmetric encryption keys only: asymmetric and HMAC keys are UnsupportedOperationException.</summary>
    private static void RequireRotatable(KmsKeyRecord key)
    {
        if (key.Spec != KmsKeyRecord.KeySpec)
        {
            throw KmsErrors.UnsupportedOperation($"{key.Arn} is a {key.Spec} key: automatic and on-demand rotation apply to symmetric encryption keys only.");
        }
    }

    private static KmsRotationRecord New(KmsKeyRecord key) => new(key.AccountId, key.Region, key.KeyId, false, DefaultPeriodInDays, null, null);

    private KmsRotationRecord? Find(KmsKeyRecord key) =>
        cloud.State.Read(view => view.Find(Rotation, KmsEntityKinds.KeyKey(key.AccountId, key.Region, key.KeyId)));

    private void Store(KmsKeyRecord key, Func<KmsRotationRecord?, KmsRotationRecord> change) => cloud.State.Write(tx =>
    {
        var entityKey = KmsEntityKinds.KeyKey(key.AccountId, key.Region, key.KeyId);
        tx.Put(Rotation, entityKey, change(tx.Find(Rotation, entityKey)));
    });
}
