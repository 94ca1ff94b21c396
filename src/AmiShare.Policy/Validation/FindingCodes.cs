namespace AmiShare.Policy.Validation;

/// <summary>
/// The code of every finding the validator's rules report, public so callers compare against a constant rather than
/// retype the string. Each is spelled once, in its rule.
/// </summary>
public static class FindingCodes
{
    /// <inheritdoc cref="PolicyValidator.ValidatorFaultCode"/>
    public const string ValidatorFault = PolicyValidator.ValidatorFaultCode;

    public const string AllowWithNotPrincipal = Rules.AllowWithNotPrincipalRule.Code;

    public const string BothActionAndNotAction = Rules.ConflictingElementsRule.BothActionAndNotAction;

    public const string BothPrincipalAndNotPrincipal = Rules.ConflictingElementsRule.BothPrincipalAndNotPrincipal;

    public const string BothResourceAndNotResource = Rules.ConflictingElementsRule.BothResourceAndNotResource;

    public const string CreateGrantWithoutAwsResourceCondition = Rules.CreateGrantWithoutAwsResourceRule.Code;

    public const string DuplicateSid = Rules.SidRule.DuplicateSid;

    public const string ForAllValuesWithSingleValuedKey = Rules.SetQualifierRule.ForAllValuesWithSingleValuedKey;

    public const string ForAnyValueWithSingleValuedKey = Rules.SetQualifierRule.ForAnyValueWithSingleValuedKey;

    public const string InvalidAction = Rules.ActionFormatRule.InvalidAction;

    public const string InvalidBinaryValue = Rules.ConditionValueTypeRule.InvalidBinaryValue;

    public const string InvalidBoolValue = Rules.ConditionValueTypeRule.InvalidBoolValue;

    public const string InvalidConditionOperator = Rules.ConditionOperatorRule.InvalidConditionOperator;

    public const string InvalidDateValue = Rules.ConditionValueTypeRule.InvalidDateValue;

    public const string InvalidIpAddressValue = Rules.ConditionValueTypeRule.InvalidIpAddressValue;

    public const string InvalidNullValue = Rules.NullOperatorRule.InvalidNullValue;

    public const string InvalidNumericValue = Rules.ConditionValueTypeRule.InvalidNumericValue;

    public const string InvalidPrincipalFormat = Rules.PrincipalFormatRule.InvalidPrincipalFormat;

    public const string InvalidResourceArn = Rules.ResourceArnFormatRule.InvalidResourceArn;

    public const string InvalidSid = Rules.SidRule.InvalidSid;

    public const string InvalidVersion = Rules.VersionRule.InvalidVersion;

    public const string KeyPolicyNearSizeLimit = Rules.PolicySizeRule.KeyPolicyNearSizeLimit;

    public const string KeyPolicyTooLarge = Rules.PolicySizeRule.KeyPolicyTooLarge;

    public const string KmsActionsOnAllKeys = Rules.KmsActionsOnAllKeysRule.Code;

    public const string ManagedPolicyTooLarge = Rules.PolicySizeRule.ManagedPolicyTooLarge;

    public const string MissingAction = Rules.MissingActionRule.Code;

    public const string MissingEffect = Rules.MissingEffectRule.Code;

    public const string MissingPrincipal = Rules.MissingPrincipalRule.Code;

    public const string MissingResource = Rules.MissingResourceRule.Code;

    public const string MissingVersion = Rules.VersionRule.MissingVersion;

    public const string MultivaluedKeyWithoutQualifier = Rules.SetQualifierRule.MultivaluedKeyWithoutQualifier;

    public const string NullWithIfExists = Rules.NullOperatorRule.NullWithIfExists;

    public const string PublicAccess = Rules.PublicAccessRule.Code;

    public const string ServicePrefixNotLowercase = Rules.ActionFormatRule.ServicePrefixNotLowercase;

    public const string UnsupportedPrincipal = Rules.UnsupportedPrincipalRule.Code;

    public const string UnsupportedWildcardInPrincipal = Rules.PrincipalFormatRule.UnsupportedWildcardInPrincipal;

    public const string VariablesNeedCurrentVersion = Rules.VersionRule.VariablesNeedCurrentVersion;

    public const string WildcardInLiteralOperator = Rules.WildcardInLiteralOperatorRule.Code;
}
