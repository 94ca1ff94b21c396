using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using System.Xml.Linq;
using Amazon.EC2.Model;
using Amazon.KeyManagementService.Model;
using AmiShare.Core.Doctor;
using AmiShare.Core.Model;
using AmiShare.Core.Ports;
using AmiShare.Policy.Kms;

namespace AmiShare.Aws;

/// <summary>
/// <see cref="IAuditReads"/>: the read-only calls doctor and audit make beyond the share workflow's. KMS and EC2 go
/// through the SDK clients; IAM through the query client; CloudTrail and Organizations through the narrow JSON 1.1
/// client. Every call is counted, retried and error-mapped by <see cref="AwsCallRunner"/> like the others.
/// </summary>
public sealed partial class AwsCloudAccount : IAuditReads
{
    private const string CloudTrailTarget = "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101";
    private const string OrganizationsTarget = "AWSOrganizationsV20161128";

    /// <summary>LookupEvents answers at most 50 events a page.</summary>
    private const int TrailPageMaximum = 50;

    private readonly ConcurrentDictionary<string, Lazy<JsonServiceClient>> cloudTrail = new(StringComparer.Ordinal);
    private Lazy<JsonServiceClient>? organizations;

    // KMS ---------------------------------------------------------------------------------------------------

    public async Task<IReadOnlyList<string>> ListKeyArnsAsync(string region, CancellationToken cancellationToken)
    {
        // KMS pages 100 keys by default; ask for its maximum so an account of a few hundred keys is one call.
        var request = new ListKeysRequest { Limit = Page(1, 1000) ?? 1000 };
        var arns = new List<string>();
        do
        {
            var page = await KmsAsync(region, "ListKeys", null, (c, ct) => c.ListKeysAsync(request, ct), cancellationToken).ConfigureAwait(false);
            arns.AddRange((page.Keys ?? []).Select(k => k.KeyArn).OfType<string>());
            request.Marker = page.Truncated == true ? page.NextMarker : null;
        }
        while (!string.IsNullOrEmpty(request.Marker));
        return arns;
    }

    public async Task<ImmutableArray<KmsGrant>> ListGrantDetailsAsync(string keyArn, CancellationToken cancellationToken)
    {
        var request = new ListGrantsRequest { KeyId = keyArn, Limit = Page(1, 100) ?? 100 };
        var grants = ImmutableArray.CreateBuilder<KmsGrant>();
        do
        {
            var page = await KmsAsync(RegionOfKey(keyArn), "ListGrants", keyArn, (c, ct) => c.ListGrantsAsync(request, ct), cancellationToken).ConfigureAwait(false);
            grants.AddRange((page.Grants ?? []).Select(g => new KmsGrant(
                g.GranteePrincipal,
                [.. g.Operations ?? []],
                g.Constraints is { } c ? new Policy.Kms.GrantConstraints(Context(c.EncryptionContextEquals), Context(c.EncryptionContextSubset)) : null,
                g.RetiringPrincipal,
                g.KeyId,
                g.GrantId,
                g.Name)));
            request.Marker = page.Truncated == true ? page.NextMarker : null;
        }
        while (!string.IsNullOrEmpty(request.Marker));
        return grants.ToImmutable();
    }

    private static ImmutableDictionary<string, string>? Context(Dictionary<string, string>? context) =>
        context is null || context.Count == 0 ? null : context.ToImmutableDictionary(StringComparer.Ordinal);

    // EC2 ---------------------------------------------------------------------------------------------------

    public async Task<SnapshotPermissions> GetSnapshotPermissionsAsync(string region, string snapshotId, CancellationToken cancellationToken)
    {
        var response = await Ec2Async(region, "DescribeSnapshotAttribute", snapshotId, (c, ct) => c.DescribeSnapshotAttributeAsync(new DescribeSnapshotAttributeRequest { SnapshotId = snapshotId, Attribute = Amazon.EC2.SnapshotAttributeName.CreateVolumePermission }, ct), cancellationToken).ConfigureAwait(false);
        var permissions = response.CreateVolumePermissions ?? [];
        return new SnapshotPermissions(
            [.. permissions.Select(p => p.UserId).OfType<string>()],
            permissions.Any(p => p.Group == Amazon.EC2.PermissionGroup.All));
    }

    public async Task<PublicAccessSettings> GetPublicAccessSettingsAsync(string region, CancellationToken cancellationToken)
    {
        // Two settings, two calls: one that cannot be read leaves only its half unknown.
        var image = await UnknownOnRefusalAsync(async () =>
            (await Ec2Async(region, "GetImageBlockPublicAccessState", null, (c, ct) => c.GetImageBlockPublicAccessStateAsync(new GetImageBlockPublicAccessStateRequest(), ct), cancellationToken).ConfigureAwait(false)).ImageBlockPublicAccessState).ConfigureAwait(false);
        var snapshot = await UnknownOnRefusalAsync(async () =>
            (await Ec2Async(region, "GetSnapshotBlockPublicAccessState", null, (c, ct) => c.GetSnapshotBlockPublicAccessStateAsync(new GetSnapshotBlockPublicAccessStateRequest(), ct), cancellationToken).ConfigureAwait(false)).State?.Value).ConfigureAwait(false);
        return new PublicAccessSettings(image, snapshot);
    }

    public async Task<AllowedImagesSettings> GetAllowedImagesSettingsAsync(string region, CancellationToken cancellationToken)
    {
        var response = await Ec2Async(region, "GetAllowedImagesSettings", null, (c, ct) => c.GetAllowedImagesSettingsAsync(new GetAllowedImagesSettingsRequest(), ct), cancellationToken).ConfigureAwait(false);
        return new AllowedImagesSettings(
            response.State ?? AllowedImagesSettings.Disabled,
            [.. (response.ImageCriteria ?? []).SelectMany(c => c.ImageProviders ?? []).Distinct(StringComparer.Ordinal)])
        {
            ManagedBy = response.ManagedBy?.Value ?? AllowedImagesSettings.ManagedByAccount,
            Criteria = [.. (response.ImageCriteria ?? []).Select(c => new AllowedImageCriterion(
                [.. c.ImageProviders ?? []],
                [.. c.ImageNames ?? []],
                [.. c.MarketplaceProductCodes ?? []],
                c.CreationDateCondition?.MaximumDaysSinceCreated,
                c.DeprecationTimeCondition?.MaximumDaysSinceDeprecated))],
        };
    }

    private static async Task<string?> UnknownOnRefusalAsync(Func<Task<string?>> read)
    {
        try
        {
            return await read().ConfigureAwait(false);
        }
        catch (CloudOperationException e) when (ReadFailure.MeansUnknown(e))
        {
            return null;
        }
    }

    // CloudTrail --------------------------------------------------------------------------------------------

    public async IAsyncEnumerable<string> LookupEventsAsync(string region, DateTimeOffset since, TrailLookup? filter, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var client = CloudTrail(region);
        string? token = null;
        do
        {
            var body = new JsonObject
            {
                ["StartTime"] = since.ToUnixTimeSeconds(),
                ["MaxResults"] = settings.PageSize is { } size ? Math.Clamp(size, 1, TrailPageMaximum) : TrailPageMaximum,
            };
            if (filter is not null)
            {
                body["LookupAttributes"] = new JsonArray(new JsonObject { ["AttributeKey"] = filter.AttributeKey, ["AttributeValue"] = filter.Value });
            }

            if (token is not null)
            {
                body["NextToken"] = token;
            }

            var page = await runner.RunAsync(new AwsCall("cloudtrail", "LookupEvents", filter?.Value, client.Endpoint.ToString(), KnownAccount), ct => client.CallAsync("LookupEvents", body, ct), cancellationToken).ConfigureAwait(false);
            foreach (var item in page["Events"]?.AsArray() ?? [])
            {
                if ((string?)item?["CloudTrailEvent"] is { } record)
                {
                    yield return record;
                }
            }

            token = (string?)page["NextToken"] is { Length: > 0 } next ? next : null;
        }
        while (token is not null);
    }

    private JsonServiceClient CloudTrail(string region)
    {
        ObjectDisposedException.ThrowIf(disposed != 0, this);
        return cloudTrail.GetOrAdd(region, r => new(() =>
        {
            var (endpoint, signingRegion) = AwsEndpoints.CloudTrailEndpoint(endpointOverride, r);
            return new JsonServiceClient(endpoint, signingRegion, "cloudtrail", CloudTrailTarget, credentials, settings.TimeProvider, WrappedHttpClientFactory.Transport(settings.HttpHandler));
        })).Value;
    }

    // Organizations -----------------------------------------------------------------------------------------

    public async Task<AccountOrganization?> DescribeAccountOrganizationAsync(string accountId, CancellationToken cancellationToken)
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

        // The OU path needs ListParents, which only the management account (or a delegated administrator) may call.
        try
        {
            var path = new List<string>();
            var child = accountId;
            for (var depth = 0; depth < 10; depth++)
            {
                var parents = await OrganizationsAsync("ListParents", new JsonObject { ["ChildId"] = child }, cancellationToken).ConfigureAwait(false);
                var parent = parents["Parents"]?.AsArray().FirstOrDefault();
                var id = (string?)parent?["Id"];
                if (id is null)
                {
                    break;
                }

                path.Insert(0, id);
                if ((string?)parent?["Type"] == "ROOT")
                {
                    return new AccountOrganization(organizationId, [$"{organizationId}/{string.Join('/', path)}/"])
                    {
                        MemberAccounts = await OrganizationMembersAsync(cancellationToken).ConfigureAwait(false),
                    };
                }

                child = id;
            }
        }
        catch (CloudOperationException e) when (ReadFailure.MeansUnknown(e))
        {
            // Membership is known, the path is not: org-wide conditions still evaluate. ListAccounts has the same
            // gate (management account or delegated administrator), so the member list is unknown too.
            return new AccountOrganization(organizationId, []);
        }

        return new AccountOrganization(organizationId, []) { MemberAccounts = await OrganizationMembersAsync(cancellationToken).ConfigureAwait(false) };
    }

    /// <summary>
    /// ListAccounts, all pages: the organization's accounts, or default when the credentials may not list them
    /// (only the management account and delegated administrators may).
    /// </summary>
    private async Task<ImmutableArray<string>> OrganizationMembersAsync(CancellationToken cancellationToken)
    {
        var members = ImmutableArray.CreateBuilder<string>();
        try
        {
            string? token = null;
            do
            {
                var body = new JsonObject();
                if (token is not null)
                {
                    body["NextToken"] = token;
                }

                var page = await OrganizationsAsync("ListAccounts", body, cancellationToken).ConfigureAwait(false);
                members.AddRange(page["Accounts"]?.AsArray().Select(a => (string?)a?["Id"]).OfType<string>() ?? []);
                token = (string?)page["NextToken"];
            }
            while (token is not null);
        }
        catch (CloudOperationException e) when (ReadFailure.MeansUnknown(e))
        {
            return default;
        }

        return members.ToImmutable();
    }

    private Task<JsonObject> OrganizationsAsync(string operation, JsonObject body, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(disposed != 0, this);
        var client = LazyInitializer.EnsureInitialized(ref organizations, () => new(() =>
        {
            var (endpoint, signingRegion) = AwsEndpoints.OrganizationsEndpoint(endpointOverride, HomeRegion);
            return new JsonServiceClient(endpoint, signingRegion, "organizations", OrganizationsTarget, credentials, settings.TimeProvider, WrappedHttpClientFactory.Transport(settings.HttpHandler));
        })).Value;
        return runner.RunAsync(new AwsCall("organizations", operation, null, client.Endpoint.ToString(), KnownAccount), ct => client.CallAsync(operation, body, ct), cancellationToken);
    }

    // IAM ---------------------------------------------------------------------------------------------------

    public async Task<TargetIdentity> GetPrincipalPoliciesAsync(string principalArn, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(principalArn);
        var (kind, name) = IamEntityOf(principalArn);
        if (kind == IamEntity.Root)
        {
            // The root user has no identity policies and needs none.
            return new TargetIdentity([]);
        }

        var isRole = kind == IamEntity.Role;
        var entity = isRole ? "Role" : "User";
        var nameParameter = KeyValuePair.Create(entity + "Name", name);
        var got = await IamAsync("Get" + entity, principalArn, [nameParameter], cancellationToken).ConfigureAwait(false);
        var boundaryArn = got.Element(entity)?.Element("PermissionsBoundary")?.Element("PermissionsBoundaryArn")?.Value;

        var policies = ImmutableArray.CreateBuilder<NamedPolicy>();
        foreach (var policyName in await IamListAsync($"List{entity}Policies", principalArn, [nameParameter], "PolicyNames", m => m.Value, cancellationToken).ConfigureAwait(false))
        {
            var inline = await IamAsync($"Get{entity}Policy", principalArn, [nameParameter, new("PolicyName", policyName)], cancellationToken).ConfigureAwait(false);
            policies.Add(new NamedPolicy(policyName, Uri.UnescapeDataString(inline.Element("PolicyDocument")?.Value ?? "{}")));
        }

        foreach (var policyArn in await IamListAsync($"ListAttached{entity}Policies", principalArn, [nameParameter], "AttachedPolicies", m => m.Element("PolicyArn")?.Value ?? string.Empty, cancellationToken).ConfigureAwait(false))
        {
            policies.Add(new NamedPolicy(policyArn, await ManagedPolicyDocumentAsync(policyArn, cancellationToken).ConfigureAwait(false)));
        }

        var boundary = boundaryArn is null ? null : new NamedPolicy(boundaryArn, await ManagedPolicyDocumentAsync(boundaryArn, cancellationToken).ConfigureAwait(false));
        return new TargetIdentity(policies.ToImmutable(), boundary);
    }

    private async Task<string> ManagedPolicyDocumentAsync(string policyArn, CancellationToken cancellationToken)
    {
        var policy = await IamAsync("GetPolicy", policyArn, [new("PolicyArn", policyArn)], cancellationToken).ConfigureAwait(false);
        var version = policy.Element("Policy")?.Element("DefaultVersionId")?.Value ?? "v1";
        var document = await IamAsync("GetPolicyVersion", policyArn, [new("PolicyArn", policyArn), new("VersionId", version)], cancellationToken).ConfigureAwait(false);
        return Uri.UnescapeDataString(document.Element("PolicyVersion")?.Element("Document")?.Value ?? "{}");
    }

    /// <summary>An IAM List* call, all pages (Marker / IsTruncated).</summary>
    private async Task<List<string>> IamListAsync(string operation, string resource, IReadOnlyList<KeyValuePair<string, string>> parameters, string listElement, Func<XElement, string> read, CancellationToken cancellationToken)
    {
        var values = new List<string>();
        string? marker = null;
        do
        {
            var page = marker is null ? parameters : [.. parameters, new("Marker", marker)];
            var result = await IamAsync(operation, resource, page, cancellationToken).ConfigureAwait(false);
            values.AddRange((result.Element(listElement)?.Elements("member") ?? []).Select(read).Where(v => v.Length > 0));
            marker = result.Element("IsTruncated")?.Value == "true" ? result.Element("Marker")?.Value : null;
        }
        while (marker is not null);
        return values;
    }

    private enum IamEntity
    {
        Root,
        Role,
        User,
    }

    /// <summary>A role, role session, user or root ARN (or a bare account id) as the IAM entity whose policies apply.</summary>
    private static (IamEntity Kind, string Name) IamEntityOf(string principalArn)
    {
        if (principalArn.Length == 12 && principalArn.All(char.IsAsciiDigit))
        {
            return (IamEntity.Root, principalArn);
        }

        var parts = principalArn.Split(':', 6);
        if (parts.Length != 6 || parts[0] != "arn")
        {
            throw new CloudOperationException(CloudErrorKind.InvalidRequest, "GetPrincipalPolicies", "InvalidPrincipal", $"\"{principalArn}\" is not an IAM principal ARN.", "name a role (arn:aws:iam::ACCOUNT:role/NAME), a user, or a 12-digit account for its root");
        }

        var resource = parts[5];
        var segments = resource.Split('/');
        return resource switch
        {
            "root" => (IamEntity.Root, parts[4]),
            _ when resource.StartsWith("assumed-role/", StringComparison.Ordinal) && segments.Length >= 2 => (IamEntity.Role, segments[1]),
            _ when resource.StartsWith("role/", StringComparison.Ordinal) => (IamEntity.Role, segments[^1]),
            _ when resource.StartsWith("user/", StringComparison.Ordinal) => (IamEntity.User, segments[^1]),
            _ => throw new CloudOperationException(CloudErrorKind.InvalidRequest, "GetPrincipalPolicies", "InvalidPrincipal", $"\"{principalArn}\" is neither a role, a role session, a user nor a root ARN.", "name a role (arn:aws:iam::ACCOUNT:role/NAME), a user, or a 12-digit account for its root"),
        };
    }

    /// <summary>Disposes what this partial created; called from <see cref="Dispose"/>.</summary>
    private void DisposeAuditClients()
    {
        foreach (var client in cloudTrail.Values.Where(l => l.IsValueCreated))
        {
            client.Value.Dispose();
        }

        if (organizations is { IsValueCreated: true } created)
        {
            created.Value.Dispose();
        }
    }

}
