using AmiShare.Policy.Evaluation;

namespace AmiShare.Policy.Bench;

/// <summary>The policies a shared golden-image key typically carries, and the target's identity policies.</summary>
internal static class RealisticPolicies
{
    public const string KeyArn = "arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab";

    private const string KeyPolicy = """
    {
      "Version": "2012-10-17",
      "Id": "golden-image-key",
      "Statement": [
        { "Sid": "EnableIamPolicies", "Effect": "Allow", "Principal": { "AWS": "arn:aws:iam::111111111111:root" }, "Action": "kms:*", "Resource": "*" },
        { "Sid": "KeyAdministrators", "Effect": "Allow", "Principal": { "AWS": ["arn:aws:iam::111111111111:role/KeyAdmin", "arn:aws:iam::111111111111:role/Break-Glass"] },
          "Action": ["kms:Create*", "kms:Describe*", "kms:Enable*", "kms:List*", "kms:Put*", "kms:Update*", "kms:Revoke*", "kms:Disable*", "kms:Get*", "kms:Delete*", "kms:TagResource", "kms:UntagResource", "kms:ScheduleKeyDeletion", "kms:CancelKeyDeletion"],
          "Resource": "*" },
        { "Sid": "ImagePipeline", "Effect": "Allow", "Principal": { "AWS": "arn:aws:iam::111111111111:role/ImageBuilder" },
          "Action": ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"], "Resource": "*" },
        { "Sid": "ImagePipelineGrants", "Effect": "Allow", "Principal": { "AWS": "arn:aws:iam::111111111111:role/ImageBuilder" },
          "Action": ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"], "Resource": "*", "Condition": { "Bool": { "kms:GrantIsForAWSResource": "true" } } },
        { "Sid": "AmiShareCrypto-us-east-1", "Effect": "Allow",
          "Principal": { "AWS": ["arn:aws:iam::222222222222:root", "arn:aws:iam::333333333333:root", "arn:aws:iam::555555555555:root"] },
          "Action": ["kms:Decrypt", "kms:DescribeKey", "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:GenerateDataKeyWithoutPlaintext"], "Resource": "*",
          "Condition": { "StringEquals": { "kms:ViaService": "ec2.us-east-1.amazonaws.com" } } },
        { "Sid": "AmiShareGrants-us-east-1", "Effect": "Allow",
          "Principal": { "AWS": ["arn:aws:iam::222222222222:root", "arn:aws:iam::333333333333:root", "arn:aws:iam::555555555555:root"] },
          "Action": "kms:CreateGrant", "Resource": "*",
          "Condition": { "StringEquals": { "kms:ViaService": "ec2.us-east-1.amazonaws.com" }, "Bool": { "kms:GrantIsForAWSResource": "true" } } },
        { "Sid": "AmiShareOrg", "Effect": "Allow", "Principal": "*",
          "Action": ["kms:Decrypt", "kms:DescribeKey", "kms:ReEncrypt*", "kms:GenerateDataKeyWithoutPlaintext"], "Resource": "*",
          "Condition": { "StringEquals": { "aws:PrincipalOrgID": "o-a1b2c3d4e5", "kms:ViaService": "ec2.us-east-1.amazonaws.com" } } },
        { "Sid": "AuditReadOnly", "Effect": "Allow", "Principal": { "AWS": "arn:aws:iam::999999999999:role/Auditor" },
          "Action": ["kms:Describe*", "kms:Get*", "kms:List*"], "Resource": "*" },
        { "Sid": "DenyOutsideOrg", "Effect": "Deny", "Principal": "*", "Action": "kms:*", "Resource": "*",
          "Condition": { "StringNotEqualsIfExists": { "aws:PrincipalOrgID": "o-a1b2c3d4e5" }, "Bool": { "aws:PrincipalIsAWSService": "false" } } },
        { "Sid": "DenyPlaintextExport", "Effect": "Deny", "Principal": "*", "Action": ["kms:GenerateDataKey", "kms:GenerateDataKeyPair"], "Resource": "*",
          "Condition": { "StringNotLike": { "aws:PrincipalArn": "arn:aws:iam::111111111111:role/*" } } }
      ]
    }
    """;

    private static readonly string[] IdentityPolicies =
    [
        """
        { "Version": "2012-10-17", "Statement": [
          { "Sid": "UseSharedImageKeys", "Effect": "Allow",
            "Action": ["kms:Decrypt", "kms:DescribeKey", "kms:ReEncrypt*", "kms:GenerateDataKeyWithoutPlaintext", "kms:CreateGrant"],
            "Resource": ["arn:aws:kms:us-east-1:111111111111:key/*", "arn:aws:kms:eu-west-1:111111111111:key/*"],
            "Condition": { "StringLike": { "kms:ViaService": "ec2.*.amazonaws.com" } } } ] }
        """,
        """
        { "Version": "2012-10-17", "Statement": [
          { "Sid": "Launch", "Effect": "Allow", "Action": ["ec2:RunInstances", "ec2:CreateTags", "ec2:Describe*"], "Resource": "*" },
          { "Sid": "NoProdTerminate", "Effect": "Deny", "Action": "ec2:TerminateInstances", "Resource": "*",
            "Condition": { "StringEquals": { "aws:ResourceTag/env": "prod" } } } ] }
        """,
        """
        { "Version": "2012-10-17", "Statement": [
          { "Sid": "OwnTeamKeys", "Effect": "Allow", "Action": "kms:*", "Resource": "arn:aws:kms:*:222222222222:key/*",
            "Condition": { "StringEquals": { "aws:ResourceTag/team": "${aws:PrincipalTag/team}" } } },
          { "Sid": "NoKeyDeletion", "Effect": "Deny", "Action": ["kms:ScheduleKeyDeletion", "kms:DisableKey"], "Resource": "*" } ] }
        """,
    ];

    public static PolicyInputs Inputs() => new()
    {
        ResourcePolicy = Compile(KeyPolicy, "resource"),
        IdentityPolicies = [.. IdentityPolicies.Select((json, i) => Compile(json, $"identity[{i}]"))],
    };

    public static AuthorizationRequest LaunchThroughEc2() => AuthorizationRequest.Create(
        CallerPrincipal.Parse("arn:aws:sts::222222222222:assumed-role/Launcher/ci")!,
        "kms:Decrypt",
        KeyArn,
        [
            new("kms:ViaService", ["ec2.us-east-1.amazonaws.com"]),
            new("kms:EncryptionContext:aws:ebs:id", ["vol-0123456789abcdef0"]),
            new("aws:PrincipalTag/team", ["images"]),
        ],
        principalOrgId: "o-a1b2c3d4e5",
        principalOrgPaths: ["o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/"]);

    public static AuthorizationRequest DirectDecrypt() => AuthorizationRequest.Create(
        CallerPrincipal.Parse("arn:aws:sts::222222222222:assumed-role/Launcher/ci")!,
        "kms:Decrypt",
        KeyArn,
        principalOrgId: "o-a1b2c3d4e5");

    private static CompiledPolicy Compile(string json, string label)
    {
        var (policy, findings) = CompiledPolicy.Parse(json, label);
        return policy ?? throw new InvalidOperationException(string.Join("; ", findings));
    }
}
