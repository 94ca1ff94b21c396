using System.Collections.Frozen;
using System.Collections.Immutable;
using AmiShare.Policy.Evaluation;
using AmiShare.Policy.Catalogue;

namespace AmiShare.Policy.Kms;

/// <summary>Grant constraints on the encryption context: keys compare case-insensitively, values exactly.</summary>
public sealed record GrantConstraints(
    ImmutableDictionary<string, string>? EncryptionContextEquals,
    ImmutableDictionary<string, string>? EncryptionContextSubset);

/// <summary>A KMS grant as ListGrants returns it. Grants only allow; operations are an explicit list.</summary>
public sealed record KmsGrant(
    string GranteePrincipal,
    ImmutableArray<string> Operations,
    GrantConstraints? Constraints = null,
    string? RetiringPrincipal = null,
    string? KeyId = null,
    string? GrantId = null,
    string? Name = null)
{
    /// <summary>
    /// Constraints apply only to operations that take an encryption context (and to CreateGrant, whose
    /// child grants must be as strict); KMS does not apply them to DescribeKey, RetireGrant and the like.
    /// </summary>
    private static FrozenSet<string> ConstrainedOperations => KmsActions.ContextConstrainedOperations;

    /// <summary>
    /// How this grant covers the request: its grantee is the caller (or the caller's role, or the
    /// caller's account, which delegates to IAM), the operation is listed, the key is this one, and the
    /// constraints hold. The retiring principal may always retire the grant.
    /// </summary>
    public PrincipalMatch Covers(AuthorizationRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.ServicePrefix != "kms" || !AppliesToKey(request.Resource))
        {
            return PrincipalMatch.None;
        }

        if (request.OperationName == "RetireGrant" && RetiringPrincipal is not null)
        {
            var retiring = MatchPrincipal(RetiringPrincipal, request.Principal);
            if (retiring != PrincipalMatch.None)
            {
                return retiring;
            }
        }

        if (!Operations.Contains(request.OperationName, StringComparer.Ordinal))
        {
            return PrincipalMatch.None;
        }

        var grantee = MatchPrincipal(GranteePrincipal, request.Principal);
        if (grantee == PrincipalMatch.None
            || (ConstrainedOperations.Contains(request.OperationName) && !ConstraintsHold(request.Context))
            || !ChildOperationsAllowed(request.Context))
        {
            return PrincipalMatch.None;
        }

        return grantee;
    }

    private bool AppliesToKey(string resource)
    {
        if (string.IsNullOrEmpty(KeyId))
        {
            return true;
        }

        // KeyId may be the key ARN or the bare key id; the resource is the key ARN.
        return string.Equals(KeyId, resource, StringComparison.Ordinal)
               || resource.EndsWith(":key/" + KeyId, StringComparison.Ordinal);
    }

    /// <summary>A grant obtained CreateGrant permits only child grants for a subset of its operations.</summary>
    private bool ChildOperationsAllowed(RequestContext context)
    {
        if (!context.TryGet(ConditionKeys.KmsGrantOperations, out var requested))
        {
            return true;
        }

        foreach (var operation in requested)
        {
            if (!Operations.Contains(operation, StringComparer.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    private bool ConstraintsHold(RequestContext context)
    {
        if (Constraints is null || (Constraints.EncryptionContextEquals is null && Constraints.EncryptionContextSubset is null))
        {
            return true;
        }

        var requestContext = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, values) in context.Entries)
        {
            if (key.StartsWith(ConditionKeys.KmsEncryptionContextPrefix, StringComparison.OrdinalIgnoreCase) && values.Length == 1)
            {
                requestContext[key[ConditionKeys.KmsEncryptionContextPrefix.Length..]] = values[0];
            }
        }

        if (Constraints.EncryptionContextEquals is { } equals)
        {
            if (equals.Count != requestContext.Count || !IsSubset(equals, requestContext))
            {
                return false;
            }
        }

        return Constraints.EncryptionContextSubset is not { } subset || IsSubset(subset, requestContext);
    }

    private static bool IsSubset(ImmutableDictionary<string, string> required, Dictionary<string, string> actual)
    {
        foreach (var (key, value) in required)
        {
            if (!actual.TryGetValue(key, out var found) || !string.Equals(found, value, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    private static PrincipalMatch MatchPrincipal(string granteeArn, CallerPrincipal caller)
    {
        if (CallerPrincipal.Parse(granteeArn) is not { } grantee)
        {
            return PrincipalMatch.None;
        }

        return grantee.Kind switch
        {
            PrincipalKind.Root when grantee.AccountId == caller.AccountId && caller.Kind is not (PrincipalKind.Service or PrincipalKind.Anonymous)
                => caller.Kind == PrincipalKind.Root ? PrincipalMatch.Exact : PrincipalMatch.Account,
            PrincipalKind.Role when caller.Kind is PrincipalKind.Role or PrincipalKind.AssumedRole
                                    && caller.AccountId == grantee.AccountId && caller.Name == grantee.Name
                => PrincipalMatch.Role,
            PrincipalKind.Service when string.Equals(grantee.Arn, caller.Arn, StringComparison.OrdinalIgnoreCase) => PrincipalMatch.Exact,
            _ => string.Equals(grantee.Arn, caller.Arn, StringComparison.Ordinal) ? PrincipalMatch.Exact : PrincipalMatch.None,
        };
    }
}
