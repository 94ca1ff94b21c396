using AmiShare.Core.KeyPolicies;
using AmiShare.Core.Model;
using AmiShare.Policy.Catalogue;
using AmiShare.Policy.Evaluation;

namespace AmiShare.Core.Doctor.Rules;

/// <summary>
/// With <c>--asg</c>: the target's Auto Scaling service-linked role must be able to use each source key of another
/// account through EC2. Its own policy gives it no KMS permissions, so across accounts only a grant naming it does.
/// </summary>
internal sealed class AsgGrantRule : IDoctorRule
{
    public string Id => DoctorRuleIds.AsgGrant;

    public IEnumerable<Requirement> Evaluate(DoctorScope scope)
    {
        var facts = scope.Facts;
        if (!facts.Options.Asg)
        {
            yield break;
        }

        var target = facts.Target.Account;
        var role = AwsServicePrincipals.AutoScalingServiceRole(target, facts.Image.Partition);
        var serviceRole = CallerPrincipal.Parse(role)!;
        foreach (var key in scope.UsableSourceKeys.Where(k => k.Account != target))
        {
            var name = $"Auto Scaling grant: {key.Arn}";
            if (!key.GrantsKnown)
            {
                yield return Requirement.Unknown(
                    Id,
                    name,
                    $"The grants of {key.Arn} could not be listed, so whether {role} has one is not known.",
                    $"rerun with source credentials that may call {KmsActions.ListGrants} on {key.Arn}");
                continue;
            }

            // A key-policy statement for the target account does not reach the service-linked role; a grant must.
            var results = Ec2KmsUse.SourceKeyActions
                .Select(action => (
                    Action: action,
                    Result: Ec2KeyUse.Evaluate(serviceRole, action, key.Arn, scope.KeyPolicy(key), key.Grants, [], [], null)))
                .ToList();
            var denied = results.Where(r => !r.Result.IsAllowed).ToList();
            var deciding = results.SelectMany(r => Ec2KeyUse.Labels(r.Result, key.Grants)).Distinct(StringComparer.Ordinal).ToList();
            if (denied.Count == 0)
            {
                yield return Requirement.Pass(Id, name, $"{role} may use {key.Arn} through EC2.", deciding);
                continue;
            }

            yield return Requirement.Fail(
                Id,
                name,
                $"No grant lets {role} use {key.Arn} ({string.Join(", ", denied.Select(d => d.Action))} denied: {denied[0].Result.Explanation}); "
                + "Auto Scaling launches would go from pending to terminated with Client.InvalidKMSKey.InvalidState.",
                Fix(scope, key, role),
                deciding);
        }
    }

    /// <summary>The create-grant command, preceded by the key-policy statement when the target may not create the grant yet.</summary>
    private static string Fix(DoctorScope scope, DoctorKey key, string role)
    {
        var facts = scope.Facts;
        var target = facts.Target.Account;
        var command = $"run in {target}: aws kms create-grant --region {key.Region} --key-id {key.Arn} --grantee-principal {role} "
            + $"--operations {string.Join(' ', Ec2KmsUse.AutoScalingGrantOperations)}";
        var targetRoot = Arns.AccountRoot(target, Arns.PartitionOf(key.Arn));
        var creator = CallerPrincipal.Parse(targetRoot)!;
        var policy = scope.KeyPolicy(key);
        var organization = facts.Target.Organization;
        var mayCreate = Ec2KeyUse.Evaluate(
            creator, KmsActions.CreateGrant, key.Arn, policy, key.Grants, [Ec2KeyUse.AllowAllKms], [], organization, viaEc2: false).IsAllowed;
        if (mayCreate)
        {
            return command;
        }

        // The statement `amishare share --asg` writes, so the printed fix and the share agree.
        var keyStatement = KeyPolicyBuilder.StatementsFor(key.Region, KeyAudience.Of(asgPrincipals: [targetRoot])).Single();
        var share = $"amishare share {facts.Image.Id} --with {target} --region {facts.Image.Region} --asg";
        return $"first add to the key policy of {key.Arn} (in {key.Account}), or run `{share}`:\n"
            + $"{keyStatement.ToJsonString(Ec2KeyUse.Indented)}\nthen {command}";
    }
}
