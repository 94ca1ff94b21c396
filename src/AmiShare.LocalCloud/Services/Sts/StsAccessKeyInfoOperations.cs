using System.Xml.Linq;
using AmiShare.LocalCloud.Auth;
using AmiShare.LocalCloud.Protocol;
using AmiShare.Policy.Catalogue;
using static AmiShare.LocalCloud.Protocol.OperationHandlers;

namespace AmiShare.LocalCloud.Services.Sts;

/// <summary>
/// GetAccessKeyInfo: the account an access key id belongs to. AWS decodes it from any key id; LocalCloud knows
/// only its own keys, plus unknown ones when <c>--accept-unknown-keys</c> maps them to an account.
/// </summary>
internal sealed class StsAccessKeyInfoOperations(LocalCloudContext cloud) : IServiceOperations
{
    public AwsServiceDescriptor Service => AwsServices.Sts;

    public IReadOnlyDictionary<string, OperationHandler> Operations => new Dictionary<string, OperationHandler>
    {
        ["GetAccessKeyInfo"] = Sync(GetAccessKeyInfo),
    };

    private OperationResponse GetAccessKeyInfo(OperationRequest request)
    {
        var accessKeyId = request.Parameters.GetRequiredString("AccessKeyId");
        if (accessKeyId.Length is < 16 or > 128)
        {
            throw StsErrors.Validation($"1 validation error detected: Value '{accessKeyId}' at 'accessKeyId' failed to satisfy constraint: Member must have length between 16 and 128");
        }

        request.Authorize(StsActions.GetAccessKeyInfo, "*");
        var key = cloud.State.Read(view => view.Find(AccessKeyKinds.AccessKey, AccessKeyKinds.Key(accessKeyId)));
        var account = key?.AccountId
            ?? cloud.Authenticator.UnknownKeysAccountId
            ?? throw StsErrors.Validation($"The access key id {accessKeyId} belongs to no credential of this cloud.");
        return OperationResponse.Xml(new XElement("Account", account));
    }
}
