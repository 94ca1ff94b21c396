using AmiShare.Policy.Validation;
using static AmiShare.Policy.Tests.Validation.PolicyText;

namespace AmiShare.Policy.Tests.Validation;

/// <summary>
/// Each rule with a policy that trips it (code, severity and location asserted) and a near miss that must
/// not, so a rule that fires too eagerly fails as surely as one that never fires.
/// </summary>
public sealed class PolicyValidatorRuleTests
{
    private const string Root = "{\"AWS\":\"arn:aws:iam::111122223333:root\"}";
    private const string Target = "{\"AWS\":\"arn:aws:iam::444455556666:root\"}";

    public static TheoryData<string, PolicyKind, string, Severity, string> Triggers => new()
    {
        // Required elements and their Not- alternatives.
        { With("{\"Action\":\"kms:Decrypt\",\"Resource\":\"*\"}"), PolicyKind.Identity, "MissingEffect", Severity.Error, "Statement[0]" },
        { With("{\"Effect\":\"Allow\",\"Resource\":\"*\"}"), PolicyKind.Identity, "MissingAction", Severity.Error, "Statement[0]" },
        { With(IdentityStatement("\"NotAction\":\"iam:*\"")), PolicyKind.Identity, "BothActionAndNotAction", Severity.Error, "Statement[0]" },
        { With(IdentityStatement("\"NotResource\":\"arn:aws:s3:::b\"")), PolicyKind.Identity, "BothResourceAndNotResource", Severity.Error, "Statement[0]" },
        { With("{\"Effect\":\"Deny\",\"Principal\":" + Target + ",\"NotPrincipal\":" + Root + ",\"Action\":\"kms:*\",\"Resource\":\"*\"}"), PolicyKind.Key, "BothPrincipalAndNotPrincipal", Severity.Error, "Statement[0]" },
        { With("{\"Effect\":\"Allow\",\"Action\":\"kms:Decrypt\"}"), PolicyKind.Identity, "MissingResource", Severity.Error, "Statement[0]" },
        { With("{\"Effect\":\"Allow\",\"Action\":\"kms:Decrypt\"}"), PolicyKind.Boundary, "MissingResource", Severity.Error, "Statement[0]" },
        { With("{\"Effect\":\"Allow\",\"Action\":\"kms:Decrypt\"}"), PolicyKind.Session, "MissingResource", Severity.Error, "Statement[0]" },
        { With("{\"Effect\":\"Allow\",\"Action\":\"*\"}"), PolicyKind.ServiceControl, "MissingResource", Severity.Error, "Statement[0]" },
        { With("{\"Effect\":\"Allow\",\"Principal\":" + Target + ",\"Action\":\"kms:Decrypt\"}"), PolicyKind.Key, "MissingResource", Severity.Error, "Statement[0]" },
        { With("{\"Effect\":\"Allow\",\"Action\":\"kms:Decrypt\",\"Resource\":\"*\"}"), PolicyKind.Key, "MissingPrincipal", Severity.Error, "Statement[0]" },
        { With("{\"Effect\":\"Allow\",\"Action\":\"sts:AssumeRole\"}"), PolicyKind.Resource, "MissingPrincipal", Severity.Error, "Statement[0]" },
        { With(IdentityStatement("\"Principal\":\"*\"")), PolicyKind.Identity, "UnsupportedPrincipal", Severity.Error, "Statement[0].Principal" },
        { With(IdentityStatement("\"NotPrincipal\":" + Root)), PolicyKind.ServiceControl, "UnsupportedPrincipal", Severity.Error, "Statement[0].NotPrincipal" },

        // Version.
        { WithVersion(null, IdentityStatement()), PolicyKind.Identity, "MissingVersion", Severity.Warning, "$" },
        { WithVersion("2012-10-18", IdentityStatement()), PolicyKind.Identity, "InvalidVersion", Severity.Error, "Version" },
        { WithVersion("2008-10-17", "{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":\"arn:aws:s3:::b/${aws:username}/*\"}"), PolicyKind.Identity, "VariablesNeedCurrentVersion", Severity.Warning, "Statement[0].Resource[0]" },
        { WithVersion(null, IdentityWithCondition("{\"StringEquals\":{\"aws:PrincipalTag/team\":\"${aws:username}\"}}")), PolicyKind.Identity, "VariablesNeedCurrentVersion", Severity.Warning, "Statement[0].Condition.StringEquals.aws:PrincipalTag/team" },

        // Sids.
        { With(IdentityStatement("\"Sid\":\"Share\""), IdentityStatement("\"Sid\":\"Share\"")), PolicyKind.Identity, "DuplicateSid", Severity.Error, "Statement[1].Sid" },
        { With(IdentityStatement("\"Sid\":\"Allow share\"")), PolicyKind.Identity, "InvalidSid", Severity.Error, "Statement[0].Sid" },
        { With(KeyStatement().Replace("{\"Effect\"", "{\"Sid\":\"Allow use of the key\",\"Effect\"", StringComparison.Ordinal)), PolicyKind.Key, "InvalidSid", Severity.Warning, "Statement[0].Sid" },

        // Actions and resources.
        { With("{\"Effect\":\"Allow\",\"Action\":[\"kms:Decrypt\",\"kms-Decrypt\"],\"Resource\":\"*\"}"), PolicyKind.Identity, "InvalidAction", Severity.Error, "Statement[0].Action[1]" },
        { With("{\"Effect\":\"Allow\",\"Action\":\"kms:\",\"Resource\":\"*\"}"), PolicyKind.Identity, "InvalidAction", Severity.Error, "Statement[0].Action[0]" },
        { With("{\"Effect\":\"Deny\",\"NotAction\":\"k_ms:Decrypt\",\"Resource\":\"*\"}"), PolicyKind.Identity, "InvalidAction", Severity.Error, "Statement[0].NotAction[0]" },
        { With("{\"Effect\":\"Allow\",\"Action\":\"kms:Get:Key\",\"Resource\":\"*\"}"), PolicyKind.Identity, "InvalidAction", Severity.Error, "Statement[0].Action[0]" },
        { With("{\"Effect\":\"Allow\",\"Action\":\"KMS:Decrypt\",\"Resource\":\"*\"}"), PolicyKind.Identity, "ServicePrefixNotLowercase", Severity.Suggestion, "Statement[0].Action[0]" },
        { With("{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":\"my-bucket\"}"), PolicyKind.Identity, "InvalidResourceArn", Severity.Error, "Statement[0].Resource[0]" },
        { With("{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":[\"*\",\"arn:aws:s3\"]}"), PolicyKind.Identity, "InvalidResourceArn", Severity.Error, "Statement[0].Resource[1]" },
        { With("{\"Effect\":\"Deny\",\"Action\":\"s3:*\",\"NotResource\":\"arn:aws:s3:::\"}"), PolicyKind.Identity, "InvalidResourceArn", Severity.Error, "Statement[0].NotResource[0]" },

        // Principals.
        { With(KeyStatement(principal: "{\"AWS\":\"12345\"}")), PolicyKind.Key, "InvalidPrincipalFormat", Severity.Error, "Statement[0].Principal.AWS" },
        { With(KeyStatement(principal: "{\"AWS\":\"arn:aws:iam::444455556666:group/admins\"}")), PolicyKind.Key, "InvalidPrincipalFormat", Severity.Error, "Statement[0].Principal.AWS" },
        { With(KeyStatement(principal: "{\"Service\":\"ec2\"}")), PolicyKind.Key, "InvalidPrincipalFormat", Severity.Error, "Statement[0].Principal.Service" },
        { With(KeyStatement(principal: "{\"AWS\":\"arn:aws:iam::*:root\"}")), PolicyKind.Key, "UnsupportedWildcardInPrincipal", Severity.Error, "Statement[0].Principal.AWS" },
        { With(KeyStatement(principal: "{\"AWS\":\"arn:aws:iam::444455556666:role/*\"}")), PolicyKind.Key, "UnsupportedWildcardInPrincipal", Severity.Error, "Statement[0].Principal.AWS" },
        { With(KeyStatement(effect: "Allow", principal: "{\"AWS\":\"arn:aws:iam::444455556666:root\"}").Replace("\"Principal\"", "\"NotPrincipal\"", StringComparison.Ordinal)), PolicyKind.Key, "AllowWithNotPrincipal", Severity.SecurityWarning, "Statement[0].NotPrincipal" },
        { With(KeyStatement(principal: "\"*\"")), PolicyKind.Key, "PublicAccess", Severity.SecurityWarning, "Statement[0].Principal" },
        { With(KeyStatement("{\"StringEquals\":{\"kms:EncryptionContext:aws:ebs:id\":\"vol-1\"}}", principal: "{\"AWS\":\"*\"}")), PolicyKind.Key, "PublicAccess", Severity.SecurityWarning, "Statement[0].Principal" },
        { With(KeyStatement("{\"StringNotEquals\":{\"aws:PrincipalOrgID\":\"o-abc123\"}}", principal: "\"*\"")), PolicyKind.Resource, "PublicAccess", Severity.SecurityWarning, "Statement[0].Principal" },
        { With(KeyStatement("{\"StringEqualsIfExists\":{\"aws:PrincipalOrgID\":\"o-abc123\"}}", principal: "\"*\"")), PolicyKind.Key, "PublicAccess", Severity.SecurityWarning, "Statement[0].Principal" },

        // Condition operators and values.
        { With(IdentityWithCondition("{\"StringEqual\":{\"aws:SourceVpc\":\"vpc-1\"}}")), PolicyKind.Identity, "InvalidConditionOperator", Severity.Error, "Statement[0].Condition.StringEqual" },
        { With(IdentityWithCondition("{\"stringEquals\":{\"aws:SourceVpc\":\"vpc-1\"}}")), PolicyKind.Identity, "InvalidConditionOperator", Severity.Error, "Statement[0].Condition.stringEquals" },
        { With(IdentityWithCondition("{\"NullIfExists\":{\"aws:TokenIssueTime\":\"true\"}}")), PolicyKind.Identity, "NullWithIfExists", Severity.Error, "Statement[0].Condition.NullIfExists.aws:TokenIssueTime" },
        { With(IdentityWithCondition("{\"Null\":{\"aws:TokenIssueTime\":\"yes\"}}")), PolicyKind.Identity, "InvalidNullValue", Severity.Error, "Statement[0].Condition.Null.aws:TokenIssueTime" },
        { With(IdentityWithCondition("{\"Bool\":{\"aws:SecureTransport\":\"yes\"}}")), PolicyKind.Identity, "InvalidBoolValue", Severity.Error, "Statement[0].Condition.Bool.aws:SecureTransport" },
        { With(IdentityWithCondition("{\"NumericLessThan\":{\"aws:MultiFactorAuthAge\":\"an hour\"}}")), PolicyKind.Identity, "InvalidNumericValue", Severity.Error, "Statement[0].Condition.NumericLessThan.aws:MultiFactorAuthAge" },
        { With(IdentityWithCondition("{\"DateGreaterThan\":{\"aws:CurrentTime\":\"tomorrow\"}}")), PolicyKind.Identity, "InvalidDateValue", Severity.Error, "Statement[0].Condition.DateGreaterThan.aws:CurrentTime" },
        { With(IdentityWithCondition("{\"IpAddress\":{\"aws:SourceIp\":\"10.0.0.0/33\"}}")), PolicyKind.Identity, "InvalidIpAddressValue", Severity.Error, "Statement[0].Condition.IpAddress.aws:SourceIp" },
        { With(IdentityWithCondition("{\"NotIpAddress\":{\"aws:SourceIp\":[\"203.0.113.0/24\",\"office\"]}}")), PolicyKind.Identity, "InvalidIpAddressValue", Severity.Error, "Statement[0].Condition.NotIpAddress.aws:SourceIp" },
        { With(IdentityWithCondition("{\"BinaryEquals\":{\"kms:EncryptionContext:blob\":\"not base64!\"}}")), PolicyKind.Identity, "InvalidBinaryValue", Severity.Error, "Statement[0].Condition.BinaryEquals.kms:EncryptionContext:blob" },
        { With(IdentityWithCondition("{\"StringEquals\":{\"aws:PrincipalArn\":\"arn:aws:iam::444455556666:role/*\"}}")), PolicyKind.Identity, "WildcardInLiteralOperator", Severity.Warning, "Statement[0].Condition.StringEquals.aws:PrincipalArn" },
        { With(IdentityWithCondition("{\"StringNotEqualsIgnoreCase\":{\"aws:username\":\"admin?\"}}")), PolicyKind.Identity, "WildcardInLiteralOperator", Severity.Warning, "Statement[0].Condition.StringNotEqualsIgnoreCase.aws:username" },

        // Set qualifiers.
        { With(KeyStatement("{\"ForAllValues:StringEquals\":{\"aws:PrincipalOrgID\":\"o-abc123\"}}", principal: Target)), PolicyKind.Key, "ForAllValuesWithSingleValuedKey", Severity.SecurityWarning, "Statement[0].Condition.ForAllValues:StringEquals.aws:PrincipalOrgID" },
        { With(KeyStatement("{\"ForAllValues:StringNotEquals\":{\"kms:CallerAccount\":\"444455556666\"}}", effect: "Deny", principal: "\"*\"")), PolicyKind.Key, "ForAllValuesWithSingleValuedKey", Severity.Warning, "Statement[0].Condition.ForAllValues:StringNotEquals.kms:CallerAccount" },
        { With(IdentityWithCondition("{\"ForAnyValue:StringEquals\":{\"ec2:Region\":\"us-east-1\"}}")), PolicyKind.Identity, "ForAnyValueWithSingleValuedKey", Severity.Warning, "Statement[0].Condition.ForAnyValue:StringEquals.ec2:Region" },
        { With(IdentityWithCondition("{\"StringEquals\":{\"aws:TagKeys\":\"team\"}}")), PolicyKind.Identity, "MultivaluedKeyWithoutQualifier", Severity.Warning, "Statement[0].Condition.StringEquals.aws:TagKeys" },
        { With(KeyStatement("{\"StringLike\":{\"aws:PrincipalOrgPaths\":\"o-abc123/r-ab12/ou-ab12-11111111/*\"}}", principal: "\"*\"")), PolicyKind.Key, "MultivaluedKeyWithoutQualifier", Severity.Warning, "Statement[0].Condition.StringLike.aws:PrincipalOrgPaths" },

        // Size.
        { KeyPolicyOfApproximateSize(34_000), PolicyKind.Key, "KeyPolicyTooLarge", Severity.Error, "$" },
        { KeyPolicyOfApproximateSize(28_000), PolicyKind.Key, "KeyPolicyNearSizeLimit", Severity.Warning, "$" },
        { With(IdentityStatement("\"Sid\":\"" + new string('A', 6_200) + "\"")), PolicyKind.Identity, "ManagedPolicyTooLarge", Severity.Warning, "$" },

        // KMS specifics.
        { With("{\"Effect\":\"Allow\",\"Action\":\"kms:*\",\"Resource\":\"*\"}"), PolicyKind.Identity, "KmsActionsOnAllKeys", Severity.Suggestion, "Statement[0].Resource" },
        { With(KeyStatement(principal: Root).Replace("kms:Decrypt", "kms:*", StringComparison.Ordinal), "{\"Effect\":\"Allow\",\"Principal\":" + Target + ",\"Action\":[\"kms:DescribeKey\",\"kms:CreateGrant\"],\"Resource\":\"*\"}"), PolicyKind.Key, "CreateGrantWithoutAwsResourceCondition", Severity.Warning, "Statement[1]" },
        { With("{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"*\"},\"Action\":\"kms:Create*\",\"Resource\":\"*\",\"Condition\":{\"StringEquals\":{\"kms:CallerAccount\":\"444455556666\"}}}"), PolicyKind.Key, "CreateGrantWithoutAwsResourceCondition", Severity.Warning, "Statement[0]" },
    };

    public static TheoryData<string, PolicyKind, string> NearMisses => new()
    {
        { With(IdentityStatement()), PolicyKind.Identity, "MissingEffect" },
        { With("{\"Effect\":\"Deny\",\"NotAction\":\"iam:*\",\"Resource\":\"*\"}"), PolicyKind.Identity, "MissingAction" },
        { With("{\"Effect\":\"Deny\",\"NotAction\":\"iam:*\",\"Resource\":\"*\"}"), PolicyKind.Identity, "BothActionAndNotAction" },
        { With("{\"Effect\":\"Deny\",\"Action\":\"s3:*\",\"NotResource\":\"arn:aws:s3:::b/*\"}"), PolicyKind.Identity, "BothResourceAndNotResource" },
        { With(KeyStatement(principal: Target)), PolicyKind.Key, "BothPrincipalAndNotPrincipal" },
        { With("{\"Effect\":\"Deny\",\"Action\":\"s3:*\",\"NotResource\":\"arn:aws:s3:::b/*\"}"), PolicyKind.Identity, "MissingResource" },
        { With("{\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"ec2.amazonaws.com\"},\"Action\":\"sts:AssumeRole\"}"), PolicyKind.Resource, "MissingResource" },
        { With("{\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"ec2.amazonaws.com\"},\"Action\":\"sts:AssumeRole\"}"), PolicyKind.Resource, "MissingPrincipal" },
        { With(IdentityStatement()), PolicyKind.Identity, "MissingPrincipal" },
        { With(KeyStatement(principal: Target)), PolicyKind.Key, "UnsupportedPrincipal" },
        { With(IdentityStatement()), PolicyKind.Identity, "MissingVersion" },
        { WithVersion("2008-10-17", IdentityStatement()), PolicyKind.Identity, "InvalidVersion" },
        { With("{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":\"arn:aws:s3:::b/${aws:username}/*\"}"), PolicyKind.Identity, "VariablesNeedCurrentVersion" },
        { With(IdentityStatement("\"Sid\":\"Share\""), IdentityStatement("\"Sid\":\"share\"")), PolicyKind.Identity, "DuplicateSid" },
        { With(IdentityStatement("\"Sid\":\"AllowShare2\"")), PolicyKind.Identity, "InvalidSid" },
        { With("{\"Effect\":\"Allow\",\"Action\":[\"kms:ReEncrypt*\",\"ec2:Describe?mages\",\"execute-api:Invoke\",\"made-up:SomeNewAction\",\"*\"],\"Resource\":\"*\"}"), PolicyKind.Identity, "InvalidAction" },
        { With("{\"Effect\":\"Allow\",\"Action\":\"kms:Decrypt\",\"Resource\":\"*\"}"), PolicyKind.Identity, "ServicePrefixNotLowercase" },
        { With("{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":[\"*\",\"arn:aws:s3:::b/*\",\"arn:aws:kms:*:*:key/*\",\"arn:${aws:partition}:s3:::b/${aws:username}\"]}"), PolicyKind.Identity, "InvalidResourceArn" },
        { With(KeyStatement(principal: "{\"AWS\":[\"444455556666\",\"arn:aws:iam::444455556666:role/path/Launcher\",\"arn:aws:sts::444455556666:assumed-role/Launcher/session\",\"arn:aws:iam::444455556666:user/alice\"],\"Service\":\"ec2.amazonaws.com\"}")), PolicyKind.Key, "InvalidPrincipalFormat" },
        { With(KeyStatement("{\"StringEquals\":{\"aws:PrincipalOrgID\":\"o-abc123\"}}", principal: "{\"AWS\":\"*\"}")), PolicyKind.Key, "UnsupportedWildcardInPrincipal" },
        { With(KeyStatement(effect: "Deny", principal: Target).Replace("\"Principal\"", "\"NotPrincipal\"", StringComparison.Ordinal)), PolicyKind.Key, "AllowWithNotPrincipal" },
        { With(KeyStatement("{\"StringEquals\":{\"aws:PrincipalOrgID\":\"o-abc123\"}}", principal: "\"*\"")), PolicyKind.Key, "PublicAccess" },
        { With(KeyStatement("{\"StringEquals\":{\"kms:ViaService\":\"ec2.us-east-1.amazonaws.com\",\"kms:CallerAccount\":\"444455556666\"}}", principal: "{\"AWS\":\"*\"}")), PolicyKind.Key, "PublicAccess" },
        { With(KeyStatement(effect: "Deny", principal: "\"*\"")), PolicyKind.Key, "PublicAccess" },
        { With(IdentityWithCondition("{\"ForAnyValue:StringLikeIfExists\":{\"aws:TagKeys\":\"team*\"}}")), PolicyKind.Identity, "InvalidConditionOperator" },
        { With(IdentityWithCondition("{\"Null\":{\"aws:TokenIssueTime\":\"true\"}}")), PolicyKind.Identity, "NullWithIfExists" },
        { With(IdentityWithCondition("{\"Null\":{\"aws:TokenIssueTime\":false}}")), PolicyKind.Identity, "InvalidNullValue" },
        { With(IdentityWithCondition("{\"Bool\":{\"aws:SecureTransport\":true}}")), PolicyKind.Identity, "InvalidBoolValue" },
        { With(IdentityWithCondition("{\"NumericLessThan\":{\"aws:MultiFactorAuthAge\":[\"3600\",2.5]}}")), PolicyKind.Identity, "InvalidNumericValue" },
        { With(IdentityWithCondition("{\"DateGreaterThan\":{\"aws:CurrentTime\":[\"2026-01-01T00:00:00Z\",\"2026-01-01\",\"1767225600\"]}}")), PolicyKind.Identity, "InvalidDateValue" },
        { With(IdentityWithCondition("{\"IpAddress\":{\"aws:SourceIp\":[\"203.0.113.0/24\",\"2001:db8::/32\",\"198.51.100.7\"]}}")), PolicyKind.Identity, "InvalidIpAddressValue" },
        { With(IdentityWithCondition("{\"BinaryEquals\":{\"kms:EncryptionContext:blob\":\"QmluYXJ5\"}}")), PolicyKind.Identity, "InvalidBinaryValue" },
        { With(IdentityWithCondition("{\"StringLike\":{\"aws:PrincipalArn\":\"arn:aws:iam::444455556666:role/*\"},\"ArnEquals\":{\"aws:SourceArn\":\"arn:aws:ec2:*:444455556666:instance/*\"},\"StringEquals\":{\"aws:username\":\"literal${*}star\"}}")), PolicyKind.Identity, "WildcardInLiteralOperator" },
        { With(KeyStatement("{\"ForAllValues:StringEquals\":{\"kms:GrantOperations\":[\"Decrypt\",\"DescribeKey\"]}}", principal: Target)), PolicyKind.Key, "ForAllValuesWithSingleValuedKey" },
        { With(KeyStatement("{\"ForAnyValue:StringLike\":{\"aws:PrincipalOrgPaths\":\"o-abc123/r-ab12/ou-ab12-11111111/*\"}}", principal: "\"*\"")), PolicyKind.Key, "ForAnyValueWithSingleValuedKey" },
        { With(IdentityWithCondition("{\"Null\":{\"aws:TagKeys\":\"false\"},\"ForAllValues:StringEquals\":{\"aws:TagKeys\":\"team\"}}")), PolicyKind.Identity, "MultivaluedKeyWithoutQualifier" },
        { With(IdentityWithCondition("{\"StringEquals\":{\"aws:SomeFutureKey\":\"x\"},\"ForAllValues:StringEquals\":{\"vendor:SomeFutureKey\":\"x\"}}")), PolicyKind.Identity, "ForAllValuesWithSingleValuedKey" },
        { KeyPolicyOfApproximateSize(20_000), PolicyKind.Key, "KeyPolicyNearSizeLimit" },
        { KeyPolicyOfApproximateSize(34_000), PolicyKind.Resource, "KeyPolicyTooLarge" },
        { With(IdentityStatement()).Replace(",", "," + new string(' ', 8_000), StringComparison.Ordinal), PolicyKind.Identity, "ManagedPolicyTooLarge" },
        { With("{\"Effect\":\"Allow\",\"Action\":\"kms:*\",\"Resource\":\"" + KeyArn + "\"}"), PolicyKind.Identity, "KmsActionsOnAllKeys" },
        { With("{\"Effect\":\"Allow\",\"Action\":\"kms:*\",\"Resource\":\"*\"}"), PolicyKind.Boundary, "KmsActionsOnAllKeys" },
        { With(KeyStatement(principal: Root).Replace("kms:Decrypt", "kms:*", StringComparison.Ordinal), "{\"Effect\":\"Allow\",\"Principal\":" + Target + ",\"Action\":\"kms:CreateGrant\",\"Resource\":\"*\",\"Condition\":{\"Bool\":{\"kms:GrantIsForAWSResource\":\"true\"}}}"), PolicyKind.Key, "CreateGrantWithoutAwsResourceCondition" },
        { With(KeyStatement(principal: Root).Replace("kms:Decrypt", "kms:*", StringComparison.Ordinal), "{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::111122223333:role/KeyAdmin\"},\"Action\":[\"kms:Create*\",\"kms:Describe*\"],\"Resource\":\"*\"}"), PolicyKind.Key, "CreateGrantWithoutAwsResourceCondition" },
    };

    [Theory]
    [MemberData(nameof(Triggers))]
    public void Validate_PolicyBreakingRule_ReportsCodeSeverityAndLocation(string json, PolicyKind kind, string code, Severity severity, string location)
    {
        var findings = PolicyValidator.Validate(json, kind);

        Assert.Contains(findings, f => f.Code == code && f.Severity == severity && f.Location == location);
    }

    [Theory]
    [MemberData(nameof(Triggers))]
    public void Validate_PolicyBreakingRule_MessageSaysWhatToDo(string json, PolicyKind kind, string code, Severity severity, string location)
    {
        var finding = PolicyValidator.Validate(json, kind).First(f => f.Code == code && f.Severity == severity && f.Location == location);

        // Every message names the problem and a fix; the fixes are phrased as instructions.
        Assert.Matches("(Add|Use|Remove|Keep|Rename|Set|Write|Name|Scope|Merge|Encode|Prefer)\\b", finding.Message);
    }

    [Theory]
    [MemberData(nameof(NearMisses))]
    public void Validate_NearMiss_DoesNotReportCode(string json, PolicyKind kind, string code)
    {
        var findings = PolicyValidator.Validate(json, kind);

        Assert.DoesNotContain(findings, f => f.Code == code);
    }
}
