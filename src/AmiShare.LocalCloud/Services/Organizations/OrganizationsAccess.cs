using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AmiShare.LocalCloud.Authorization;
using AmiShare.LocalCloud.Protocol;
using AmiShare.LocalCloud.Seed;

namespace AmiShare.LocalCloud.Services.Organizations;

/// <summary>
/// What every Organizations operation shares: who may call (the management account; a delegated administrator; a
/// member only for DescribeOrganization), the IAM check, ARNs and wire shapes, request members and paging.
/// </summary>
internal sealed class OrganizationsAccess(LocalCloudContext cloud)
{
    public const int MaxResultsLimit = 20;

    public OrganizationDirectory Directory => cloud.Organization;

    public OrganizationPolicyStore Policies => cloud.OrganizationPolicies;

    /// <summary>The organization the caller belongs to, or AWSOrganizationsNotInUseException.</summary>
    public SeedOrganization RequireMember(OperationRequest request) =>
        Directory.SeedOrganization is { } org && Directory.OrganizationIdOf(request.Caller.AccountId) is not null
            ? org
            : throw OrganizationsErrors.NotInUse();

    /// <summary>Most of the API answers only the management account or a delegated administrator.</summary>
    public SeedOrganization RequireAdministrator(OperationRequest request)
    {
        var org = RequireMember(request);
        var account = request.Caller.AccountId;
        return account == org.ManagementAccountId || org.DelegatedAdministrators.Contains(account)
            ? org
            : throw OrganizationsErrors.NotAdministrator();
    }

    /// <summary>
    /// IAM (and SCPs) decide as for any action. A delegated administrator reaches the management account's resources
    /// through Organizations' delegation policy, a resource-based policy naming its account; LocalCloud grants it all
    /// of <c>organizations:*</c>.
    /// </summary>
    public void Authorize(OperationRequest request, string resourceArn)
    {
        var org = Directory.SeedOrganization;
        ResourcePolicy? delegation = null;
        if (org is not null && org.DelegatedAdministrators.Count > 0 && resourceArn != "*")
        {
            var principals = string.Join(',', org.DelegatedAdministrators.Select(a => $"\"arn:aws:iam::{a}:root\""));
            delegation = new ResourcePolicy(ResourcePolicyKind.Other, org.ManagementAccountId,
                $$"""{"Version":"2012-10-17","Statement":[{"Sid":"DelegatedAdministrators","Effect":"Allow","Principal":{"AWS":[{{principals}}]},"Action":"organizations:*","Resource":"*"}]}""");
        }

        request.Authorize("organizations:" + request.Operation, resourceArn, resourcePolicy: delegation);
    }

    public static string? OptionalString(OperationRequest request, string member) =>
        request.Body.ValueKind == JsonValueKind.Object && request.Body.TryGetProperty(member, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;

    public static string RequiredString(OperationRequest request, string member) =>
        OptionalString(request, member) is { Length: > 0 } value ? value : throw request.Service.MissingParameter(member);

    public string AccountArn(SeedOrganization org, string accountId) => $"arn:aws:organizations::{org.ManagementAccountId}:account/{org.Id}/{accountId}";

    public static string RootArn(SeedOrganization org) => $"arn:aws:organizations::{org.ManagementAccountId}:root/{org.Id}/{org.RootId}";

    public static string UnitArn(SeedOrganization org, string unitId) => $"arn:aws:organizations::{org.ManagementAccountId}:ou/{org.Id}/{unitId}";

    /// <summary>AWS managed policies live under the <c>aws</c> account; the organization's own under its management account.</summary>
    public static string PolicyArn(SeedOrganization org, OrganizationPolicyRecord policy) => policy.AwsManaged
        ? $"arn:aws:organizations::aws:policy/{policy.Type.ToLowerInvariant()}/{policy.Id}"
        : $"arn:aws:organizations::{org.ManagementAccountId}:policy/{org.Id}/{policy.Type.ToLowerInvariant()}/{policy.Id}";

    /// <summary>The ARN of a root, unit or member account id, or null when the organization has no such target.</summary>
    public string? TargetArn(SeedOrganization org, string targetId) =>
        targetId == org.RootId ? RootArn(org)
        : Directory.FindOrganizationalUnit(targetId) is not null ? UnitArn(org, targetId)
        : Directory.OrganizationIdOf(targetId) is not null ? AccountArn(org, targetId)
        : null;

    public JsonObject AccountShape(SeedOrganization org, CloudAccount account) => new()
    {
        ["Id"] = account.Id,
        ["Arn"] = AccountArn(org, account.Id),
        ["Email"] = $"{account.Id}@localcloud.invalid",
        ["Name"] = account.Name,
        ["Status"] = "ACTIVE",
        ["State"] = "ACTIVE",
    };

    public static JsonObject UnitShape(SeedOrganization org, SeedOrganizationalUnit unit) => new()
    {
        ["Id"] = unit.Id,
        ["Arn"] = UnitArn(org, unit.Id),
        ["Name"] = unit.Name,
    };

    public static JsonObject PolicySummary(SeedOrganization org, OrganizationPolicyRecord policy) => new()
    {
        ["Id"] = policy.Id,
        ["Arn"] = PolicyArn(org, policy),
        ["Name"] = policy.Name,
        ["Description"] = policy.Description,
        ["Type"] = policy.Type,
        ["AwsManaged"] = policy.AwsManaged,
    };

    /// <summary>The policy types the root has enabled: SCPs and RCPs always, in LocalCloud.</summary>
    public static JsonArray PolicyTypes() =>
    [
        new JsonObject { ["Type"] = OrganizationPolicyRules.ServiceControlPolicyType, ["Status"] = "ENABLED" },
        new JsonObject { ["Type"] = OrganizationPolicyRules.ResourceControlPolicyType, ["Status"] = "ENABLED" },
    ];

    /// <summary>One page of <paramref name="items"/> under <paramref name="member"/>, with NextToken when more remain.</summary>
    public static OperationResponse Page(OperationRequest request, string member, IReadOnlyList<JsonObject> items)
    {
        var max = MaxResultsLimit;
        if (request.Body.ValueKind == JsonValueKind.Object && request.Body.TryGetProperty("MaxResults", out var given)
            && (!given.TryGetInt32(out max) || max is < 1 or > MaxResultsLimit))
        {
            throw OrganizationsErrors.InvalidInput($"MaxResults must be between 1 and {MaxResultsLimit}. (INVALID_INPUT)");
        }

        var start = 0;
        if (OptionalString(request, "NextToken") is { } token && !TryReadToken(token, out start))
        {
            throw OrganizationsErrors.InvalidInput("The NextToken is not valid. (INVALID_PAGINATION_TOKEN)");
        }

        var result = new JsonObject { [member] = new JsonArray([.. items.Skip(start).Take(max)]) };
        if (start + max < items.Count)
        {
            result["NextToken"] = Convert.ToBase64String(Encoding.UTF8.GetBytes("offset:" + (start + max).ToString(CultureInfo.InvariantCulture)));
        }

        return OperationResponse.Json(result);
    }

    private static bool TryReadToken(string token, out int start)
    {
        start = 0;
        try
        {
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(token));
            return text.StartsWith("offset:", StringComparison.Ordinal)
                && int.TryParse(text.AsSpan(7), NumberStyles.None, CultureInfo.InvariantCulture, out start);
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
