using AmiShare.Policy.Evaluation;

namespace AmiShare.Policy.Tests.Evaluation;

/// <summary>
/// RCP rules (Organizations User Guide, "Resource control policies", "RCP syntax"; KMS Developer Guide, "Resource
/// control policies in AWS KMS"): a Deny in an RCP of the resource's member account wins; the management account's
/// resources, service-linked roles, unsupported services, AWS managed keys and kms:RetireGrant are out of reach.
/// </summary>
public sealed class ResourceControlPolicyTests
{
    private const string Management = "100000000000";
    private const string Member = "222222222222";
    private const string Outsider = "arn:aws:iam::444444444444:user/mallory";

    private const string DenyOutsideOrg = """
        {"Version":"2012-10-17","Statement":[{"Sid":"EnforceOrgIdentities","Effect":"Deny","Principal":"*","Action":["kms:*","ec2:*"],"Resource":"*",
          "Condition":{"StringNotEqualsIfExists":{"aws:PrincipalOrgID":"o-amishare01"}}}]}
        """;

    [Theory]
    [InlineData(Outsider, "kms:Decrypt", Member, false, Decision.ExplicitlyDenied)]
    [InlineData(Outsider, "kms:Decrypt", Management, false, Decision.Allowed)]
    [InlineData("arn:aws:iam::444444444444:role/aws-service-role/ec2.amazonaws.com/AWSServiceRoleForEc2", "kms:Decrypt", Member, false, Decision.Allowed)]
    [InlineData(Outsider, "ec2:DescribeImages", Member, false, Decision.Allowed)]
    [InlineData(Outsider, "kms:RetireGrant", Member, false, Decision.Allowed)]
    [InlineData(Outsider, "kms:Decrypt", Member, true, Decision.Allowed)]
    public void Evaluate_RcpDeniesOutsiders_AppliesOnlyWhereAwsSaysItDoes(string principal, string action, string resourceAccount, bool awsManaged, Decision expected)
    {
        var resource = $"arn:aws:kms:us-east-1:{resourceAccount}:key/1234abcd-12ab-34cd-56ef-1234567890ab";
        var allowEveryone = $$"""{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"*","Resource":"*"}]}""";
        var inputs = new PolicyInputs
        {
            IdentityPolicies = [Compile("""{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}""", "identity[0]")],
            ResourcePolicy = Compile(allowEveryone, "resource"),
            ResourceControlPolicies = [Compile(DenyOutsideOrg, "rcp:EnforceOrg")],
            ResourceAccount = resourceAccount,
            ManagementAccountId = Management,
            ResourceIsAwsManaged = awsManaged,
        };

        var result = PolicyEvaluator.Evaluate(AuthorizationRequest.Create(CallerPrincipal.Parse(principal)!, action, resource), inputs);

        Assert.Equal(expected, result.Decision);
        if (expected == Decision.ExplicitlyDenied)
        {
            Assert.Equal(["rcp:EnforceOrg:EnforceOrgIdentities"], result.Statements.Select(s => s.Label));
        }
    }

    [Fact]
    public void Evaluate_RcpConditionHoldsForOrgMember_DoesNotDeny()
    {
        var inputs = new PolicyInputs
        {
            IdentityPolicies = [Compile("""{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:*","Resource":"*"}]}""", "identity[0]")],
            ResourceControlPolicies = [Compile(DenyOutsideOrg, "rcp:EnforceOrg")],
            ManagementAccountId = Management,
        };
        var context = new[] { new KeyValuePair<string, string[]>("aws:PrincipalOrgID", ["o-amishare01"]) };
        var request = AuthorizationRequest.Create(CallerPrincipal.Parse($"arn:aws:iam::{Member}:user/alice")!, "kms:ListKeys", "*", context);

        Assert.Equal(Decision.Allowed, PolicyEvaluator.Evaluate(request, inputs).Decision);
    }

    private static CompiledPolicy Compile(string json, string label)
    {
        var (policy, findings) = CompiledPolicy.Parse(json, label);
        Assert.True(policy is not null, string.Join("; ", findings));
        return policy!;
    }
}
