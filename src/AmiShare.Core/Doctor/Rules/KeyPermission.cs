using System.Collections.Immutable;
using AmiShare.Policy.Catalogue;
using AmiShare.Policy.Evaluation;

namespace AmiShare.Core.Doctor.Rules;

/// <summary>
/// One requirement per KMS action EC2 makes on one key for the principal, decided over key policy, grants, identity
/// policies and boundary together (<see cref="SourceKeyPermissionRule"/>, <see cref="DefaultEbsKeyRule"/>).
/// </summary>
internal static class KeyPermission
{
    /// <param name="destination">The key the new volumes are encrypted under, rather than the image's key.</param>
    /// <param name="keySideFix">The fix when the key policy lacks the principal, given whether the action is CreateGrant.</param>
    public static IEnumerable<Requirement> Check(
        DoctorScope scope,
        string rule,
        DoctorKey key,
        ImmutableArray<string> actions,
        bool destination,
        Func<bool, string> keySideFix)
    {
        var policy = scope.KeyPolicy(key);
        if (policy is null)
        {
            yield return Requirement.Unknown(
                rule,
                $"key policy of {key.Arn}",
                key.PolicyJson is null ? $"The key policy of {key.Arn} could not be read." : $"The key policy of {key.Arn} could not be parsed.",
                $"rerun with credentials of {key.Account} that may call {KmsActions.GetKeyPolicy} and {KmsActions.ListGrants} on {key.Arn}");
            yield break;
        }

        var principal = scope.PrincipalArn;
        var organization = scope.Facts.Target.Organization;
        foreach (var action in actions)
        {
            var name = $"{action} on {key.Arn}";
            var createGrant = action == KmsActions.CreateGrant;
            var identityStatement = Ec2KeyUse.IdentityStatement(key.Arn, createGrant, destination);
            var result = Ec2KeyUse.Evaluate(
                scope.Caller!, action, key.Arn, policy, key.GrantsOrEmpty, scope.Identity ?? [Ec2KeyUse.AllowAllKms], scope.Boundaries, organization);
            var deciding = Ec2KeyUse.Labels(result, key.Grants);
            if (result.IsAllowed)
            {
                yield return scope.Identity is not null
                    ? Requirement.Pass(rule, name, result.Explanation, deciding)
                    : Requirement.Unknown(
                        rule,
                        name,
                        $"The key side allows it ({string.Join(", ", deciding)}), "
                        + $"but the IAM policies of {principal} could not be read, and they must allow it too.",
                        $"{scope.ReadIamFix}; the statement they need:\n{identityStatement}",
                        deciding);
                continue;
            }

            if (result.Decision == Decision.ExplicitlyDenied)
            {
                var where = deciding.Any(d => d.StartsWith("key policy", StringComparison.Ordinal))
                    ? $"the key policy of {key.Arn}"
                    : $"the policies of {principal}";
                yield return Requirement.Fail(
                    rule,
                    name,
                    result.Explanation,
                    $"remove or narrow {string.Join(", ", deciding)} in {where} "
                    + $"so it no longer matches {action} through {Ec2KmsUse.ViaService(key.Region)}",
                    deciding);
                continue;
            }

            if (result.Missing == MissingRequirement.KeyPolicy && organization is null && AdmitsByOrganization(key.PolicyJson!))
            {
                yield return Requirement.Unknown(
                    rule,
                    name,
                    $"The key policy of {key.Arn} admits callers by organization or OU, "
                    + $"and the organization of {scope.Facts.Target.Account} is not known.",
                    "rerun with the target's credentials (organizations:DescribeOrganization) so its organization is known",
                    deciding);
                continue;
            }

            var fix = result.Missing switch
            {
                MissingRequirement.KeyPolicy => keySideFix(createGrant),
                MissingRequirement.PermissionBoundary =>
                    $"allow {action} on {key.Arn} in the permissions boundary {scope.Facts.Target.Identity?.PermissionsBoundary?.Name} "
                    + $"of {principal}:\n{identityStatement}",
                _ => destination
                    ? $"attach to {principal}:\n{identityStatement}"
                    : $"attach to {principal} (the {Iam.TargetIamPolicyBuilder.PolicyName} policy `amishare share` prints contains it):\n"
                        + identityStatement,
            };
            yield return Requirement.Fail(rule, name, result.Explanation, fix, deciding);
        }
    }

    private static bool AdmitsByOrganization(string policyJson) =>
        policyJson.Contains(ConditionKeys.AwsPrincipalOrgId, StringComparison.OrdinalIgnoreCase)
        || policyJson.Contains(ConditionKeys.AwsPrincipalOrgPaths, StringComparison.OrdinalIgnoreCase);
}
