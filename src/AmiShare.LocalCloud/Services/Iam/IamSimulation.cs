using System.Collections.Immutable;
using System.Xml.Linq;
using AmiShare.LocalCloud.Authorization;
using AmiShare.LocalCloud.Protocol;
using AmiShare.Policy.Evaluation;
using PolicyRequest = AmiShare.Policy.Evaluation.AuthorizationRequest;

namespace AmiShare.LocalCloud.Services.Iam;

/// <summary>
/// SimulatePrincipalPolicy: the same engine that authorizes LocalCloud's requests, asked about a user or
/// role of the caller's account, for each action × resource, with optional extra policies, a resource
/// policy and context entries — and the statements that decided, as IAM's simulator reports them.
/// Without a resource policy, only identity-based policies decide, as in IAM's simulator.
/// </summary>
public sealed partial class IamOperations
{
    private OperationResponse SimulatePrincipalPolicy(OperationRequest request)
    {
        var parameters = request.Parameters;
        var source = parameters.GetRequiredString("PolicySourceArn");
        request.Authorize("iam:SimulatePrincipalPolicy", source);
        var principal = CallerPrincipal.Parse(source);
        var exists = principal?.Kind switch
        {
            PrincipalKind.User => cloud.Iam.FindUser(principal.AccountId!, principal.Name!) is not null,
            PrincipalKind.Role => cloud.Iam.FindRoleByArn(source) is not null,
            _ => false,
        };
        if (principal is null || !exists || principal.AccountId != request.Caller.AccountId)
        {
            throw NoSuchEntity($"The user or role with ARN {source} cannot be found.");
        }

        var actions = parameters.GetMemberList("ActionNames");
        if (actions.Count == 0)
        {
            throw new AwsServiceException("ValidationError", "1 validation error detected: Value null at 'actionNames' failed to satisfy constraint: Member must not be null", 400);
        }

        var resources = parameters.GetMemberList("ResourceArns") is { Count: > 0 } given ? given : ["*"];
        var (inputs, policyTypes) = SimulationInputs(request, source, principal.AccountId!);
        var context = parameters.GetMemberStructureList("ContextEntries")
            .Where(entry => entry.GetString("ContextKeyName") is not null)
            .Select(entry => new KeyValuePair<string, string[]>(entry.GetString("ContextKeyName")!, [.. entry.GetMemberList("ContextKeyValues")]))
            .ToList();
        var orgId = cloud.Organization.OrganizationIdOf(principal.AccountId!);
        var orgPath = cloud.Organization.OrganizationPathOf(principal.AccountId!);

        var results = new XElement("EvaluationResults");
        foreach (var action in actions)
        {
            foreach (var resource in resources)
            {
                var evaluation = PolicyEvaluator.Evaluate(
                    PolicyRequest.Create(principal, action, resource, context, orgId, orgPath is null ? null : [orgPath]),
                    inputs);
                results.Add(new XElement(
                    "member",
                    new XElement("EvalActionName", action),
                    new XElement("EvalResourceName", resource),
                    new XElement("EvalDecision", evaluation.Decision switch
                    {
                        Decision.Allowed => "allowed",
                        Decision.ExplicitlyDenied => "explicitDeny",
                        _ => "implicitDeny",
                    }),
                    new XElement("MatchedStatements", evaluation.Statements.Select(statement => new XElement(
                        "member",
                        new XElement("SourcePolicyId", statement.Policy),
                        new XElement("SourcePolicyType", policyTypes.GetValueOrDefault(statement.Policy, "none"))))),
                    new XElement("MissingContextValues")));
            }
        }

        return OperationResponse.Xml(results, new XElement("IsTruncated", "false"));
    }

    /// <summary>The principal's inline and attached policies (by name), its boundary, and the caller's extra inputs.</summary>
    private (PolicyInputs Inputs, Dictionary<string, string> PolicyTypes) SimulationInputs(OperationRequest request, string source, string account)
    {
        var parameters = request.Parameters;
        var stored = cloud.Iam.GetPolicies(source);
        var principalType = source.Contains(":role/", StringComparison.Ordinal) ? "role" : "user";
        var types = new Dictionary<string, string>(StringComparer.Ordinal);
        var identity = ImmutableArray.CreateBuilder<CompiledPolicy>();

        void Add(string label, string document, string type)
        {
            var (policy, findings) = CompiledPolicy.Parse(document, label);
            if (policy is null || findings.Any(f => f.Severity == AmiShare.Policy.Severity.Error))
            {
                throw new AwsServiceException("MalformedPolicyDocument", $"The policy {label} is not valid: {string.Join("; ", findings.Select(f => f.Message))}", 400);
            }

            identity.Add(policy);
            types[label] = type;
        }

        foreach (var policy in stored.Inline)
        {
            Add(policy.Name, policy.Document, principalType);
        }

        foreach (var policy in stored.Attached)
        {
            Add(policy.Name, policy.Document, policy.Arn.StartsWith("arn:aws:iam::aws:", StringComparison.Ordinal) ? "aws-managed" : "user-managed");
        }

        var index = 0;
        foreach (var document in parameters.GetMemberList("PolicyInputList"))
        {
            Add($"PolicyInputList.{++index}", document, "user");
        }

        var boundaries = ImmutableArray<CompiledPolicy>.Empty;
        if (stored.PermissionsBoundary is { } boundary && CompiledPolicy.Parse(boundary.Document, boundary.Name).Policy is { } compiledBoundary)
        {
            boundaries = [compiledBoundary];
            types[boundary.Name] = "user-managed";
        }

        CompiledPolicy? resourcePolicy = null;
        if (parameters.GetString("ResourcePolicy") is { } resourceDocument)
        {
            resourcePolicy = CompiledPolicy.Parse(resourceDocument, "ResourcePolicy").Policy
                ?? throw new AwsServiceException("MalformedPolicyDocument", "The resource policy is not valid JSON policy.", 400);
            types["ResourcePolicy"] = "resource";
        }

        var inputs = new PolicyInputs
        {
            IdentityPolicies = identity.ToImmutable(),
            PermissionBoundaries = boundaries,
            ResourcePolicy = resourcePolicy,
            IdentityPoliciesOnly = resourcePolicy is null,
            ResourceAccount = parameters.GetString("ResourceOwner") is { } owner ? ArnParts.AccountOf(owner) ?? owner : null,
            ManagementAccountId = cloud.Organization.ManagementAccountId,
            PrincipalOrgId = cloud.Organization.OrganizationIdOf(account),
        };
        return (inputs, types);
    }
}
