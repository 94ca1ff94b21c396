using System.Collections.Immutable;
using System.Globalization;
using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using AmiShare.Core.Model;
using AmiShare.Core.Ports;

namespace AmiShare.Aws;

/// <summary>KMS: keys, key policies, grants, aliases, and the target-side GenerateDataKeyWithoutPlaintext dry run.</summary>
public sealed partial class AwsCloudAccount
{
    /// <summary>Key operations go to the key's own region, which its ARN names.</summary>
    private string RegionOfKey(string keyArn) => Arns.RegionOf(keyArn) is { Length: > 0 } region ? region : HomeRegion;

    public async Task<KeyDescription?> DescribeKeyAsync(string region, string keyId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(keyId);
        var keyRegion = keyId.StartsWith("arn:", StringComparison.Ordinal) ? RegionOfKey(keyId) : region;
        var response = await KmsAsync(keyRegion, "DescribeKey", keyId, (c, ct) => KeyNotFoundAsNull(c.DescribeKeyAsync(new DescribeKeyRequest { KeyId = keyId }, ct)), cancellationToken).ConfigureAwait(false);
        if (response is null)
        {
            return null;
        }

        var key = response.KeyMetadata;
        var multiRegion = key.MultiRegion == true && key.MultiRegionConfiguration is { } configuration
            ? [.. new[] { configuration.PrimaryKey?.Arn }.Concat((configuration.ReplicaKeys ?? []).Select(r => r.Arn)).OfType<string>().Distinct(StringComparer.Ordinal)]
            : ImmutableArray<string>.Empty;
        return new KeyDescription(
            key.Arn,
            key.KeyId,
            key.KeyManager == KeyManagerType.AWS ? KeyManager.Aws : KeyManager.Customer,
            Enum.TryParse<KeyStatus>(key.KeyState?.Value, ignoreCase: true, out var state) ? state : KeyStatus.Unavailable,
            multiRegion);
    }

    /// <summary>A key that does not exist is absent (null at the port), not an error.</summary>
    private static async Task<T?> KeyNotFoundAsNull<T>(Task<T> call)
        where T : class
    {
        try
        {
            return await call.ConfigureAwait(false);
        }
        catch (NotFoundException)
        {
            return null;
        }
    }

    public async Task<string> GetKeyPolicyAsync(string keyArn, CancellationToken cancellationToken)
    {
        var response = await KmsAsync(RegionOfKey(keyArn), "GetKeyPolicy", keyArn, (c, ct) => c.GetKeyPolicyAsync(new GetKeyPolicyRequest { KeyId = keyArn, PolicyName = "default" }, ct), cancellationToken).ConfigureAwait(false);
        return response.Policy;
    }

    public async Task PutKeyPolicyAsync(string keyArn, string policy, CancellationToken cancellationToken) =>
        await KmsAsync(RegionOfKey(keyArn), "PutKeyPolicy", keyArn, (c, ct) => c.PutKeyPolicyAsync(new PutKeyPolicyRequest { KeyId = keyArn, PolicyName = "default", Policy = policy }, ct), cancellationToken).ConfigureAwait(false);

    public async Task<ImmutableArray<GrantState>> ListGrantsAsync(string keyArn, CancellationToken cancellationToken)
    {
        var request = new ListGrantsRequest { KeyId = keyArn, Limit = Page(1, 100) };
        var grants = ImmutableArray.CreateBuilder<GrantState>();
        do
        {
            var page = await KmsAsync(RegionOfKey(keyArn), "ListGrants", keyArn, (c, ct) => c.ListGrantsAsync(request, ct), cancellationToken).ConfigureAwait(false);
            grants.AddRange((page.Grants ?? []).Select(g => new GrantState(g.GrantId, g.GranteePrincipal, [.. g.Operations ?? []])));
            request.Marker = page.Truncated == true ? page.NextMarker : null;
        }
        while (!string.IsNullOrEmpty(request.Marker));
        return grants.ToImmutable();
    }

    public async Task<string> CreateGrantAsync(string keyArn, string granteePrincipal, IReadOnlyCollection<string> operations, string name, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(operations);
        var request = new CreateGrantRequest
        {
            KeyId = keyArn,
            GranteePrincipal = granteePrincipal,
            Operations = [.. operations.Select(GrantOperation.FindValue)],
            Name = name,
        };
        var response = await KmsAsync(RegionOfKey(keyArn), "CreateGrant", keyArn, (c, ct) => c.CreateGrantAsync(request, ct), cancellationToken).ConfigureAwait(false);
        return response.GrantId;
    }

    public async Task RevokeGrantAsync(string keyArn, string grantId, CancellationToken cancellationToken) =>
        await KmsAsync(RegionOfKey(keyArn), "RevokeGrant", keyArn, (c, ct) => c.RevokeGrantAsync(new RevokeGrantRequest { KeyId = keyArn, GrantId = grantId }, ct), cancellationToken).ConfigureAwait(false);

    public async Task<IReadOnlyList<KeyAlias>> ListAliasesAsync(string region, CancellationToken cancellationToken)
    {
        var request = new ListAliasesRequest { Limit = Page(1, 100) };
        var aliases = new List<KeyAlias>();
        do
        {
            var page = await KmsAsync(region, "ListAliases", null, (c, ct) => c.ListAliasesAsync(request, ct), cancellationToken).ConfigureAwait(false);
            aliases.AddRange((page.Aliases ?? []).Select(a => new KeyAlias(a.AliasName, a.TargetKeyId)));
            request.Marker = page.Truncated == true ? page.NextMarker : null;
        }
        while (!string.IsNullOrEmpty(request.Marker));
        return aliases;
    }

    public async Task GenerateDataKeyWithoutPlaintextDryRunAsync(string keyArn, CancellationToken cancellationToken)
    {
        var request = new GenerateDataKeyWithoutPlaintextRequest { KeyId = keyArn, KeySpec = DataKeySpec.AES_256, DryRun = true };
        await KmsAsync(RegionOfKey(keyArn), "GenerateDataKeyWithoutPlaintext", keyArn, async (c, ct) =>
        {
            try
            {
                await c.GenerateDataKeyWithoutPlaintextAsync(request, ct).ConfigureAwait(false);
            }
            catch (DryRunOperationException)
            {
                // KMS's "it would have succeeded" answer (HTTP 412).
            }

            return true;
        }, cancellationToken).ConfigureAwait(false);
    }

    // IAM ---------------------------------------------------------------------------------------------------

    public async Task<IReadOnlyList<SimulatedDecision>> SimulatePrincipalPolicyAsync(string principalArn, IReadOnlyCollection<string> actions, string resourceArn, IReadOnlyDictionary<string, string> context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actions);
        ArgumentNullException.ThrowIfNull(context);
        var parameters = new List<KeyValuePair<string, string>> { new("PolicySourceArn", principalArn), new("ResourceArns.member.1", resourceArn) };
        parameters.AddRange(actions.Select((a, i) => KeyValuePair.Create(Member("ActionNames", i), a)));
        var entry = 0;
        foreach (var (key, value) in context.OrderBy(c => c.Key, StringComparer.Ordinal))
        {
            var prefix = Member("ContextEntries", entry++);
            parameters.Add(new(prefix + ".ContextKeyName", key));
            parameters.Add(new(prefix + ".ContextKeyValues.member.1", value));
            parameters.Add(new(prefix + ".ContextKeyType", "string"));
        }

        var decisions = new List<SimulatedDecision>();
        string? marker = null;
        do
        {
            var page = marker is null ? parameters : [.. parameters, new("Marker", marker)];
            var result = await IamAsync("SimulatePrincipalPolicy", principalArn, page, cancellationToken).ConfigureAwait(false);
            foreach (var member in result.Element("EvaluationResults")?.Elements("member") ?? [])
            {
                decisions.Add(new SimulatedDecision(
                    member.Element("EvalActionName")?.Value ?? string.Empty,
                    CloudStateNames.ParseDecision(member.Element("EvalDecision")?.Value),
                    [.. (member.Element("MatchedStatements")?.Elements("member") ?? []).Select(s => s.Element("SourcePolicyId")?.Value).OfType<string>()]));
            }

            marker = result.Element("IsTruncated")?.Value == "true" ? result.Element("Marker")?.Value : null;
        }
        while (marker is not null);
        return decisions;
    }

    private static string Member(string list, int index) => $"{list}.member.{(index + 1).ToString(CultureInfo.InvariantCulture)}";
}
