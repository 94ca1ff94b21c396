using System.Collections.Immutable;
using AmiShare.Policy.Model;
using AmiShare.Policy.Parsing;
using AmiShare.Policy.Validation;
using static AmiShare.Policy.Tests.Validation.PolicyText;

namespace AmiShare.Policy.Tests.Validation;

public sealed class PolicyValidatorTests
{
    /// <summary>
    /// The default KMS key policy (root delegation, key administrators, key users, persistent resources)
    /// plus the statements AmiShare adds to share an EBS-encrypted AMI with another account.
    /// </summary>
    internal const string RealisticKeyPolicy = """
        {
          "Version": "2012-10-17",
          "Id": "key-consolepolicy-3",
          "Statement": [
            {
              "Sid": "Enable IAM User Permissions",
              "Effect": "Allow",
              "Principal": { "AWS": "arn:aws:iam::111122223333:root" },
              "Action": "kms:*",
              "Resource": "*"
            },
            {
              "Sid": "Allow access for Key Administrators",
              "Effect": "Allow",
              "Principal": { "AWS": "arn:aws:iam::111122223333:role/KeyAdmin" },
              "Action": [
                "kms:Create*", "kms:Describe*", "kms:Enable*", "kms:List*", "kms:Put*", "kms:Update*",
                "kms:Revoke*", "kms:Disable*", "kms:Get*", "kms:Delete*", "kms:TagResource",
                "kms:UntagResource", "kms:ScheduleKeyDeletion", "kms:CancelKeyDeletion", "kms:RotateKeyOnDemand"
              ],
              "Resource": "*"
            },
            {
              "Sid": "Allow use of the key",
              "Effect": "Allow",
              "Principal": { "AWS": "arn:aws:iam::111122223333:role/ImageBuilder" },
              "Action": ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"],
              "Resource": "*"
            },
            {
              "Sid": "Allow attachment of persistent resources",
              "Effect": "Allow",
              "Principal": { "AWS": "arn:aws:iam::111122223333:role/ImageBuilder" },
              "Action": ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"],
              "Resource": "*",
              "Condition": { "Bool": { "kms:GrantIsForAWSResource": "true" } }
            },
            {
              "Sid": "AmiShareEbsUse444455556666",
              "Effect": "Allow",
              "Principal": { "AWS": "arn:aws:iam::444455556666:root" },
              "Action": ["kms:Decrypt", "kms:DescribeKey", "kms:ReEncrypt*", "kms:GenerateDataKeyWithoutPlaintext"],
              "Resource": "*",
              "Condition": {
                "StringEquals": {
                  "kms:ViaService": ["ec2.us-east-1.amazonaws.com", "ec2.eu-west-1.amazonaws.com"],
                  "kms:CallerAccount": "444455556666"
                }
              }
            },
            {
              "Sid": "AmiShareEbsGrant444455556666",
              "Effect": "Allow",
              "Principal": { "AWS": "arn:aws:iam::444455556666:root" },
              "Action": "kms:CreateGrant",
              "Resource": "*",
              "Condition": {
                "StringEquals": { "kms:ViaService": "ec2.us-east-1.amazonaws.com", "kms:CallerAccount": "444455556666" },
                "Bool": { "kms:GrantIsForAWSResource": true }
              }
            },
            {
              "Sid": "AmiShareOrgUse",
              "Effect": "Allow",
              "Principal": "*",
              "Action": ["kms:Decrypt", "kms:DescribeKey", "kms:ReEncrypt*", "kms:GenerateDataKeyWithoutPlaintext"],
              "Resource": "*",
              "Condition": {
                "StringEquals": { "aws:PrincipalOrgID": "o-a1b2c3d4e5", "kms:ViaService": "ec2.us-east-1.amazonaws.com" }
              }
            }
          ]
        }
        """;

    /// <summary>What an AmiShare operator's role needs to share an AMI and edit the key policy.</summary>
    internal const string RealisticIdentityPolicy = """
        {
          "Version": "2012-10-17",
          "Statement": [
            {
              "Sid": "DescribeImages",
              "Effect": "Allow",
              "Action": ["ec2:DescribeImages", "ec2:DescribeSnapshots", "ec2:DescribeImageAttribute"],
              "Resource": "*"
            },
            {
              "Sid": "ShareImages",
              "Effect": "Allow",
              "Action": ["ec2:ModifyImageAttribute", "ec2:ModifySnapshotAttribute"],
              "Resource": ["arn:aws:ec2:us-east-1::image/*", "arn:aws:ec2:us-east-1:111122223333:snapshot/*"],
              "Condition": { "StringEquals": { "aws:ResourceTag/amishare": "true" } }
            },
            {
              "Sid": "EditSharedKeyPolicy",
              "Effect": "Allow",
              "Action": ["kms:GetKeyPolicy", "kms:PutKeyPolicy", "kms:DescribeKey"],
              "Resource": "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
            },
            {
              "Sid": "OnlyFromCorporateNetwork",
              "Effect": "Deny",
              "Action": "*",
              "Resource": "*",
              "Condition": {
                "NotIpAddress": { "aws:SourceIp": ["203.0.113.0/24", "2001:db8::/32"] },
                "Bool": { "aws:ViaAWSService": "false" }
              }
            },
            {
              "Sid": "OwnFolder",
              "Effect": "Allow",
              "Action": "s3:GetObject",
              "Resource": "arn:aws:s3:::amishare-reports/${aws:username}/*"
            }
          ]
        }
        """;

    [Fact]
    public void Validate_RealisticKeyPolicy_HasNoErrorsOrSecurityWarnings()
    {
        var findings = PolicyValidator.Validate(RealisticKeyPolicy, PolicyKind.Key);

        // KMS accepts spaces in Sids, so those are warnings; nothing worse may appear.
        Assert.DoesNotContain(findings, f => f.Severity is Severity.Error or Severity.SecurityWarning);
        Assert.All(findings, f => Assert.Equal("InvalidSid", f.Code));
    }

    [Fact]
    public void Validate_RealisticIdentityPolicy_HasNoFindings()
    {
        var findings = PolicyValidator.Validate(RealisticIdentityPolicy, PolicyKind.Identity);

        Assert.Empty(findings);
    }

    [Fact]
    public void Validate_ParsedDocument_MatchesValidatingTheText()
    {
        var parsed = PolicyParser.Parse(RealisticKeyPolicy);

        var fromDocument = PolicyValidator.Validate(parsed.Document!, PolicyKind.Key);

        Assert.Equal(PolicyValidator.Validate(RealisticKeyPolicy, PolicyKind.Key).ToArray(), fromDocument.ToArray());
    }

    [Fact]
    public void Validate_NullText_ReportsEmptyPolicy()
    {
        var findings = PolicyValidator.Validate((string?)null, PolicyKind.Identity);

        var finding = Assert.Single(findings);
        Assert.Equal(("EmptyPolicy", Severity.Error), (finding.Code, finding.Severity));
    }

    [Fact]
    public void Validate_NullDocument_ReportsEmptyPolicyInsteadOfThrowing()
    {
        var findings = PolicyValidator.Validate((PolicyDocument)null!, PolicyKind.Key);

        Assert.Equal("EmptyPolicy", Assert.Single(findings).Code);
    }

    [Fact]
    public void Validate_InvalidJson_ReturnsOnlyTheParserFinding()
    {
        var findings = PolicyValidator.Validate("{\"Version\":", PolicyKind.Key);

        Assert.Equal("JsonSyntax", Assert.Single(findings).Code);
    }

    [Fact]
    public void Validate_StructuralAndRuleProblems_ListsParserFindingsFirst()
    {
        var json = With("{\"Effect\":\"Allow\",\"Action\":\"kms-Decrypt\",\"Resource\":\"*\",\"Extra\":1}");

        var findings = PolicyValidator.Validate(json, PolicyKind.Identity);

        Assert.Equal(["UnknownElement", "InvalidAction"], findings.Select(f => f.Code));
    }

    [Theory]
    [InlineData("{\"Effect\":5,\"Action\":\"kms:Decrypt\",\"Resource\":\"*\"}", "MissingEffect")]
    [InlineData("{\"Effect\":\"Permit\",\"Action\":\"kms:Decrypt\",\"Resource\":\"*\"}", "MissingEffect")]
    [InlineData("{\"Effect\":\"Allow\",\"Action\":{\"a\":1},\"Resource\":\"*\"}", "MissingAction")]
    [InlineData("{\"Effect\":\"Allow\",\"Action\":\"kms:Decrypt\",\"Resource\":[1]}", "MissingResource")]
    public void Validate_ElementTheParserCouldNotRead_IsNotAlsoReportedMissing(string statement, string repeatedCode)
    {
        var findings = PolicyValidator.Validate(With(statement), PolicyKind.Identity);

        Assert.Contains(findings, f => f.Severity == Severity.Error && f.Location.StartsWith("Statement[0].", StringComparison.Ordinal));
        Assert.DoesNotContain(findings, f => f.Code == repeatedCode);
    }

    [Fact]
    public void Validate_VersionThatIsNotAString_IsNotAlsoReportedMissing()
    {
        var findings = PolicyValidator.Validate("{\"Version\":2012,\"Statement\":" + IdentityStatement() + "}", PolicyKind.Identity);

        Assert.Contains(findings, f => f.Code == "InvalidValue" && f.Location == "Version");
        Assert.DoesNotContain(findings, f => f.Code == "MissingVersion");
    }

    [Fact]
    public void Validate_KeyPolicyGrownInCode_MeasuresTheStatementsNotTheStaleSize()
    {
        var parsed = PolicyParser.Parse(KeyPolicyOfApproximateSize(34_000)).Document!;
        var builtInCode = parsed with { SizeInBytes = 0 };

        var findings = PolicyValidator.Validate(builtInCode, PolicyKind.Key);

        Assert.Contains(findings, f => f.Code == "KeyPolicyTooLarge");
    }

    [Fact]
    public void Validate_EveryKind_FindingsAreWellFormed()
    {
        foreach (var kind in Enum.GetValues<PolicyKind>())
        {
            foreach (var json in new[] { RealisticKeyPolicy, RealisticIdentityPolicy })
            {
                AssertWellFormed(PolicyValidator.Validate(json, kind));
            }
        }
    }

    internal static void AssertWellFormed(ImmutableArray<Finding> findings)
    {
        Assert.All(findings, f =>
        {
            Assert.Matches("^[A-Z][A-Za-z0-9]+$", f.Code);
            Assert.False(string.IsNullOrWhiteSpace(f.Location));
            Assert.False(string.IsNullOrWhiteSpace(f.Message));
            Assert.NotEqual(PolicyValidator.ValidatorFaultCode, f.Code);
        });
    }
}
