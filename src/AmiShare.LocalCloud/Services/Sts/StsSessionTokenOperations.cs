using System.Globalization;
using System.Xml.Linq;
using AmiShare.LocalCloud.Auth;
using AmiShare.LocalCloud.Protocol;
using static AmiShare.LocalCloud.Protocol.OperationHandlers;

namespace AmiShare.LocalCloud.Services.Sts;

/// <summary>
/// GetSessionToken: temporary credentials for the caller's own identity (the account root or an IAM user), with the
/// same permissions, that authenticate later requests with their session token until they expire. As in AWS no
/// permission is needed ("you cannot use policies to control authentication operations"), and role sessions and
/// other temporary credentials cannot call it.
/// </summary>
internal sealed class StsSessionTokenOperations(LocalCloudContext cloud) : IServiceOperations
{
    // IAM User Guide, "Requesting temporary security credentials": 900 s to 36 h, 12 h by default; 1 h at most
    // (and by default) for the root user.
    private const int MinimumSeconds = 900;
    private const int UserMaximumSeconds = 129600;
    private const int UserDefaultSeconds = 43200;
    private const int RootMaximumSeconds = 3600;

    public AwsServiceDescriptor Service => AwsServices.Sts;

    public IReadOnlyDictionary<string, OperationHandler> Operations => new Dictionary<string, OperationHandler>
    {
        ["GetSessionToken"] = Sync(GetSessionToken),
    };

    private OperationResponse GetSessionToken(OperationRequest request)
    {
        var caller = request.Caller;
        var key = cloud.State.Read(view => view.Find(AccessKeyKinds.AccessKey, AccessKeyKinds.Key(caller.AccessKeyId)));
        if (caller.Kind is PrincipalKind.AssumedRole or PrincipalKind.FederatedUser || key?.SessionToken is not null)
        {
            throw StsErrors.AccessDenied("Cannot call GetSessionToken with session credentials");
        }

        var maximum = caller.IsRoot ? RootMaximumSeconds : UserMaximumSeconds;
        var duration = request.Parameters.GetInt32("DurationSeconds") ?? (caller.IsRoot ? RootMaximumSeconds : UserDefaultSeconds);
        if (duration < MinimumSeconds || duration > maximum)
        {
            throw StsErrors.Validation($"1 validation error detected: Value '{duration}' at 'durationSeconds' failed to satisfy constraint: Member must have value between {MinimumSeconds} and {maximum}");
        }

        var now = request.Time.GetUtcNow();
        var expiration = now.AddSeconds(duration);
        var credentials = new AccessKeyRecord(
            cloud.Ids.SessionAccessKeyId(),
            cloud.Ids.SecretAccessKey(),
            caller.AccountId,
            caller.Kind,
            now,
            UserName: caller.UserName,
            SessionToken: cloud.Ids.SessionToken(),
            Expiration: expiration);
        cloud.State.Write(tx => tx.Put(AccessKeyKinds.AccessKey, AccessKeyKinds.Key(credentials.AccessKeyId), credentials));
        request.Trail.ResponseElements["expiration"] = expiration.ToString("O", CultureInfo.InvariantCulture);
        return OperationResponse.Xml(new XElement(
            "Credentials",
            new XElement("AccessKeyId", credentials.AccessKeyId),
            new XElement("SecretAccessKey", credentials.SecretAccessKey),
            new XElement("SessionToken", credentials.SessionToken),
            new XElement("Expiration", XmlShapes.Timestamp(expiration))));
    }
}
