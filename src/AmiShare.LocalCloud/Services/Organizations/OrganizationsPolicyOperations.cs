using System.Text.Json;
using System.Text.Json.Nodes;
using AmiShare.LocalCloud.Protocol;
using AmiShare.LocalCloud.Seed;

namespace AmiShare.LocalCloud.Services.Organizations;

/// <summary>
/// SCPs and RCPs: read, created, attached and detached. A change is enforced from the next request on, as AWS
/// says of SCPs ("the changes to permissions … are immediate"), and is stored like the rest of the state.
/// </summary>
public sealed class OrganizationsPolicyOperations(LocalCloudContext cloud) : IServiceOperations
{
    /// <summary>Organizations quotas: at most 5 SCPs (and 5 RCPs) attached directly to one root, OU or account.</summary>
    public const int MaxPoliciesPerTarget = 5;

    private const int MaxPolicyNameLength = 128;

    private readonly OrganizationsAccess access = new(cloud);

    public AwsServiceDescriptor Service => OrganizationsModule.Descriptor;

    public IReadOnlyDictionary<string, OperationHandler> Operations => new Dictionary<string, OperationHandler>
    {
        ["ListPolicies"] = request => Task.FromResult(ListPolicies(request)),
        ["ListPoliciesForTarget"] = request => Task.FromResult(ListPoliciesForTarget(request)),
        ["DescribePolicy"] = request => Task.FromResult(DescribePolicy(request)),
        ["CreatePolicy"] = request => Task.FromResult(CreatePolicy(request)),
        ["AttachPolicy"] = request => Task.FromResult(AttachPolicy(request)),
        ["DetachPolicy"] = request => Task.FromResult(DetachPolicy(request)),
    };

    private OperationResponse ListPolicies(OperationRequest request)
    {
        var org = access.RequireAdministrator(request);
        var type = PolicyType(OrganizationsAccess.RequiredString(request, "Filter"));
        access.Authorize(request, "*");
        return OrganizationsAccess.Page(request, "Policies", [.. Sorted(access.Policies.All.Where(p => p.Type == type)).Select(p => OrganizationsAccess.PolicySummary(org, p))]);
    }

    private OperationResponse ListPoliciesForTarget(OperationRequest request)
    {
        var org = access.RequireAdministrator(request);
        var targetId = OrganizationsAccess.RequiredString(request, "TargetId");
        var type = PolicyType(OrganizationsAccess.RequiredString(request, "Filter"));
        var targetArn = access.TargetArn(org, targetId) ?? throw OrganizationsErrors.TargetNotFound(targetId);
        access.Authorize(request, targetArn);
        var attached = access.Policies.All.Where(p => p.Type == type && p.Targets.Contains(targetId));
        return OrganizationsAccess.Page(request, "Policies", [.. Sorted(attached).Select(p => OrganizationsAccess.PolicySummary(org, p))]);
    }

    private OperationResponse DescribePolicy(OperationRequest request)
    {
        var org = access.RequireAdministrator(request);
        var policyId = OrganizationsAccess.RequiredString(request, "PolicyId");
        var policy = access.Policies.Find(policyId) ?? throw OrganizationsErrors.PolicyNotFound(policyId);
        access.Authorize(request, OrganizationsAccess.PolicyArn(org, policy));
        return OperationResponse.Json(new JsonObject { ["Policy"] = PolicyShape(org, policy) });
    }

    private OperationResponse CreatePolicy(OperationRequest request)
    {
        var org = access.RequireAdministrator(request);
        var name = OrganizationsAccess.RequiredString(request, "Name");
        var content = OrganizationsAccess.RequiredString(request, "Content");
        var description = OrganizationsAccess.OptionalString(request, "Description") ?? string.Empty;
        var type = PolicyType(OrganizationsAccess.RequiredString(request, "Type"));
        if (name.Length > MaxPolicyNameLength)
        {
            throw OrganizationsErrors.InvalidInput($"Name must be at most {MaxPolicyNameLength} characters. (INVALID_INPUT)");
        }

        if (content.Length > OrganizationPolicyRules.MaxPolicyCharacters)
        {
            throw OrganizationsErrors.ConstraintViolation("POLICY_CONTENT_LIMIT_EXCEEDED", $"The policy is larger than {OrganizationPolicyRules.MaxPolicyCharacters} characters.");
        }

        if (ContentProblem(type, content) is { } why)
        {
            throw OrganizationsErrors.MalformedPolicy(why);
        }

        access.Authorize(request, "*");
        var id = "p-" + cloud.Ids.Hex(4);
        var created = access.Policies.Update(id, existing =>
        {
            if (access.Policies.All.Any(p => p.Type == type && string.Equals(p.Name, name, StringComparison.Ordinal)))
            {
                throw OrganizationsErrors.DuplicatePolicy(name);
            }

            return existing is null
                ? new OrganizationPolicyRecord(id, name, description, type, content, AwsManaged: false, [])
                : throw new InvalidOperationException($"Policy id {id} was drawn twice.");
        });
        return OperationResponse.Json(new JsonObject { ["Policy"] = PolicyShape(org, created) });
    }

    private OperationResponse AttachPolicy(OperationRequest request)
    {
        var (_, policy, targetId) = ReadAttachment(request);
        access.Policies.Update(policy.Id, current =>
        {
            if (current is null)
            {
                throw OrganizationsErrors.PolicyNotFound(policy.Id);
            }

            if (current.Targets.Contains(targetId))
            {
                throw OrganizationsErrors.DuplicateAttachment();
            }

            if (access.Policies.All.Count(p => p.Type == current.Type && p.Targets.Contains(targetId)) >= MaxPoliciesPerTarget)
            {
                throw OrganizationsErrors.ConstraintViolation("POLICY_NUMBER_LIMIT_EXCEEDED", $"The target {targetId} already has {MaxPoliciesPerTarget} policies of type {current.Type} attached.");
            }

            return current with { Targets = [.. current.Targets, targetId] };
        });
        return OperationResponse.Json([]);
    }

    private OperationResponse DetachPolicy(OperationRequest request)
    {
        var (_, policy, targetId) = ReadAttachment(request);
        access.Policies.Update(policy.Id, current =>
        {
            if (current is null)
            {
                throw OrganizationsErrors.PolicyNotFound(policy.Id);
            }

            if (!current.Targets.Contains(targetId))
            {
                throw OrganizationsErrors.NotAttached();
            }

            if (current.Id == OrganizationPolicyStore.RcpFullAwsAccessId)
            {
                throw OrganizationsErrors.ConstraintViolation("MIN_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED", "RCPFullAWSAccess cannot be detached.");
            }

            // "Every root, OU, and account must have at least one SCP attached" (Organizations API Reference, DetachPolicy).
            if (current.Type == OrganizationPolicyRules.ServiceControlPolicyType
                && access.Policies.All.Count(p => p.Type == current.Type && p.Targets.Contains(targetId)) <= 1)
            {
                throw OrganizationsErrors.ConstraintViolation("MIN_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED", $"{targetId} must keep at least one SCP; attach another before detaching {current.Name}.");
            }

            return current with { Targets = [.. current.Targets.Where(t => t != targetId)] };
        });
        return OperationResponse.Json([]);
    }

    /// <summary>Reads PolicyId and TargetId, checks both exist, and authorizes on the target and (for the organization's own) the policy.</summary>
    private (SeedOrganization Org, OrganizationPolicyRecord Policy, string TargetId) ReadAttachment(OperationRequest request)
    {
        var org = access.RequireAdministrator(request);
        var policyId = OrganizationsAccess.RequiredString(request, "PolicyId");
        var targetId = OrganizationsAccess.RequiredString(request, "TargetId");
        var policy = access.Policies.Find(policyId) ?? throw OrganizationsErrors.PolicyNotFound(policyId);
        var targetArn = access.TargetArn(org, targetId) ?? throw OrganizationsErrors.TargetNotFound(targetId);
        access.Authorize(request, targetArn);
        if (!policy.AwsManaged)
        {
            access.Authorize(request, OrganizationsAccess.PolicyArn(org, policy));
        }

        return (org, policy, targetId);
    }

    private static JsonObject PolicyShape(SeedOrganization org, OrganizationPolicyRecord policy) => new()
    {
        ["PolicySummary"] = OrganizationsAccess.PolicySummary(org, policy),
        ["Content"] = policy.Content,
    };

    private static string? ContentProblem(string type, string content)
    {
        try
        {
            using var document = JsonDocument.Parse(content);
            return type switch
            {
                OrganizationPolicyRules.ServiceControlPolicyType => OrganizationPolicyRules.ServiceControlPolicyProblem(document.RootElement),
                Ec2.Ec2DeclarativePolicy.PolicyType => Ec2.Ec2DeclarativePolicy.Problem(document.RootElement),
                _ => OrganizationPolicyRules.ResourceControlPolicyProblem(document.RootElement),
            };
        }
        catch (JsonException error)
        {
            return "the content is not JSON: " + error.Message.Split('\n')[0];
        }
    }

    private static string PolicyType(string type) =>
        type is OrganizationPolicyRules.ServiceControlPolicyType or OrganizationPolicyRules.ResourceControlPolicyType or Ec2.Ec2DeclarativePolicy.PolicyType
            ? type
            : throw OrganizationsErrors.PolicyTypeNotAvailable(type);

    private static IEnumerable<OrganizationPolicyRecord> Sorted(IEnumerable<OrganizationPolicyRecord> policies) =>
        policies.OrderBy(p => p.Name, StringComparer.Ordinal);
}
