using System.Text.Json.Nodes;
using AmiShare.LocalCloud.Protocol;
using AmiShare.LocalCloud.Seed;

namespace AmiShare.LocalCloud.Services.Organizations;

/// <summary>The organization's structure as the seed made it: the organization, its root, units and accounts.</summary>
public sealed class OrganizationsStructureOperations(LocalCloudContext cloud) : IServiceOperations
{
    private readonly OrganizationsAccess access = new(cloud);

    public AwsServiceDescriptor Service => OrganizationsModule.Descriptor;

    public IReadOnlyDictionary<string, OperationHandler> Operations => new Dictionary<string, OperationHandler>
    {
        ["DescribeOrganization"] = request => Task.FromResult(DescribeOrganization(request)),
        ["ListAccounts"] = request => Task.FromResult(ListAccounts(request)),
        ["ListAccountsForParent"] = request => Task.FromResult(ListAccountsForParent(request)),
        ["DescribeAccount"] = request => Task.FromResult(DescribeAccount(request)),
        ["ListRoots"] = request => Task.FromResult(ListRoots(request)),
        ["ListOrganizationalUnitsForParent"] = request => Task.FromResult(ListOrganizationalUnitsForParent(request)),
        ["ListParents"] = request => Task.FromResult(ListParents(request)),
        ["ListChildren"] = request => Task.FromResult(ListChildren(request)),
    };

    /// <summary>Any member may describe its organization (Organizations API Reference, DescribeOrganization).</summary>
    private OperationResponse DescribeOrganization(OperationRequest request)
    {
        var org = access.RequireMember(request);
        access.Authorize(request, "*");
        return OperationResponse.Json(new JsonObject
        {
            ["Organization"] = new JsonObject
            {
                ["Id"] = org.Id,
                ["Arn"] = access.Directory.OrganizationArn,
                ["FeatureSet"] = "ALL",
                ["MasterAccountArn"] = access.AccountArn(org, org.ManagementAccountId),
                ["MasterAccountId"] = org.ManagementAccountId,
                ["MasterAccountEmail"] = $"{org.ManagementAccountId}@localcloud.invalid",
                ["AvailablePolicyTypes"] = OrganizationsAccess.PolicyTypes(),
            },
        });
    }

    private OperationResponse ListAccounts(OperationRequest request)
    {
        var org = access.RequireAdministrator(request);
        access.Authorize(request, "*");
        return OrganizationsAccess.Page(request, "Accounts", [.. Members().Select(a => access.AccountShape(org, a))]);
    }

    private OperationResponse ListAccountsForParent(OperationRequest request)
    {
        var org = access.RequireAdministrator(request);
        var parentId = RequireParent(org, OrganizationsAccess.RequiredString(request, "ParentId"));
        access.Authorize(request, "*");
        return OrganizationsAccess.Page(request, "Accounts", [.. Members().Where(a => a.ParentId == parentId).Select(a => access.AccountShape(org, a))]);
    }

    private OperationResponse DescribeAccount(OperationRequest request)
    {
        var org = access.RequireAdministrator(request);
        var accountId = OrganizationsAccess.RequiredString(request, "AccountId");
        var account = Members().FirstOrDefault(a => a.Id == accountId) ?? throw OrganizationsErrors.AccountNotFound(accountId);
        access.Authorize(request, access.AccountArn(org, accountId));
        return OperationResponse.Json(new JsonObject { ["Account"] = access.AccountShape(org, account) });
    }

    private OperationResponse ListRoots(OperationRequest request)
    {
        var org = access.RequireAdministrator(request);
        access.Authorize(request, "*");
        var root = new JsonObject
        {
            ["Id"] = org.RootId,
            ["Arn"] = OrganizationsAccess.RootArn(org),
            ["Name"] = "Root",
            ["PolicyTypes"] = OrganizationsAccess.PolicyTypes(),
        };
        return OrganizationsAccess.Page(request, "Roots", [root]);
    }

    private OperationResponse ListOrganizationalUnitsForParent(OperationRequest request)
    {
        var org = access.RequireAdministrator(request);
        var parentId = RequireParent(org, OrganizationsAccess.RequiredString(request, "ParentId"));
        access.Authorize(request, "*");
        return OrganizationsAccess.Page(request, "OrganizationalUnits", [.. Units(org, parentId).Select(u => OrganizationsAccess.UnitShape(org, u))]);
    }

    private OperationResponse ListParents(OperationRequest request)
    {
        var org = access.RequireAdministrator(request);
        var childId = OrganizationsAccess.RequiredString(request, "ChildId");
        var parentId = access.Directory.FindOrganizationalUnit(childId)?.ParentId
            ?? Members().FirstOrDefault(a => a.Id == childId)?.ParentId
            ?? throw OrganizationsErrors.ChildNotFound(childId);
        access.Authorize(request, "*");
        var parent = new JsonObject { ["Id"] = parentId, ["Type"] = parentId == org.RootId ? "ROOT" : "ORGANIZATIONAL_UNIT" };
        return OrganizationsAccess.Page(request, "Parents", [parent]);
    }

    private OperationResponse ListChildren(OperationRequest request)
    {
        var org = access.RequireAdministrator(request);
        var parentId = RequireParent(org, OrganizationsAccess.RequiredString(request, "ParentId"));
        var childType = OrganizationsAccess.RequiredString(request, "ChildType");
        IEnumerable<string> children = childType switch
        {
            "ACCOUNT" => Members().Where(a => a.ParentId == parentId).Select(a => a.Id),
            "ORGANIZATIONAL_UNIT" => Units(org, parentId).Select(u => u.Id),
            _ => throw OrganizationsErrors.InvalidInput($"ChildType must be ACCOUNT or ORGANIZATIONAL_UNIT, not '{childType}'. (INVALID_ENUM)"),
        };
        access.Authorize(request, "*");
        return OrganizationsAccess.Page(request, "Children", [.. children.Select(id => new JsonObject { ["Id"] = id, ["Type"] = childType })]);
    }

    private IEnumerable<CloudAccount> Members() =>
        access.Directory.Accounts.Where(a => a.OrganizationId is not null).OrderBy(a => a.Id, StringComparer.Ordinal);

    private static IEnumerable<SeedOrganizationalUnit> Units(SeedOrganization org, string parentId) =>
        org.Units.Where(u => u.ParentId == parentId).OrderBy(u => u.Id, StringComparer.Ordinal);

    private string RequireParent(SeedOrganization org, string parentId) =>
        parentId == org.RootId || access.Directory.FindOrganizationalUnit(parentId) is not null ? parentId : throw OrganizationsErrors.ParentNotFound(parentId);
}
