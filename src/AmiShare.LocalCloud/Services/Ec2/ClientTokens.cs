using System.Security.Cryptography;
using System.Text;
using AmiShare.LocalCloud.Protocol;

namespace AmiShare.LocalCloud.Services.Ec2;

/// <summary>
/// ClientToken idempotency: a retried call with the same token answers the first result only when the request
/// is the same; the fingerprint is what "the same" means (every parameter but the token, DryRun and the envelope).
/// </summary>
internal static class ClientTokens
{
    public static string Fingerprint(OperationRequest request) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('&', request.Parameters.All
            .Where(p => p.Key is not ("ClientToken" or "DryRun" or "Action" or "Version"))
            .OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => p.Key + "=" + p.Value)))));
}
