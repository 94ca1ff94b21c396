using AmiShare.Policy.Evaluation;
using AmiShare.Policy.Kms;

namespace AmiShare.Policy.Tests.Evaluation;

/// <summary>
/// Rules the documentation-derived vectors leave out because their pages say them only in passing:
/// grants to accounts and roles, the foreign root user, trust policies that must consent, and the
/// explanations the doctor will quote.
/// </summary>
public sealed class PolicyEvaluatorTests
{
    private const string KeyArn = "arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    private const string Launcher = "arn:aws:sts::222222222222:assumed-role/Launcher/ci";
    private const string AllowKmsEverywhere = """{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "kms:*", "Resource": "*"}]}""";
    private const string KeyPolicyForOwnerOnly = """
        {"Version": "2012-10-17", "Statement": [{"Sid": "Owner", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111111111111:root"}, "Action": "kms:*", "Resource": "*"}]}
        """;

    public static TheoryData<string, string, bool, Decision, MissingRequirement?> GrantCases() => new()
    {
        // grantee, caller, caller has IAM allow, expected decision, expected missing
        { "arn:aws:iam::222222222222:role/Launcher", Launcher, false, Decision.Allowed, null },
        { "arn:aws:iam::222222222222:role/Other", Launcher, true, Decision.ImplicitlyDenied, MissingRequirement.KeyPolicy },
        { "arn:aws:iam::222222222222:root", Launcher, true, Decision.Allowed, null },
        { "arn:aws:iam::222222222222:root", Launcher, false, Decision.ImplicitlyDenied, MissingRequirement.IdentityPolicy },
        { "arn:aws:iam::333333333333:root", Launcher, true, Decision.ImplicitlyDenied, MissingRequirement.KeyPolicy },
        { Launcher, Launcher, false, Decision.Allowed, null },
    };

    [Theory]
    [MemberData(nameof(GrantCases))]
    public void Evaluate_GrantOnForeignKey_DecidesByGranteeKind(string grantee, string caller, bool iamAllows, Decision expected, MissingRequirement? missing)
    {
        var inputs = new PolicyInputs
        {
            ResourcePolicy = Compile(KeyPolicyForOwnerOnly, "resource"),
            IdentityPolicies = iamAllows ? [Compile(AllowKmsEverywhere, "identity[0]")] : [],
            Grants = [new KmsGrant(grantee, ["Decrypt"])],
        };

        var result = PolicyEvaluator.Evaluate(Request(caller, "kms:Decrypt", KeyArn), inputs);

        Assert.Equal(expected, result.Decision);
        Assert.Equal(missing, result.Missing);
    }

    [Fact]
    public void Evaluate_ForeignRootUser_NeedsOnlyTheResourcePolicy()
    {
        var keyPolicy = """
            {"Version": "2012-10-17", "Statement": [{"Sid": "Target", "Effect": "Allow", "Principal": {"AWS": "222222222222"}, "Action": "kms:Decrypt", "Resource": "*"}]}
            """;

        var result = PolicyEvaluator.Evaluate(
            Request("arn:aws:iam::222222222222:root", "kms:Decrypt", KeyArn),
            new PolicyInputs { ResourcePolicy = Compile(keyPolicy, "resource") });

        Assert.Equal(Decision.Allowed, result.Decision);
        Assert.Equal(["resource:Target"], result.Statements.Select(s => s.Label));
    }

    public static TheoryData<string, bool, Decision, MissingRequirement?> TrustCases() => new()
    {
        // trust policy principal, caller's identity policy allows sts:AssumeRole, decision, missing
        { "arn:aws:iam::111111111111:user/alice", false, Decision.Allowed, null },
        { "arn:aws:iam::111111111111:root", false, Decision.ImplicitlyDenied, MissingRequirement.IdentityPolicy },
        { "arn:aws:iam::111111111111:root", true, Decision.Allowed, null },
        { "arn:aws:iam::111111111111:user/bob", true, Decision.ImplicitlyDenied, MissingRequirement.ResourcePolicy },
    };

    [Theory]
    [MemberData(nameof(TrustCases))]
    public void Evaluate_AssumeRoleInSameAccount_TrustPolicyMustConsent(string trusted, bool identityAllows, Decision expected, MissingRequirement? missing)
    {
        var trust = $$"""{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "{{trusted}}"}, "Action": "sts:AssumeRole"}]}""";
        var identity = """{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}]}""";
        var inputs = new PolicyInputs
        {
            ResourcePolicy = Compile(trust, "trust"),
            ResourcePolicyIsRequired = true,
            IdentityPolicies = identityAllows ? [Compile(identity, "identity[0]")] : [],
        };

        var result = PolicyEvaluator.Evaluate(Request("arn:aws:iam::111111111111:user/alice", "sts:AssumeRole", "arn:aws:iam::111111111111:role/Deployer"), inputs);

        Assert.Equal(expected, result.Decision);
        Assert.Equal(missing, result.Missing);
    }

    [Theory]
    [InlineData(false, Decision.Allowed)]
    [InlineData(true, Decision.ExplicitlyDenied)]
    public void Evaluate_GetCallerIdentityUnderExplicitDeny_AllowedUnlessSimulatingPolicies(bool identityOnly, Decision expected)
    {
        var deny = """{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "sts:*", "Resource": "*"}]}""";
        var inputs = new PolicyInputs { IdentityPolicies = [Compile(deny, "identity[0]")], IdentityPoliciesOnly = identityOnly };

        var result = PolicyEvaluator.Evaluate(Request("arn:aws:iam::111111111111:user/alice", "sts:GetCallerIdentity", "*"), inputs);

        Assert.Equal(expected, result.Decision);
    }

    [Theory]
    [InlineData(false, Decision.ImplicitlyDenied)]
    [InlineData(true, Decision.Allowed)]
    public void Evaluate_DeleteAwsManagedPolicyWithIamStar_DeniedUnlessSimulatingPolicies(bool identityOnly, Decision expected)
    {
        var admin = """{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:*", "Resource": "*"}]}""";
        var inputs = new PolicyInputs { IdentityPolicies = [Compile(admin, "identity[0]")], IdentityPoliciesOnly = identityOnly };

        var result = PolicyEvaluator.Evaluate(Request("arn:aws:iam::111111111111:user/alice", "iam:DeletePolicy", "arn:aws:iam::aws:policy/ReadOnlyAccess"), inputs);

        Assert.Equal(expected, result.Decision);
        Assert.Equal(identityOnly ? null : MissingRequirement.AwsManagedResource, result.Missing);
    }

    [Theory]
    [InlineData(true, Decision.Allowed)]
    [InlineData(false, Decision.ImplicitlyDenied)]
    public void Evaluate_IdentityPoliciesOnly_SkipsKeyPolicyConsentAsThePolicySimulatorDoes(bool identityOnly, Decision expected)
    {
        var inputs = new PolicyInputs
        {
            IdentityPolicies = [Compile(AllowKmsEverywhere, "identity[0]")],
            IdentityPoliciesOnly = identityOnly,
        };

        var result = PolicyEvaluator.Evaluate(Request(Launcher, "kms:Decrypt", KeyArn), inputs);

        Assert.Equal(expected, result.Decision);
    }

    [Fact]
    public void Evaluate_ServiceLinkedRoleByPath_IsExemptFromScps()
    {
        var denyAll = """{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}]}""";
        var caller = CallerPrincipal.Parse("arn:aws:iam::222222222222:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling")!;
        var inputs = new PolicyInputs
        {
            ServiceControlPolicies = [[Compile(denyAll, "scp[0][0]")]],
            IdentityPolicies = [Compile(AllowKmsEverywhere, "identity[0]")],
        };

        var result = PolicyEvaluator.Evaluate(AuthorizationRequest.Create(caller, "kms:ListKeys", "*"), inputs);

        Assert.Equal(Decision.Allowed, result.Decision);
    }

    [Fact]
    public void Explanation_DelegationWithoutIdentityPolicy_NamesTheAccountActionAndStatement()
    {
        var keyPolicy = """
            {"Version": "2012-10-17", "Statement": [{"Sid": "AmiShareCrypto", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::222222222222:root"}, "Action": "kms:Decrypt", "Resource": "*"}]}
            """;

        var result = PolicyEvaluator.Evaluate(Request(Launcher, "kms:Decrypt", KeyArn), new PolicyInputs { ResourcePolicy = Compile(keyPolicy, "resource") });

        Assert.Equal(MissingRequirement.IdentityPolicy, result.Missing);
        Assert.Contains("resource:AmiShareCrypto delegates to account 222222222222", result.Explanation, StringComparison.Ordinal);
        Assert.Contains("kms:Decrypt", result.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_ManyContextKeys_FindsKeysCaseInsensitivelyBeyondTheLinearScanLimit()
    {
        var context = Enumerable.Range(0, 40).Select(i => new KeyValuePair<string, string[]>($"aws:PrincipalTag/k{i}", [$"v{i}"])).ToList();
        var policy = """{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {"StringEquals": {"AWS:PRINCIPALTAG/K39": "v39"}}}]}""";

        var result = PolicyEvaluator.Evaluate(
            AuthorizationRequest.Create(CallerPrincipal.Parse("arn:aws:iam::111111111111:user/alice")!, "s3:GetObject", "arn:aws:s3:::b/k", context),
            new PolicyInputs { IdentityPolicies = [Compile(policy, "identity[0]")] });

        Assert.Equal(Decision.Allowed, result.Decision);
    }

    [Fact]
    public void Evaluate_SameInputsTwice_GivesIndependentResults()
    {
        var inputs = new PolicyInputs { IdentityPolicies = [Compile(AllowKmsEverywhere, "identity[0]")] };
        var request = Request("arn:aws:iam::111111111111:user/alice", "kms:ListKeys", "*");

        var first = PolicyEvaluator.Evaluate(request, inputs);
        var second = PolicyEvaluator.Evaluate(Request("arn:aws:iam::111111111111:user/alice", "s3:ListBuckets", "*"), inputs);

        // The statement list is reused between calls; a result must not change afterwards.
        Assert.Equal(["identity[0]:#0"], first.Statements.Select(s => s.Label));
        Assert.Empty(second.Statements);
    }

    private static AuthorizationRequest Request(string principal, string action, string resource) =>
        AuthorizationRequest.Create(CallerPrincipal.Parse(principal)!, action, resource);

    private static CompiledPolicy Compile(string json, string label)
    {
        var (policy, findings) = CompiledPolicy.Parse(json, label);
        Assert.True(policy is not null, string.Join("; ", findings));
        return policy!;
    }
}
