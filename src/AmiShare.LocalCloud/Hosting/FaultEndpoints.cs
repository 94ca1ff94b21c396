using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace AmiShare.LocalCloud.Hosting;

/// <summary>
/// <c>GET /_localcloud/faults</c> shows the plan and what it injected; <c>PUT</c> (body: a plan, docs/localcloud.md
/// "Faults") replaces it and <c>DELETE</c> removes it. Changing the plan needs the loopback or the admin token.
/// </summary>
internal static class FaultEndpoints
{
    private const string Path = AdminEndpoints.Prefix + "/faults";

    public static void Map(IEndpointRouteBuilder routes, LocalCloudContext cloud, string adminToken)
    {
        routes.MapGet(Path, () => Describe(cloud));

        routes.MapPut(Path, async (HttpContext http) =>
        {
            if (Refusal(http, adminToken) is { } refused)
            {
                return refused;
            }

            using var reader = new StreamReader(http.Request.Body, Encoding.UTF8);
            var body = await reader.ReadToEndAsync(http.RequestAborted).ConfigureAwait(false);
            try
            {
                cloud.Faults.Set(FaultPlan.Parse(body));
            }
            catch (FaultPlanException e)
            {
                return Results.Json(new { error = "InvalidFaultPlan", message = $"The fault plan is not valid: {e.Message}." }, statusCode: 400);
            }

            return Describe(cloud);
        });

        routes.MapDelete(Path, (HttpContext http) =>
        {
            if (Refusal(http, adminToken) is { } refused)
            {
                return refused;
            }

            cloud.Faults.Set(FaultPlan.None);
            return Describe(cloud);
        });
    }

    private static IResult Describe(LocalCloudContext cloud)
    {
        var counts = cloud.Faults.Counts;
        return Results.Text(
            $$$"""{"plan":{{{cloud.Faults.Plan.ToJson()}}},"injected":{"calls":{{{counts.Calls}}},"throttled":{{{counts.Throttled}}},"serverErrors":{{{counts.ServerErrors}}},"delayed":{{{counts.Delayed}}}}}""",
            "application/json");
    }

    /// <summary>Null when the caller may change the emulator: it is on the loopback, or sends the admin token.</summary>
    internal static IResult? Refusal(HttpContext http, string adminToken)
    {
        if (http.Connection.RemoteIpAddress is { } remote && IPAddress.IsLoopback(remote))
        {
            return null;
        }

        var sent = http.Request.Headers[AdminEndpoints.AdminTokenHeader].ToString();
        return sent.Length > 0 && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(sent), Encoding.UTF8.GetBytes(adminToken))
            ? null
            : Results.Json(
                new { error = "AdminTokenRequired", message = $"This endpoint changes the emulator: call it from the loopback, or send the admin token 'local serve' printed at start in the {AdminEndpoints.AdminTokenHeader} header." },
                statusCode: 403);
    }
}
