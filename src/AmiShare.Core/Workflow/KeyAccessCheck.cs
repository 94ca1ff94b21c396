using System.Collections.Immutable;
using AmiShare.Core.KeyPolicies;
using AmiShare.Core.Model;
using AmiShare.Policy.Catalogue;
using AmiShare.Policy.Evaluation;
using AmiShare.Policy.Model;

namespace AmiShare.Core.Workflow;

/// <param name="Who">The audience entry checked: a principal ARN, an organization id or an OU path.</param>
/// <param name="Expected">True when the entry should be admitted (after a share), false after an unshare.</param>
public sealed record KeyAccessFinding(string KeyArn, string Who, string Action, bool Allowed, bool Expected, string Explanation)
{
    public bool Passed => Allowed == Expected;
}

/// <summary>
/// Evaluates the key-policy side of a target's KMS use through EC2 with the policy engine: the identity side is
/// taken as allowing everything, so the decision is the key policy's alone. Pure: the policy text comes in.
/// </summary>
public static class KeyAccessCheck
{
    private const string CheckAccountOutsideAnyOrg = "000000000000";

    private static readonly CompiledPolicy AllowAllKms = CompiledPolicy.Parse(
        PolicyWriter.Write(new AuthoredPolicy([new AuthoredStatement(Effect.Allow, PolicyValues.One(KmsActions.All), PolicyValues.One("*"))])),
        "identity (assumed to allow)").Policy!;

    /// <param name="principalOrganization">The organization id and one OU path of the named principals, when known.</param>
    /// <param name="tree">
    /// The organization tree, when discovery read it: each principal's account is then evaluated with its own org id and
    /// path, so an account a fold admits through <c>aws:PrincipalOrgPaths</c> is checked as KMS will see it.
    /// </param>
    public static IEnumerable<KeyAccessFinding> Check(string keyPolicy, string keyArn, string sourceAccount, KeyAudience audience, bool expected, (string OrgId, string OrgPath)? principalOrganization = null, OrganizationFacts? tree = null)
    {
        ArgumentNullException.ThrowIfNull(audience);
        var (resource, _) = CompiledPolicy.Parse(keyPolicy, "key policy");
        var region = Arns.RegionOf(keyArn);
        foreach (var principal in audience.Principals)
        {
            var account = Arns.AccountOf(principal);
            var caller = principal.EndsWith(":root", StringComparison.Ordinal)
                ? $"arn:aws:sts::{account}:assumed-role/AmiShareCheck/check"
                : principal.Replace(":iam::", ":sts::", StringComparison.Ordinal).Replace(":role/", ":assumed-role/", StringComparison.Ordinal) + "/check";
            (string OrgId, string OrgPath)? known = tree?.AccountPaths is { } paths && paths.TryGetValue(account, out var path)
                ? (tree.OrganizationId, path)
                : principalOrganization;
            foreach (var finding in Evaluate(resource, keyArn, sourceAccount, region, principal, caller, known?.OrgId, known?.OrgPath, expected))
            {
                yield return finding;
            }
        }

        foreach (var organization in audience.OrganizationIds)
        {
            var caller = $"arn:aws:sts::{CheckAccountOutsideAnyOrg}:assumed-role/AmiShareCheck/check";
            foreach (var finding in Evaluate(resource, keyArn, sourceAccount, region, organization, caller, organization, $"{organization}/r-0000/", expected))
            {
                yield return finding;
            }
        }

        foreach (var path in audience.OrgPaths)
        {
            // A pattern such as o-x/*/ou-y/* stands for any account below that OU.
            var concrete = path.Replace("/*/", "/r-0000/", StringComparison.Ordinal).TrimEnd('*');
            var organization = concrete.Split('/')[0];
            var caller = $"arn:aws:sts::{CheckAccountOutsideAnyOrg}:assumed-role/AmiShareCheck/check";
            foreach (var finding in Evaluate(resource, keyArn, sourceAccount, region, path, caller, organization, concrete, expected))
            {
                yield return finding;
            }
        }
    }

    private static IEnumerable<KeyAccessFinding> Evaluate(CompiledPolicy? resource, string keyArn, string sourceAccount, string region, string who, string callerArn, string? org, string? path, bool expected)
    {
        var caller = CallerPrincipal.Parse(callerArn);
        if (resource is null || caller is null)
        {
            yield return new KeyAccessFinding(keyArn, who, KmsActions.All, false, expected, resource is null ? "The key policy could not be parsed." : $"{who} is not a principal the engine can evaluate.");
            yield break;
        }

        foreach (var action in Ec2KmsUse.SourceKeyActions)
        {
            var context = Ec2KmsUse.RequestContext(action, region, caller.AccountId);
            var request = AuthorizationRequest.Create(caller, action, keyArn, context, org, path is null ? null : [path]);
            var result = PolicyEvaluator.Evaluate(request, new PolicyInputs
            {
                IdentityPolicies = [AllowAllKms],
                ResourcePolicy = resource,
                ResourcePolicyIsRequired = true,
                ResourceAccount = sourceAccount,
                PrincipalOrgId = org,
                PrincipalOrgPaths = path is null ? [] : [path],
            });
            yield return new KeyAccessFinding(keyArn, who, action, result.IsAllowed, expected, result.Explanation);
        }
    }
}
