using System.Collections.Immutable;
using AmiShare.Core.Iam;
using AmiShare.Core.KeyPolicies;
using AmiShare.Core.Planning;
using AmiShare.Policy.Evaluation;
using static AmiShare.Core.Tests.Fixtures;

namespace AmiShare.Core.Tests;

/// <summary>
/// The engine check the brief asks for: with the key policy AmiShare writes and the IAM policy it emits, a
/// target role can use the key through EC2, and nobody it was not shared with can.
/// </summary>
public sealed class SelfCheckTests
{
    private static readonly KeyValuePair<string, string[]>[] ViaEc2 = [new("kms:ViaService", ["ec2.us-east-1.amazonaws.com"])];

    /// <summary>Request, caller account, caller's org facts, whether Decrypt via EC2 must be allowed.</summary>
    public static TheoryData<string, string, string, string?, string?, bool> Cases => new()
    {
        { "account target", TargetA, TargetA, null, null, true },
        { "account not targeted", TargetA, Outsider, null, null, false },
        { "org target, member", OrgArn, TargetB, OrgId, $"{OrgId}/r-ab12/ou-ab12-99999999/", true },
        { "org target, other org", OrgArn, Outsider, "o-zzzzzzzzzz", "o-zzzzzzzzzz/r-zz99/", false },
        { "ou target, inside ou", OuArn, TargetA, OrgId, $"{OrgId}/r-ab12/{OuId}/ou-ab12-22222222/", true },
        { "ou target, elsewhere in org", OuArn, TargetB, OrgId, $"{OrgId}/r-ab12/ou-ab12-99999999/", false },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Plan_EmittedPolicies_AllowTargetAndDenyOthers(string name, string target, string caller, string? callerOrg, string? callerPath, bool allowed)
    {
        var plan = SharePlanner.Plan(Share("ami-cmk", target), State());
        var keyPolicy = Assert.IsType<KeyPolicyDetails>(plan.Steps.Single(s => s.Action == PlanAction.PutKeyPolicy).Details).NewPolicy;
        var iam = Assert.IsType<IamPolicyDetails>(plan.Steps.Single(s => s.Action == PlanAction.EmitTargetIamPolicy).Details).Policy;

        Assert.Equal(allowed, Decide(keyPolicy, iam, caller, "kms:Decrypt", ViaEc2, callerOrg, callerPath).IsAllowed);
        Assert.True(name.Length > 0);
    }

    public static TheoryData<string, KeyValuePair<string, string[]>[], bool> Scopes => new()
    {
        { "kms:Decrypt", ViaEc2, true },
        { "kms:GenerateDataKeyWithoutPlaintext", ViaEc2, true },
        { "kms:ReEncryptFrom", ViaEc2, true },
        { "kms:Decrypt", [], false },
        { "kms:Decrypt", [new("kms:ViaService", ["s3.us-east-1.amazonaws.com"])], false },
        { "kms:CreateGrant", [.. ViaEc2, new("kms:GrantIsForAWSResource", ["true"])], true },
        { "kms:CreateGrant", ViaEc2, false },
        { "kms:ScheduleKeyDeletion", ViaEc2, false },
    };

    [Theory]
    [MemberData(nameof(Scopes))]
    public void Plan_AccountTarget_AllowsOnlyEc2ScopedUse(string action, KeyValuePair<string, string[]>[] context, bool allowed)
    {
        var plan = SharePlanner.Plan(Share("ami-cmk", TargetA), State());
        var keyPolicy = Assert.IsType<KeyPolicyDetails>(plan.Steps.Single(s => s.Action == PlanAction.PutKeyPolicy).Details).NewPolicy;
        var iam = Assert.IsType<IamPolicyDetails>(plan.Steps.Single(s => s.Action == PlanAction.EmitTargetIamPolicy).Details).Policy;

        Assert.Equal(allowed, Decide(keyPolicy, iam, TargetA, action, context, null, null).IsAllowed);
    }

    [Fact]
    public void Plan_TargetRoleWithoutIamPolicy_IsDenied()
    {
        var plan = SharePlanner.Plan(Share("ami-cmk", TargetA), State());
        var keyPolicy = Assert.IsType<KeyPolicyDetails>(plan.Steps.Single(s => s.Action == PlanAction.PutKeyPolicy).Details).NewPolicy;

        var result = Decide(keyPolicy, iam: null, TargetA, "kms:Decrypt", ViaEc2, null, null);

        Assert.False(result.IsAllowed);
        Assert.Equal(MissingRequirement.IdentityPolicy, result.Missing);
    }

    private static EvaluationResult Decide(string keyPolicy, TargetIamPolicy? iam, string account, string action, KeyValuePair<string, string[]>[] context, string? org, string? path)
    {
        var (resource, findings) = CompiledPolicy.Parse(keyPolicy, "key");
        Assert.NotNull(resource);
        var identity = iam is null ? ImmutableArray<CompiledPolicy>.Empty : [CompiledPolicy.Parse(iam.PolicyJson, "identity[0]").Policy!];
        var caller = CallerPrincipal.Parse($"arn:aws:sts::{account}:assumed-role/Launcher/session")!;
        var request = AuthorizationRequest.Create(caller, action, CmkArn, context, org, path is null ? null : [path]);
        return PolicyEvaluator.Evaluate(request, new PolicyInputs { IdentityPolicies = identity, ResourcePolicy = resource, ResourceAccount = Source, PrincipalOrgId = org, PrincipalOrgPaths = path is null ? [] : [path] });
    }
}
