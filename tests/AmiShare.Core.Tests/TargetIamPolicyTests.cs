using System.Text.Json;
using AmiShare.Core.Iam;
using AmiShare.Policy;
using AmiShare.Policy.Validation;
using static AmiShare.Core.Tests.Fixtures;

namespace AmiShare.Core.Tests;

public sealed class TargetIamPolicyTests
{
    public static TheoryData<string[], string[]> KeySets => new()
    {
        { [CmkArn], ["us-east-1"] },
        { [MrkArn, MrkReplicaArn], ["eu-west-1", "us-east-1"] },
        { [CmkArn, OtherCmkArn, CmkArn], ["us-east-1", "us-east-1"] },
    };

    [Theory]
    [MemberData(nameof(KeySets))]
    public void Build_Keys_ValidIdentityPolicyOnExactKeyArns(string[] keys, string[] regions)
    {
        var policy = TargetIamPolicyBuilder.Build(keys, regions, Source);

        using var document = JsonDocument.Parse(policy.PolicyJson);
        var resources = document.RootElement.GetProperty("Statement")[0].GetProperty("Resource").EnumerateArray().Select(e => e.GetString()).ToArray();
        Assert.Equal(keys.Distinct().Order(StringComparer.Ordinal).ToArray(), resources);
        Assert.DoesNotContain("\"kms:*\"", policy.PolicyJson, StringComparison.Ordinal);
        var serious = PolicyValidator.Validate(policy.PolicyJson, PolicyKind.Identity).Where(f => f.Severity is Severity.Error or Severity.SecurityWarning or Severity.Warning);
        Assert.True(!serious.Any(), string.Join("; ", serious));
    }

    [Theory]
    [MemberData(nameof(KeySets))]
    public void Build_Keys_SnippetsNameEveryKeyArn(string[] keys, string[] regions)
    {
        var policy = TargetIamPolicyBuilder.Build(keys, regions, Source);

        Assert.StartsWith("resource \"aws_iam_policy\"", policy.Terraform, StringComparison.Ordinal);
        Assert.Contains("jsonencode(", policy.Terraform, StringComparison.Ordinal);
        Assert.Contains("Type: AWS::IAM::ManagedPolicy", policy.CloudFormation, StringComparison.Ordinal);
        foreach (var key in keys)
        {
            Assert.Contains(key, policy.Terraform, StringComparison.Ordinal);
            Assert.Contains(key, policy.CloudFormation, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Build_Terraform_JsonencodeArgumentIsTheDocument()
    {
        var policy = TargetIamPolicyBuilder.Build([CmkArn], ["us-east-1"], Source);

        // HCL accepts JSON object syntax inside jsonencode(); the argument must be the very document.
        var start = policy.Terraform.IndexOf("jsonencode(", StringComparison.Ordinal) + "jsonencode(".Length;
        var end = policy.Terraform.LastIndexOf(')');
        // "$${" is HCL for a literal "${" (policy variables must not be interpolated by Terraform).
        using var inner = JsonDocument.Parse(policy.Terraform[start..end].Replace("$${", "${", StringComparison.Ordinal));
        using var expected = JsonDocument.Parse(policy.PolicyJson);
        Assert.Equal(expected.RootElement.GetRawText().Replace(" ", "", StringComparison.Ordinal).Replace("\n", "", StringComparison.Ordinal),
            inner.RootElement.GetRawText().Replace(" ", "", StringComparison.Ordinal).Replace("\n", "", StringComparison.Ordinal));
    }
}
