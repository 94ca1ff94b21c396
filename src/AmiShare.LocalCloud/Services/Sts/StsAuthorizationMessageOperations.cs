using System.Xml.Linq;
using AmiShare.LocalCloud.Auth;
using AmiShare.LocalCloud.Authorization;
using AmiShare.LocalCloud.Protocol;
using AmiShare.Policy.Catalogue;
using static AmiShare.LocalCloud.Protocol.OperationHandlers;

namespace AmiShare.LocalCloud.Services.Sts;

/// <summary>
/// DecodeAuthorizationMessage: the details behind an EC2 <c>UnauthorizedOperation</c>'s "Encoded authorization
/// failure message" (see <see cref="AuthorizationMessages"/>). As in AWS the caller needs <c>sts:DecodeAuthorizationMessage</c>
/// from an identity policy; AWS documents no other limit, so any principal with it decodes any message of this cloud.
/// </summary>
internal sealed class StsAuthorizationMessageOperations(LocalCloudContext cloud) : IServiceOperations
{
    public AwsServiceDescriptor Service => AwsServices.Sts;

    public IReadOnlyDictionary<string, OperationHandler> Operations => new Dictionary<string, OperationHandler>
    {
        ["DecodeAuthorizationMessage"] = Sync(DecodeAuthorizationMessage),
    };

    private OperationResponse DecodeAuthorizationMessage(OperationRequest request)
    {
        var encoded = request.Parameters.GetRequiredString("EncodedMessage");

        // Federated users may call no STS operation but GetCallerIdentity (IAM User Guide, "Compare AWS STS credentials").
        if (request.Caller.Kind == PrincipalKind.FederatedUser)
        {
            throw StsErrors.AccessDenied("Cannot call DecodeAuthorizationMessage with the credentials of a federated user");
        }

        // Permission first, so a caller without it learns nothing, not even whether a token exists.
        request.Authorize(StsActions.DecodeAuthorizationMessage, "*");
        var message = cloud.State.Read(view => view.Find(AuthorizationMessages.Message, AuthorizationMessages.Key(encoded)))
            ?? throw StsErrors.InvalidAuthorizationMessage("The message is invalid.");
        return OperationResponse.Xml(new XElement("DecodedMessage", AuthorizationMessages.DecodedJson(message)));
    }
}
