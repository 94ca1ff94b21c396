using AmiShare.LocalCloud.Protocol;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace AmiShare.LocalCloud.Hosting;

/// <summary>
/// Implemented by a service that can report the SHA-256 of a snapshot's or volume's decrypted content,
/// for <c>GET /_localcloud/content/{id}</c>. EC2 implements it on one of its operation tables.
/// </summary>
public interface IContentDigestSource
{
    /// <summary>Lower-case hex SHA-256 of the decrypted content, or null if the id is not this source's.</summary>
    /// <exception cref="ContentDigestException">The content exists but cannot be read back (a block fails to decrypt or is missing).</exception>
    Task<string?> FindContentSha256Async(string snapshotOrVolumeId, CancellationToken cancellationToken);
}

/// <summary>Stored content that exists but cannot be decrypted or read in full; the admin API reports it, never a stale digest.</summary>
public sealed class ContentDigestException : Exception
{
    public ContentDigestException()
    {
    }

    public ContentDigestException(string message)
        : base(message)
    {
    }

    public ContentDigestException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// Test and operator endpoints under <c>/_localcloud/</c> on the API port. They bypass SigV4 on purpose. The read-only
/// ones answer anyone who can reach the port; the ones that change the emulator (faults) answer only a loopback caller
/// or one sending the server's admin token (<see cref="AdminTokenHeader"/>).
/// </summary>
internal static class AdminEndpoints
{
    public const string Prefix = "/_localcloud";

    public const string AdminTokenHeader = LocalCloudServer.AdminTokenHeader;

    public static bool IsAdminPath(PathString path) => path.StartsWithSegments(Prefix, StringComparison.Ordinal);

    public static void Map(IEndpointRouteBuilder routes, LocalCloudContext cloud, OperationRegistry registry, IReadOnlyList<IServiceOperations> tables, string adminToken)
    {
        FaultEndpoints.Map(routes, cloud, adminToken);

        routes.MapGet(Prefix + "/health", () => Results.Json(new
        {
            status = "ok",
            time = cloud.Time.GetUtcNow(),
            organizationId = cloud.Organization.OrganizationId,
            managementAccountId = cloud.Organization.ManagementAccountId,
            regions = cloud.Organization.Regions,
            accounts = cloud.Organization.Accounts
                .OrderBy(a => a.Id, StringComparer.Ordinal)
                .Select(a => new { id = a.Id, name = a.Name, organizationPath = cloud.Organization.OrganizationPathOf(a.Id) }),
            services = registry.Services
                .OrderBy(s => s.Name, StringComparer.Ordinal)
                .ToDictionary(s => s.Name, s => registry.OperationsOf(s.Name).Order(StringComparer.Ordinal).ToList()),
        }));

        // The EC2 engineer's hook: an operation table that also implements IContentDigestSource answers here.
        routes.MapGet(Prefix + "/content/{id}", async (string id, CancellationToken cancellationToken) =>
        {
            var sources = tables.OfType<IContentDigestSource>().ToList();
            if (sources.Count == 0)
            {
                return Results.Json(new { error = "NotImplemented", message = "No service in this LocalCloud stores block content yet." }, statusCode: 501);
            }

            foreach (var source in sources)
            {
                try
                {
                    if (await source.FindContentSha256Async(id, cancellationToken).ConfigureAwait(false) is { } sha256)
                    {
                        return Results.Json(new { id, sha256 });
                    }
                }
                catch (ContentDigestException e)
                {
                    return Results.Json(new { id, error = "ContentUnreadable", message = e.Message }, statusCode: 500);
                }
            }

            return Results.Json(new { error = "NotFound", message = $"No snapshot or volume '{id}'." }, statusCode: 404);
        });
    }
}
