using System.Collections.Frozen;
using AmiShare.Policy.Catalogue;
using AmiShare.Policy.Model;

namespace AmiShare.Policy.Evaluation;

/// <summary>The rules that come from outside the policies themselves: AWS-owned resources, SCPs and RCPs.</summary>
public static partial class PolicyEvaluator
{
    /// <summary>
    /// The services whose resources RCPs restrict (Organizations User Guide, "List of AWS services that support RCPs"),
    /// by action prefix.
    /// </summary>
    public static readonly FrozenSet<string> ResourceControlPolicyServices = new[]
    {
        "s3", "sts", "sqs", "secretsmanager", "kms", "cognito-identity", "logs", "dynamodb", "ecr", "aoss",
    }.ToFrozenSet(StringComparer.Ordinal);

    private static readonly FrozenSet<string> AliasChanges =
        new[] { KmsActions.CreateAlias, KmsActions.UpdateAlias, KmsActions.DeleteAlias }.ToFrozenSet(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// AWS managed policies and <c>alias/aws/</c> aliases belong to AWS: "You cannot change the permissions defined
    /// in AWS managed policies" (IAM User Guide, "AWS managed policies"); "The alias/aws/ prefix is reserved for AWS
    /// managed keys" and customers "cannot manage aliases for AWS managed keys" (KMS Developer Guide, "Create aliases").
    /// </summary>
    private static bool ChangesAwsManagedResource(AuthorizationRequest request)
    {
        // The action decides first, so the hot path (every other action) costs a set lookup and no allocation.
        if (IamActions.ManagedPolicyChanges.Contains(request.Action))
        {
            return request.Resource.StartsWith("arn:", StringComparison.Ordinal)
                && request.Resource.Split(':', 6) is [_, _, "iam", _, "aws", var policy] && policy.StartsWith("policy/", StringComparison.Ordinal);
        }

        return AliasChanges.Contains(request.Action)
            && request.Resource.Split(':', 6) is ["arn", _, "kms", _, _, var alias] && alias.StartsWith("alias/aws/", StringComparison.Ordinal);
    }

    private static bool ScpsApply(CallerPrincipal caller, PolicyInputs inputs) =>
        !inputs.ServiceControlPolicies.IsDefaultOrEmpty
        && caller.AccountId is not null
        && caller.Kind is not (PrincipalKind.Service or PrincipalKind.Anonymous)
        && !string.Equals(caller.AccountId, inputs.ManagementAccountId, StringComparison.Ordinal)
        && !caller.IsServiceLinkedRole;

    /// <summary>
    /// Organizations User Guide, "Resource control policies": RCPs restrict the resources of member accounts (not the
    /// management account's), for the services listed in <see cref="ResourceControlPolicyServices"/>, whoever calls
    /// (other accounts and AWS service principals included) except service-linked roles; not AWS managed KMS keys.
    /// </summary>
    private static bool RcpsApply(AuthorizationRequest request, PolicyInputs inputs)
    {
        if (inputs.ResourceControlPolicies.IsDefaultOrEmpty || inputs.ResourceIsAwsManaged
            || request.Principal.IsServiceLinkedRole || !ResourceControlPolicyServices.Contains(request.ServicePrefix))
        {
            return false;
        }

        var resourceAccount = inputs.ResourceAccount ?? AccountOfArn(request.Resource);
        return !string.Equals(resourceAccount, inputs.ManagementAccountId, StringComparison.Ordinal)

            // "The kms:RetireGrant permission is not effective in an RCP, even if the Action element uses a wildcard."
            && !string.Equals(request.Action, KmsActions.RetireGrant, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>An RCP statement names its principal (always <c>*</c>) as a resource policy does; only its Deny statements count.</summary>
    private static void ScanResourceControlPolicy(CompiledPolicy policy, AuthorizationRequest request, ref List<StatementRef>? denies)
    {
        foreach (var statement in policy.CandidatesFor(request.Action))
        {
            if (statement.Effect == Effect.Deny && statement.MatchPrincipal(request.Principal) != PrincipalMatch.None
                && statement.MatchesResourceAndConditions(request))
            {
                (denies ??= []).Add(statement.Ref);
            }
        }
    }
}
