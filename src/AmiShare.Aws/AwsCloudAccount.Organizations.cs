using System.Collections.Immutable;
using System.Text.Json.Nodes;
using AmiShare.Core.Model;
using AmiShare.Core.Ports;

namespace AmiShare.Aws;

/// <summary><see cref="IOrganizationReads"/> over the Organizations JSON 1.1 client of the audit reads.</summary>
public sealed partial class AwsCloudAccount : IOrganizationReads
{
    private const string ServiceControlPolicyType = "SERVICE_CONTROL_POLICY";

    /// <summary>Organizations allows at most five levels of OUs under a root; a deeper walk means a cycle.</summary>
    private const int MaxTreeDepth = 8;

    public async Task<OrganizationFacts?> ReadOrganizationTreeAsync(CancellationToken cancellationToken)
    {
        JsonObject described;
        try
        {
            described = await OrganizationsAsync("DescribeOrganization", new JsonObject(), cancellationToken).ConfigureAwait(false);
        }
        catch (CloudOperationException e) when (e.Code == "AWSOrganizationsNotInUseException")
        {
            return null;
        }

        var organizationId = (string?)described["Organization"]?["Id"];
        if (organizationId is null)
        {
            return null;
        }

        var accounts = ImmutableDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        var units = ImmutableDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        var queue = new Queue<(string ParentId, string Path, int Depth)>();
        foreach (var root in await OrganizationsListAsync("ListRoots", new JsonObject(), "Roots", cancellationToken).ConfigureAwait(false))
        {
            queue.Enqueue((root, $"{organizationId}/{root}/", 0));
        }

        while (queue.TryDequeue(out var parent))
        {
            foreach (var account in await OrganizationsListAsync("ListAccountsForParent", new JsonObject { ["ParentId"] = parent.ParentId }, "Accounts", cancellationToken).ConfigureAwait(false))
            {
                accounts[account] = parent.Path;
            }

            if (parent.Depth >= MaxTreeDepth)
            {
                continue;
            }

            foreach (var unit in await OrganizationsListAsync("ListOrganizationalUnitsForParent", new JsonObject { ["ParentId"] = parent.ParentId }, "OrganizationalUnits", cancellationToken).ConfigureAwait(false))
            {
                units[unit] = $"{parent.Path}{unit}/";
                queue.Enqueue((unit, units[unit], parent.Depth + 1));
            }
        }

        return new OrganizationFacts(organizationId, (string?)described["Organization"]?["MasterAccountId"], units.ToImmutable(), [.. accounts.Keys])
        {
            AccountPaths = accounts.ToImmutable(),
        };
    }

    public async Task<AccountServiceControlPolicies> ListServiceControlPoliciesAsync(string accountId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(accountId);
        string? management;
        try
        {
            var described = await OrganizationsAsync("DescribeOrganization", new JsonObject(), cancellationToken).ConfigureAwait(false);
            management = (string?)described["Organization"]?["MasterAccountId"];
        }
        catch (CloudOperationException e) when (e.Code == "AWSOrganizationsNotInUseException")
        {
            return new AccountServiceControlPolicies(accountId, null, []);
        }

        var path = new List<string> { accountId };
        var child = accountId;
        for (var depth = 0; depth < MaxTreeDepth; depth++)
        {
            var parents = await OrganizationsAsync("ListParents", new JsonObject { ["ChildId"] = child }, cancellationToken).ConfigureAwait(false);
            var parent = parents["Parents"]?.AsArray().FirstOrDefault();
            if ((string?)parent?["Id"] is not { } id)
            {
                break;
            }

            path.Insert(0, id);
            if ((string?)parent["Type"] == "ROOT")
            {
                break;
            }

            child = id;
        }

        var levels = ImmutableArray.CreateBuilder<ScpLevel>();
        var contents = new Dictionary<string, OrganizationPolicy>(StringComparer.Ordinal);
        foreach (var target in path)
        {
            var policies = ImmutableArray.CreateBuilder<OrganizationPolicy>();
            var body = new JsonObject { ["TargetId"] = target, ["Filter"] = ServiceControlPolicyType };
            foreach (var policyId in await OrganizationsListAsync("ListPoliciesForTarget", body, "Policies", cancellationToken).ConfigureAwait(false))
            {
                if (!contents.TryGetValue(policyId, out var policy))
                {
                    var described = await OrganizationsAsync("DescribePolicy", new JsonObject { ["PolicyId"] = policyId }, cancellationToken).ConfigureAwait(false);
                    policy = new OrganizationPolicy(
                        policyId,
                        (string?)described["Policy"]?["PolicySummary"]?["Name"] ?? policyId,
                        (string?)described["Policy"]?["Content"] ?? "{}");
                    contents[policyId] = policy;
                }

                policies.Add(policy);
            }

            levels.Add(new ScpLevel(target, policies.ToImmutable()));
        }

        return new AccountServiceControlPolicies(accountId, management, levels.ToImmutable());
    }

    /// <summary>An Organizations List* call, all pages (NextToken): the <c>Id</c> of each element of <paramref name="member"/>.</summary>
    private async Task<List<string>> OrganizationsListAsync(string operation, JsonObject body, string member, CancellationToken cancellationToken)
    {
        var ids = new List<string>();
        string? token = null;
        do
        {
            var page = (JsonObject)body.DeepClone();
            if (token is not null)
            {
                page["NextToken"] = token;
            }

            var answer = await OrganizationsAsync(operation, page, cancellationToken).ConfigureAwait(false);
            ids.AddRange(answer[member]?.AsArray().Select(e => (string?)e?["Id"]).OfType<string>() ?? []);
            token = (string?)answer["NextToken"];
        }
        while (token is not null);
        return ids;
    }
}
