using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;
using AmiShare.Policy.Evaluation;
using AmiShare.Policy.Kms;
using AmiShare.Policy.Parsing;
using AmiShare.Policy.Sharing;

namespace AmiShare.Policy.Cases;

/// <summary>
/// One case of <c>amishare policy eval</c> (schema in docs/policy-eval.md): a request and everything
/// that can allow or deny it. <see cref="Raw"/> keeps the case's JSON so test vectors can read extra
/// members such as <c>expected</c>.
/// </summary>
public sealed record EvaluationCase(string Name, AuthorizationRequest Request, PolicyInputs Inputs, JsonElement Raw)
{
    public EvaluationResult Evaluate() => PolicyEvaluator.Evaluate(Request, Inputs);
}

/// <summary>A case as read: either <see cref="Case"/> or the findings that say why it could not be read.</summary>
public sealed record EvaluationCaseReadResult(string Name, EvaluationCase? Case, ImmutableArray<Finding> Findings);

/// <summary>Reads the case schema. Bad input (JSON, shape, policies) becomes findings, never exceptions.</summary>
public static partial class EvaluationCaseReader
{
    private static readonly ImmutableHashSet<string> KnownMembers = ImmutableHashSet.Create(
        StringComparer.Ordinal,
        "name", "description", "source", "request", "identityPolicies", "resourcePolicy", "permissionBoundaries",
        "sessionPolicy", "managedSessionPolicies", "serviceControlPolicies", "managementAccountId", "grants", "launchPermissions",
        "createVolumePermissions", "resourceAccount", "expected", "resourceControlPolicies");

    private static readonly ImmutableHashSet<string> KnownRequestMembers = ImmutableHashSet.Create(
        StringComparer.Ordinal,
        "principal", "action", "resource", "context", "principalAccount", "principalOrgId", "principalOrgPaths");

    /// <summary>Reads one case (an object) or many (an array).</summary>
    public static ImmutableArray<EvaluationCaseReadResult> Read(string json)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 64 });
        }
        catch (JsonException ex)
        {
            return [Failure("input", "JsonSyntax", "$", "The input is not valid JSON: " + ex.Message)];
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Object)
            {
                return [ReadCase(root, 0)];
            }

            if (root.ValueKind != JsonValueKind.Array)
            {
                return [Failure("input", "InvalidInput", "$", "The input must be a case object or an array of cases.")];
            }

            var results = ImmutableArray.CreateBuilder<EvaluationCaseReadResult>();
            var index = 0;
            foreach (var item in root.EnumerateArray())
            {
                results.Add(ReadCase(item, index++));
            }

            return results.ToImmutable();
        }
    }

    private static EvaluationCaseReadResult ReadCase(JsonElement element, int index)
    {
        var fallbackName = "case[" + index.ToString(CultureInfo.InvariantCulture) + "]";
        if (element.ValueKind != JsonValueKind.Object)
        {
            return Failure(fallbackName, "InvalidCase", fallbackName, "A case must be a JSON object.");
        }

        var name = element.TryGetProperty("name", out var nameElement) && nameElement.ValueKind == JsonValueKind.String
            ? nameElement.GetString()!
            : fallbackName;
        var findings = ImmutableArray.CreateBuilder<Finding>();
        foreach (var property in element.EnumerateObject())
        {
            if (!KnownMembers.Contains(property.Name))
            {
                findings.Add(Finding.Error("UnknownMember", property.Name, $"'{property.Name}' is not a case member; see docs/policy-eval.md."));
            }
        }

        var request = ReadRequest(element, findings, out var orgId, out var orgPaths);
        var inputs = new PolicyInputs
        {
            IdentityPolicies = ReadPolicyList(element, "identityPolicies", "identity", findings),
            ResourcePolicy = ReadPolicy(element, "resourcePolicy", "resource", findings),
            PermissionBoundaries = ReadPolicyList(element, "permissionBoundaries", "boundary", findings),
            SessionPolicy = ReadPolicy(element, "sessionPolicy", "session", findings),
            ManagedSessionPolicies = ReadPolicyList(element, "managedSessionPolicies", "session-managed", findings),
            ServiceControlPolicies = ReadScpLevels(element, findings),
            ManagementAccountId = ReadString(element, "managementAccountId", findings),
            ResourceControlPolicies = ReadPolicyList(element, "resourceControlPolicies", "rcp", findings),
            Grants = ReadGrants(element, findings),
            LaunchPermissions = ReadSharing(element, "launchPermissions", findings),
            CreateVolumePermissions = ReadSharing(element, "createVolumePermissions", findings),
            ResourceAccount = ReadString(element, "resourceAccount", findings),
            PrincipalOrgId = orgId,
            PrincipalOrgPaths = orgPaths,
        };

        var findingList = findings.ToImmutable();
        var hasErrors = findingList.Any(f => f.Severity == Severity.Error);
        return new EvaluationCaseReadResult(
            name,
            request is null || hasErrors ? null : new EvaluationCase(name, request, inputs, element.Clone()),
            findingList);
    }

    private static AuthorizationRequest? ReadRequest(
        JsonElement element,
        ImmutableArray<Finding>.Builder findings,
        out string? orgId,
        out ImmutableArray<string> orgPaths)
    {
        orgId = null;
        orgPaths = [];
        if (!element.TryGetProperty("request", out var request) || request.ValueKind != JsonValueKind.Object)
        {
            findings.Add(Finding.Error("MissingRequest", "request", "Each case needs a \"request\" object with principal, action and resource."));
            return null;
        }

        foreach (var property in request.EnumerateObject())
        {
            if (!KnownRequestMembers.Contains(property.Name))
            {
                findings.Add(Finding.Error("UnknownMember", "request." + property.Name, $"'{property.Name}' is not a request member; see docs/policy-eval.md."));
            }
        }

        var principalText = ReadString(request, "principal", findings);
        var action = ReadString(request, "action", findings);
        var resource = ReadString(request, "resource", findings);
        orgId = ReadString(request, "principalOrgId", findings);
        orgPaths = ReadStrings(request, "principalOrgPaths", findings);
        if (principalText is null || action is null || resource is null)
        {
            findings.Add(Finding.Error("IncompleteRequest", "request", "request needs \"principal\", \"action\" and \"resource\" strings."));
            return null;
        }

        if (CallerPrincipal.Parse(principalText) is not { } principal)
        {
            findings.Add(Finding.Error(
                "InvalidPrincipal",
                "request.principal",
                $"'{principalText}' is not a caller: use a user, role, assumed-role or root ARN, a service principal such as ec2.amazonaws.com, or \"anonymous\"."));
            return null;
        }

        if (ReadString(request, "principalAccount", findings) is { } account)
        {
            principal = principal with { AccountId = account };
        }

        var context = new List<KeyValuePair<string, string[]>>();
        if (request.TryGetProperty("context", out var contextElement))
        {
            if (contextElement.ValueKind != JsonValueKind.Object)
            {
                findings.Add(Finding.Error("InvalidContext", "request.context", "context must map condition keys to a value or an array of values."));
            }
            else
            {
                foreach (var key in contextElement.EnumerateObject())
                {
                    if (ContextValues(key.Value) is { } values)
                    {
                        context.Add(new(key.Name, values));
                    }
                    else
                    {
                        findings.Add(Finding.Error("InvalidContext", "request.context." + key.Name, "A context value must be a string, number, boolean or an array of them."));
                    }
                }
            }
        }

        return AuthorizationRequest.Create(principal, action, resource, context, orgId, orgPaths);
    }

    private static string[]? ContextValues(JsonElement value)
    {
        if (value.ValueKind == JsonValueKind.Array)
        {
            var list = new List<string>();
            foreach (var item in value.EnumerateArray())
            {
                if (Scalar(item) is not { } text)
                {
                    return null;
                }

                list.Add(text);
            }

            return [.. list];
        }

        return Scalar(value) is { } single ? [single] : null;
    }

    private static string? Scalar(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString(),
        JsonValueKind.Number => value.GetRawText(),
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        _ => null,
    };

    private static CompiledPolicy? ReadPolicy(JsonElement parent, string member, string label, ImmutableArray<Finding>.Builder findings)
    {
        if (!parent.TryGetProperty(member, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return CompilePolicy(element, label, findings);
    }

    private static CompiledPolicy? CompilePolicy(JsonElement element, string label, ImmutableArray<Finding>.Builder findings)
    {
        if (element.ValueKind is not (JsonValueKind.Object or JsonValueKind.String))
        {
            findings.Add(Finding.Error("InvalidPolicy", label, "A policy must be a JSON object or a string holding policy JSON."));
            return null;
        }

        var parsed = PolicyParser.Parse(element);
        foreach (var finding in parsed.Findings)
        {
            findings.Add(finding with { Location = label + ": " + finding.Location });
        }

        return parsed.Document is null || parsed.HasErrors ? null : CompiledPolicy.Compile(parsed.Document, label);
    }

    private static ImmutableArray<CompiledPolicy> ReadPolicyList(JsonElement parent, string member, string kind, ImmutableArray<Finding>.Builder findings)
    {
        if (!parent.TryGetProperty(member, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return [];
        }

        if (element.ValueKind != JsonValueKind.Array)
        {
            findings.Add(Finding.Error("InvalidPolicyList", member, $"{member} must be an array of policies."));
            return [];
        }

        var policies = ImmutableArray.CreateBuilder<CompiledPolicy>();
        var index = 0;
        foreach (var item in element.EnumerateArray())
        {
            if (CompilePolicy(item, PolicyEvaluator.Indexed(kind, index), findings) is { } policy)
            {
                policies.Add(policy);
            }

            index++;
        }

        return policies.ToImmutable();
    }

    private static ImmutableArray<ImmutableArray<CompiledPolicy>> ReadScpLevels(JsonElement parent, ImmutableArray<Finding>.Builder findings)
    {
        if (!parent.TryGetProperty("serviceControlPolicies", out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return [];
        }

        if (element.ValueKind != JsonValueKind.Array)
        {
            findings.Add(Finding.Error("InvalidPolicyList", "serviceControlPolicies", "serviceControlPolicies must be an array of levels, each an array of policies."));
            return [];
        }

        var levels = ImmutableArray.CreateBuilder<ImmutableArray<CompiledPolicy>>();
        var level = 0;
        foreach (var levelElement in element.EnumerateArray())
        {
            var levelLabel = PolicyEvaluator.Indexed("scp", level);
            if (levelElement.ValueKind != JsonValueKind.Array)
            {
                findings.Add(Finding.Error("InvalidPolicyList", levelLabel, "Each SCP level must be an array of policies."));
                level++;
                continue;
            }

            var policies = ImmutableArray.CreateBuilder<CompiledPolicy>();
            var index = 0;
            foreach (var item in levelElement.EnumerateArray())
            {
                if (CompilePolicy(item, PolicyEvaluator.Indexed(levelLabel, index), findings) is { } policy)
                {
                    policies.Add(policy);
                }

                index++;
            }

            levels.Add(policies.ToImmutable());
            level++;
        }

        return levels.ToImmutable();
    }

    private static string? ReadString(JsonElement parent, string member, ImmutableArray<Finding>.Builder findings)
    {
        if (!parent.TryGetProperty(member, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (element.ValueKind == JsonValueKind.String)
        {
            return element.GetString();
        }

        findings.Add(Finding.Error("InvalidValue", member, $"'{member}' must be a string."));
        return null;
    }

    private static ImmutableArray<string> ReadStrings(JsonElement parent, string member, ImmutableArray<Finding>.Builder findings)
    {
        if (!parent.TryGetProperty(member, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return [];
        }

        if (element.ValueKind == JsonValueKind.String)
        {
            return [element.GetString()!];
        }

        if (element.ValueKind == JsonValueKind.Array && element.EnumerateArray().All(e => e.ValueKind == JsonValueKind.String))
        {
            return [.. element.EnumerateArray().Select(e => e.GetString()!)];
        }

        findings.Add(Finding.Error("InvalidValue", member, $"'{member}' must be a string or an array of strings."));
        return [];
    }

    private static EvaluationCaseReadResult Failure(string name, string code, string location, string message) =>
        new(name, null, [Finding.Error(code, location, message)]);
}
