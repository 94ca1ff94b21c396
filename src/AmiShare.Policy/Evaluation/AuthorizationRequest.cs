using AmiShare.Policy.Catalogue;
namespace AmiShare.Policy.Evaluation;

/// <summary>
/// One request to authorize: who, what action, on which resource, with which condition keys. Build it
/// with <see cref="Create"/>, which fills in the global keys AWS derives from the caller, once, so
/// evaluation itself does no allocation-heavy work.
/// </summary>
public sealed class AuthorizationRequest
{
    private AuthorizationRequest(CallerPrincipal principal, string action, string resource, RequestContext context)
    {
        Principal = principal;
        Action = action;
        Resource = resource;
        Context = context;
        var colon = action.IndexOf(':', StringComparison.Ordinal);
        ServicePrefix = colon < 0 ? string.Empty : action[..colon].ToLowerInvariant();
        OperationName = colon < 0 ? action : action[(colon + 1)..];
    }

    public CallerPrincipal Principal { get; }

    /// <summary>The action as <c>service:Operation</c>, e.g. <c>kms:Decrypt</c>.</summary>
    public string Action { get; }

    public string Resource { get; }

    public RequestContext Context { get; }

    /// <summary>The service part of the action, lower case (<c>kms</c>).</summary>
    public string ServicePrefix { get; }

    /// <summary>The operation part of the action (<c>Decrypt</c>), as KMS grants name operations.</summary>
    public string OperationName { get; }

    public static AuthorizationRequest Create(
        CallerPrincipal principal,
        string action,
        string resource,
        IEnumerable<KeyValuePair<string, string[]>>? context = null,
        string? principalOrgId = null,
        IReadOnlyList<string>? principalOrgPaths = null)
    {
        ArgumentNullException.ThrowIfNull(principal);
        ArgumentException.ThrowIfNullOrEmpty(action);
        ArgumentNullException.ThrowIfNull(resource);
        var values = new Dictionary<string, string[]>(StringComparer.OrdinalIgnoreCase);
        if (context is not null)
        {
            foreach (var (key, value) in context)
            {
                values[key] = value;
            }
        }

        void Fill(string key, string? value)
        {
            if (value is not null)
            {
                values.TryAdd(key, [value]);
            }
        }

        if (principal.Kind != PrincipalKind.Anonymous)
        {
            Fill("aws:PrincipalArn", principal.Kind == PrincipalKind.AssumedRole ? principal.RoleArn : principal.Arn);
            Fill("aws:PrincipalAccount", principal.AccountId);
            Fill("aws:PrincipalType", principal.PrincipalType);
            Fill("aws:PrincipalIsAWSService", principal.Kind == PrincipalKind.Service ? "true" : "false");
            if (principal.Kind == PrincipalKind.Service)
            {
                Fill("aws:PrincipalServiceName", principal.Name);
            }

            if (principal.Kind == PrincipalKind.User)
            {
                Fill("aws:username", principal.Name);
            }

            if (principal.Kind is PrincipalKind.Root)
            {
                Fill("aws:userid", principal.AccountId);
            }

            Fill("aws:PrincipalOrgID", principalOrgId);
            if (principalOrgPaths is { Count: > 0 })
            {
                values.TryAdd("aws:PrincipalOrgPaths", [.. principalOrgPaths]);
            }
        }

        var request = new AuthorizationRequest(principal, action, resource, RequestContext.Empty);
        if (request.ServicePrefix == "kms" && principal.AccountId is not null)
        {
            Fill(ConditionKeys.KmsCallerAccount, principal.AccountId);
        }

        return new AuthorizationRequest(principal, action, resource, new RequestContext(values));
    }
}
