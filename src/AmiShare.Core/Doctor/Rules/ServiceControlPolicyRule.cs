using System.Collections.Immutable;
using AmiShare.Core.Ports;
using AmiShare.Policy.Catalogue;
using AmiShare.Policy.Evaluation;

namespace AmiShare.Core.Doctor.Rules;

/// <summary>
/// An SCP of the organization must not deny the two calls a share stands on: <c>ec2:ModifyImageAttribute</c> by the
/// principal that shares (in the owner's account), and <c>kms:CreateGrant</c> through EC2 by the launching principal
/// on each source key (in the target's account). AWS's data-perimeter sample SCPs deny exactly these for resource
/// sharing outside the organization. The SCPs (docs/aws-facts.md §11) are evaluated by the policy engine with an
/// identity side that allows everything, so the decision and the deciding statement are the SCPs' alone. Silent when
/// the SCPs could not be read: only the management account or a delegated administrator may read them.
/// </summary>
internal sealed class ServiceControlPolicyRule : IDoctorRule
{
    private static readonly CompiledPolicy AllowEverything = CompiledPolicy.Parse(
        """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}""",
        Ec2KeyUse.AssumedIdentityLabel).Policy!;

    public string Id => DoctorRuleIds.ServiceControlPolicy;

    public IEnumerable<Requirement> Evaluate(DoctorScope scope)
    {
        if (scope.Facts.ServiceControlPolicies is not { } scps)
        {
            yield break;
        }

        var image = scope.Facts.Image;
        if (scps is { SharerArn: { } sharerArn, Sharer: { } sharer } && CallerPrincipal.Parse(sharerArn) is { } sharing)
        {
            var request = AuthorizationRequest.Create(sharing, Ec2Actions.ModifyImageAttribute, image.Arn, IdentityPermission.ImageContext(image));
            yield return Decide(sharer, request, sharerArn, $"SCPs allow {Ec2Actions.ModifyImageAttribute} on {image.Id} for {sharerArn}", "share the image");
        }

        if (scps.Launcher is { } launcher && scope.Caller is { } caller)
        {
            foreach (var key in scope.UsableSourceKeys.Where(k => k.Account != scope.Facts.Target.Account))
            {
                var context = Ec2KmsUse.RequestContext(KmsActions.CreateGrant, key.Region, caller.AccountId);
                var request = AuthorizationRequest.Create(caller, KmsActions.CreateGrant, key.Arn, context);
                yield return Decide(launcher, request, scope.PrincipalArn, $"SCPs allow {KmsActions.CreateGrant} on {key.Arn} for {scope.PrincipalArn}", $"launch {image.Id} (EC2 creates a grant on the key for the volume)");
            }
        }
    }

    private Requirement Decide(AccountServiceControlPolicies scps, AuthorizationRequest request, string principal, string name, string purpose)
    {
        if (scps.IsManagementAccount || scps.Levels.IsDefaultOrEmpty)
        {
            var why = scps.IsManagementAccount
                ? $"{scps.AccountId} is the organization's management account, which SCPs never limit."
                : $"{scps.AccountId} is not under any SCP.";
            return Requirement.Pass(Id, name, why);
        }

        var levels = Compile(scps);
        var result = PolicyEvaluator.Evaluate(request, Inputs(levels, scps));
        var deciding = Ec2KeyUse.Labels(result);
        if (result.IsAllowed)
        {
            return Requirement.Pass(Id, name, $"Every SCP level over {scps.AccountId} ({string.Join(" > ", scps.Levels.Select(l => l.TargetId))}) allows {request.Action} and none denies it.", deciding);
        }

        if (result.Decision == Decision.ExplicitlyDenied)
        {
            var denying = DenyingPolicies(scps, deciding);
            return Requirement.Fail(
                Id,
                name,
                $"The SCP statement {string.Join(", ", deciding)} denies {request.Action} for {principal}, so it cannot {purpose}: "
                + $"an SCP limits every principal of {scps.AccountId}, its root included, whatever IAM and the key policy allow.",
                $"an administrator of the management account must exempt {principal} from that statement (its condition, e.g. an exception tag on the principal, or a narrower Resource) "
                + $"with aws organizations update-policy --policy-id {string.Join(" / ", denying.Select(p => p.Id))}, or the share must run from an account the statement does not cover",
                deciding);
        }

        var gap = scps.Levels[FirstGap(levels, scps, request)];
        return Requirement.Fail(
            Id,
            name,
            $"No SCP attached to {gap.TargetId} ({string.Join(", ", gap.Policies.Select(p => $"{p.Name} ({p.Id})"))}) allows {request.Action}, so {principal} cannot {purpose}: "
            + "an action must be allowed at every level from the root down to the account.",
            $"from the management account, attach an SCP that allows {request.Action} to {gap.TargetId} (aws organizations attach-policy --target-id {gap.TargetId} --policy-id POLICY), or add the action to one already attached there",
            deciding);
    }

    /// <summary>Each level's SCPs compiled, labelled <c>SCP NAME (p-id)</c> so the deciding statement reads <c>SCP NAME (p-id):Sid</c>.</summary>
    private static ImmutableArray<ImmutableArray<CompiledPolicy>> Compile(AccountServiceControlPolicies scps) =>
        [.. scps.Levels.Select(level => level.Policies
            .Select(p => CompiledPolicy.Parse(p.Content, Label(p)).Policy)
            .OfType<CompiledPolicy>()
            .ToImmutableArray())];

    private static PolicyInputs Inputs(ImmutableArray<ImmutableArray<CompiledPolicy>> levels, AccountServiceControlPolicies scps) => new()
    {
        IdentityPolicies = [AllowEverything],
        IdentityPoliciesOnly = true,
        ServiceControlPolicies = levels,
        ManagementAccountId = scps.ManagementAccountId,
    };

    /// <summary>The first level, root first, that on its own allows no such action.</summary>
    private static int FirstGap(ImmutableArray<ImmutableArray<CompiledPolicy>> levels, AccountServiceControlPolicies scps, AuthorizationRequest request)
    {
        for (var i = 0; i < levels.Length; i++)
        {
            if (PolicyEvaluator.Evaluate(request, Inputs([levels[i]], scps)).Missing == MissingRequirement.ServiceControlPolicy)
            {
                return i;
            }
        }

        return levels.Length - 1;
    }

    private static IEnumerable<OrganizationPolicy> DenyingPolicies(AccountServiceControlPolicies scps, ImmutableArray<string> deciding) =>
        scps.Levels.SelectMany(l => l.Policies).DistinctBy(p => p.Id).Where(p => deciding.Any(d => d.StartsWith(Label(p) + ":", StringComparison.Ordinal)));

    private static string Label(OrganizationPolicy policy) => $"SCP {policy.Name} ({policy.Id})";
}
