using System.Collections.Immutable;
using System.Text;
using AmiShare.Core.Model;
using AmiShare.Policy.Catalogue;
using AmiShare.Policy.Model;

namespace AmiShare.Core.Iam;

/// <summary>The identity policy the target's launching principal must have, in three forms.</summary>
/// <param name="PolicyJson">The policy document, indented.</param>
/// <param name="Terraform">An <c>aws_iam_policy</c> resource using <c>jsonencode</c>.</param>
/// <param name="CloudFormation">A YAML template with one <c>AWS::IAM::ManagedPolicy</c>.</param>
public sealed record TargetIamPolicy(string PolicyJson, string Terraform, string CloudFormation, ImmutableArray<string> KeyArns);

/// <summary>
/// Builds the least-privilege identity policy for the target side (docs/aws-facts.md §1): a key policy alone is
/// not enough, the caller's own account must also allow the KMS actions on the exact source key ARNs.
/// </summary>
public static class TargetIamPolicyBuilder
{
    public const string PolicyName = "AmiShareLaunchSharedImages";

    /// <summary>The resource types RunInstances touches in the launching account besides the image.</summary>
    private static readonly ImmutableArray<string> LaunchResourceTypes =
        ["instance", "key-pair", "network-interface", "security-group", "subnet", "volume"];

    /// <param name="keyArns">The source keys of every shared image (replicas included when used).</param>
    /// <param name="regions">Regions the images are launched in.</param>
    /// <param name="sourceAccount">The image owner; launches are limited to its images with <c>ec2:Owner</c>.</param>
    /// <param name="asg">Also let the principal create the grant for its account's Auto Scaling service-linked role (share --asg).</param>
    public static TargetIamPolicy Build(IEnumerable<string> keyArns, IEnumerable<string> regions, string sourceAccount, bool asg = false)
    {
        var keys = keyArns.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToImmutableArray();
        var regionList = regions.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var partition = keys.Length > 0 ? Arns.PartitionOf(keys[0]) : "aws";
        var sourceKeys = PolicyValues.List(keys);
        var ownKeys = PolicyValues.List(regionList.Select(r => $"arn:{partition}:kms:{r}:${{aws:PrincipalAccount}}:key/*"));
        var viaEc2 = AuthoredCondition.ViaEc2(regionList);
        var statements = ImmutableArray.CreateBuilder<AuthoredStatement>();
        statements.Add(Allow("AmiShareUseSourceKeys", PolicyValues.List(Ec2KmsUse.IdentityCryptoActions), sourceKeys));
        statements.Add(Allow("AmiShareGrantSourceKeysToEbs", PolicyValues.One(KmsActions.CreateGrant), sourceKeys, AuthoredCondition.GrantIsForAwsResource));
        if (asg)
        {
            // Auto Scaling's grant has no GrantIsForAWSResource; it is limited to the service-linked role of the caller's account instead.
            statements.Add(Allow("AmiShareGrantSourceKeysToAutoScaling", PolicyValues.One(KmsActions.CreateGrant), sourceKeys,
                new AuthoredCondition(AuthoredCondition.StringEquals, ConditionKeys.KmsGranteePrincipal, PolicyValues.One(AwsServicePrincipals.AutoScalingServiceRole("${aws:PrincipalAccount}", partition)))));
        }

        // A launch re-encrypts the new volumes under the target's own key (the mapping's, else its default
        // EBS key, docs/aws-facts.md §1), which this template cannot name; any key of the caller's account, only
        // through EC2, covers both without widening beyond EBS use.
        statements.Add(Allow("AmiShareUseOwnKeysViaEc2", PolicyValues.List(Ec2KmsUse.IdentityCryptoActions), ownKeys, viaEc2));
        statements.Add(Allow("AmiShareGrantOwnKeysToEbs", PolicyValues.One(KmsActions.CreateGrant), ownKeys, viaEc2, AuthoredCondition.GrantIsForAwsResource));

        // Only the source account's images; copies AmiShare makes later are covered without an edit.
        statements.Add(Allow("AmiShareLaunchSourceImages", PolicyValues.One(Ec2Actions.RunInstances), PolicyValues.List(regionList.Select(r => $"arn:{partition}:ec2:{r}::image/*")),
            new AuthoredCondition(AuthoredCondition.StringEquals, ConditionKeys.Ec2Owner, PolicyValues.One(sourceAccount))));
        statements.Add(Allow("AmiShareLaunchInstances", PolicyValues.One(Ec2Actions.RunInstances), PolicyValues.List(regionList.SelectMany(r => LaunchResourceTypes.Select(t => $"arn:{partition}:ec2:{r}:*:{t}/*")))));

        var json = PolicyWriter.Write(new AuthoredPolicy(statements.ToImmutable()), indented: true);
        return new TargetIamPolicy(json, Terraform(json), CloudFormation(json), keys);
    }

    /// <summary>
    /// What <c>amishare verify</c> reads with the target's credentials, beyond the launch policy: the image, the
    /// default EBS key and its policy, the test instance, and IAM's simulator on the principal itself.
    /// </summary>
    public static string VerifyReadsPolicy(string principalArn, IEnumerable<string> regions)
    {
        var regionList = regions.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var partition = Arns.PartitionOf(principalArn);
        return PolicyWriter.Write(
            new AuthoredPolicy(
            [
                Allow("AmiShareVerifyReads", PolicyValues.List([Ec2Actions.DescribeImages, Ec2Actions.DescribeInstances, Ec2Actions.GetEbsDefaultKmsKeyId, KmsActions.DescribeKey, KmsActions.GetKeyPolicy]), PolicyValues.One("*")),
                Allow("AmiShareVerifyTestLaunch", PolicyValues.One(Ec2Actions.TerminateInstances), PolicyValues.List(regionList.Select(r => $"arn:{partition}:ec2:{r}:${{aws:PrincipalAccount}}:instance/*"))),
                Allow("AmiShareVerifySimulateSelf", PolicyValues.One("iam:SimulatePrincipalPolicy"), PolicyValues.One(principalArn)),
            ]),
            indented: true);
    }

    private static AuthoredStatement Allow(string sid, PolicyValues action, PolicyValues resource, params AuthoredCondition[] conditions) =>
        new(Effect.Allow, action, resource) { Sid = sid, Conditions = [.. conditions] };

    /// <summary>
    /// HCL object syntax accepts JSON's quoted keys and colons, so the document can be pasted into
    /// <c>jsonencode</c> as is; only <c>${</c> needs escaping, or Terraform would interpolate it.
    /// </summary>
    private static string Terraform(string json)
    {
        var body = Indent(json.Replace("${", "$${", StringComparison.Ordinal), "  ").TrimStart();
        var text = new StringBuilder();
        text.Append("resource \"aws_iam_policy\" \"amishare_launch_shared_images\" {\n");
        text.Append($"  name        = \"{PolicyName}\"\n");
        text.Append("  description = \"Lets this account launch the images AmiShare shared with it (generated by amishare share).\"\n");
        text.Append($"  policy      = jsonencode({body})\n");
        text.Append("}\n");
        return text.ToString();
    }

    /// <summary>YAML is a superset of JSON, so the document sits under PolicyDocument as a flow mapping.</summary>
    private static string CloudFormation(string json)
    {
        var text = new StringBuilder();
        text.Append("AWSTemplateFormatVersion: \"2010-09-09\"\n");
        text.Append("Description: Lets this account launch the images AmiShare shared with it (generated by amishare share).\n");
        text.Append("Resources:\n");
        text.Append("  AmiShareLaunchSharedImages:\n");
        text.Append("    Type: AWS::IAM::ManagedPolicy\n");
        text.Append("    Properties:\n");
        text.Append($"      ManagedPolicyName: {PolicyName}\n");
        text.Append("      PolicyDocument:\n");
        text.Append(Indent(json, "        "));
        text.Append('\n');
        return text.ToString();
    }

    private static string Indent(string text, string prefix) =>
        string.Join('\n', text.Split('\n').Select(line => prefix + line));

}
