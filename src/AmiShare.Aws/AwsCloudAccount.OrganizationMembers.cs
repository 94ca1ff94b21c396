using System.Collections.Immutable;
using System.Text.Json.Nodes;
using AmiShare.Core.Model;
using AmiShare.Core.Ports;

namespace AmiShare.Aws;

/// <summary>
/// Organizations reads for <c>--expand-targets</c>, over the same JSON 1.1 client as the audit reads: ListAccounts for an
/// organization, ListAccountsForParent down every child OU for an OU. Errors pass through (AccessDenied included):
/// Core turns an unreadable organization into a refusal with the fix.
/// </summary>
public sealed partial class AwsCloudAccount : IOrganizationMembers
{
    public async Task<ImmutableArray<string>> ListMemberAccountsAsync(ShareTarget target, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        var accounts = new SortedSet<string>(StringComparer.Ordinal);
        if (target.Kind == ShareTargetKind.Organization)
        {
            await PagesAsync("ListAccounts", new JsonObject(), "Accounts", accounts, cancellationToken).ConfigureAwait(false);
            return [.. accounts];
        }

        var parents = new Queue<string>([target.OuId ?? throw new ArgumentException($"{target.Value} is not an organization or OU.", nameof(target))]);
        while (parents.TryDequeue(out var parent))
        {
            await PagesAsync("ListAccountsForParent", new JsonObject { ["ParentId"] = parent }, "Accounts", accounts, cancellationToken).ConfigureAwait(false);
            var children = new SortedSet<string>(StringComparer.Ordinal);
            await PagesAsync("ListOrganizationalUnitsForParent", new JsonObject { ["ParentId"] = parent }, "OrganizationalUnits", children, cancellationToken).ConfigureAwait(false);
            foreach (var child in children)
            {
                parents.Enqueue(child);
            }
        }

        return [.. accounts];
    }

    private async Task PagesAsync(string operation, JsonObject request, string listName, SortedSet<string> into, CancellationToken cancellationToken)
    {
        string? token = null;
        do
        {
            var body = (JsonObject)request.DeepClone();
            if (token is not null)
            {
                body["NextToken"] = token;
            }

            var page = await OrganizationsAsync(operation, body, cancellationToken).ConfigureAwait(false);
            into.UnionWith(page[listName]?.AsArray().Select(a => (string?)a?["Id"]).OfType<string>() ?? []);
            token = (string?)page["NextToken"];
        }
        while (token is not null);
    }
}
