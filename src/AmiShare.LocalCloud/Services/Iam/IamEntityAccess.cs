using System.Xml.Linq;
using AmiShare.LocalCloud.Protocol;

namespace AmiShare.LocalCloud.Services.Iam;

/// <summary>Finding and changing the caller's users, roles and attachable policies, with IAM's NoSuchEntity when absent.</summary>
internal sealed class IamEntityAccess(LocalCloudContext cloud)
{
    /// <summary>Stores a new role; <paramref name="taken"/> is the error when the name is in use (AWS words it per operation).</summary>
    public IamRole AddRole(IamRole role, Func<AwsServiceException>? taken = null) =>
        cloud.State.Write(tx =>
        {
            var key = IamEntityKinds.RoleKey(role.AccountId, role.RoleName);
            if (tx.Find(IamEntityKinds.Role, key) is not null)
            {
                throw taken?.Invoke() ?? IamErrors.EntityAlreadyExists($"Role with name {role.RoleName} already exists.");
            }

            if (role.PermissionsBoundaryArn is { } boundary && tx.Find(IamEntityKinds.Policy, IamEntityKinds.PolicyKey(boundary)) is null)
            {
                throw IamErrors.NoSuchEntity($"Scope ARN: {boundary} does not exist or is not attachable.");
            }

            tx.Put(IamEntityKinds.Role, key, role);
            return role;
        });

    public IamUser RequireUser(string account, string name) =>
        cloud.Iam.FindUser(account, name) ?? throw IamErrors.NoSuchEntity($"The user with name {name} cannot be found.");

    public IamRole RequireRole(string account, string name) =>
        cloud.Iam.FindRole(account, name) ?? throw IamErrors.NoSuchEntity($"The role with name {name} cannot be found.");

    public IamManagedPolicy RequireAttachablePolicy(OperationRequest request)
    {
        var arn = request.Parameters.GetRequiredString("PolicyArn");
        var policy = cloud.Iam.FindPolicy(arn);
        var owner = Authorization.ArnParts.AccountOf(arn);
        if (policy is null || (owner != IamEntityKinds.AwsManagedAccount && owner != request.Caller.AccountId))
        {
            throw IamErrors.NoSuchEntity($"Policy {arn} does not exist or is not attachable.");
        }

        return policy;
    }

    public void UpdateUser(string account, string name, Func<IamUser, IamUser> change) => cloud.State.Write(tx =>
    {
        var key = IamEntityKinds.UserKey(account, name);
        var user = tx.Find(IamEntityKinds.User, key) ?? throw IamErrors.NoSuchEntity($"The user with name {name} cannot be found.");
        tx.Put(IamEntityKinds.User, key, change(user));
    });

    public void UpdateRole(string account, string name, Func<IamRole, IamRole> change) => cloud.State.Write(tx =>
    {
        var key = IamEntityKinds.RoleKey(account, name);
        var role = tx.Find(IamEntityKinds.Role, key) ?? throw IamErrors.NoSuchEntity($"The role with name {name} cannot be found.");
        tx.Put(IamEntityKinds.Role, key, change(role));
    });

    // ListAttached*Policies answers AttachedPolicies; the *Detail shapes of GetAccountAuthorizationDetails use AttachedManagedPolicies.
    public XElement AttachedPolicies(string elementName, IEnumerable<string> arns) => XmlShapes.MemberList(
        elementName,
        arns.Select(arn => (IEnumerable<XElement>)
        [
            new XElement("PolicyName", cloud.Iam.FindPolicy(arn)?.PolicyName ?? arn[(arn.LastIndexOf('/') + 1)..]),
            new XElement("PolicyArn", arn),
        ]));
}
