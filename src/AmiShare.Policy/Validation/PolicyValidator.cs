using System.Collections.Frozen;
using System.Collections.Immutable;
using AmiShare.Policy.Model;
using AmiShare.Policy.Parsing;
using AmiShare.Policy.Validation.Rules;

namespace AmiShare.Policy.Validation;

/// <summary>
/// Checks a policy the way IAM Access Analyzer's policy validation does: errors for what AWS rejects or
/// ignores, security warnings for over-grants, warnings for surprises, suggestions for style.
/// </summary>
public static class PolicyValidator
{
    /// <summary>Reported when a rule itself fails; the fuzz tests assert it never appears.</summary>
    public const string ValidatorFaultCode = "ValidatorFault";

    /// <summary>Every rule, in the order their findings are reported.</summary>
    private static readonly ImmutableArray<IPolicyRule> Rules =
    [
        new VersionRule(),
        new MissingEffectRule(),
        new MissingActionRule(),
        new ConflictingElementsRule(),
        new MissingResourceRule(),
        new MissingPrincipalRule(),
        new UnsupportedPrincipalRule(),
        new SidRule(),
        new ActionFormatRule(),
        new ResourceArnFormatRule(),
        new PrincipalFormatRule(),
        new ConditionOperatorRule(),
        new NullOperatorRule(),
        new ConditionValueTypeRule(),
        new WildcardInLiteralOperatorRule(),
        new SetQualifierRule(),
        new AllowWithNotPrincipalRule(),
        new PublicAccessRule(),
        new PolicySizeRule(),
        new KmsActionsOnAllKeysRule(),
        new CreateGrantWithoutAwsResourceRule(),
    ];

    /// <summary>
    /// A rule saying an element is missing adds nothing when the parser already reported that element as
    /// unreadable (a number for Effect, an object for Action): the model holds null in both cases.
    /// </summary>
    private static readonly FrozenDictionary<string, string[]> ElementsBehindMissingCodes = new Dictionary<string, string[]>
    {
        [VersionRule.MissingVersion] = ["Version"],
        [MissingEffectRule.Code] = ["Effect"],
        [MissingActionRule.Code] = ["Action", "NotAction"],
        [MissingResourceRule.Code] = ["Resource", "NotResource"],
        [MissingPrincipalRule.Code] = ["Principal", "NotPrincipal"],
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>Parses, then runs every rule; structural parser findings come first. Never throws.</summary>
    public static ImmutableArray<Finding> Validate(string? json, PolicyKind kind)
    {
        var parsed = PolicyParser.Parse(json);
        if (parsed.Document is not { } document)
        {
            return parsed.Findings;
        }

        var findings = ImmutableArray.CreateBuilder<Finding>();
        findings.AddRange(parsed.Findings);
        foreach (var finding in RunRules(document, kind))
        {
            if (!ParserAlreadyExplained(finding, parsed.Findings))
            {
                findings.Add(finding);
            }
        }

        return findings.ToImmutable();
    }

    /// <summary>Runs every rule over an already parsed (or built) document. Never throws.</summary>
    public static ImmutableArray<Finding> Validate(PolicyDocument document, PolicyKind kind)
    {
        if (document is null)
        {
            return [Finding.Error("EmptyPolicy", PolicyLocation.Document, "No policy document was given; pass a parsed policy.")];
        }

        return [.. RunRules(document, kind)];
    }

    private static List<Finding> RunRules(PolicyDocument document, PolicyKind kind)
    {
        var findings = new List<Finding>();
        foreach (var rule in Rules)
        {
            try
            {
                findings.AddRange(rule.Check(document, kind));
            }
#pragma warning disable CA1031 // One faulty rule must not take the whole report (and the CLI) down with it.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                findings.Add(Finding.Error(
                    ValidatorFaultCode,
                    PolicyLocation.Document,
                    $"The check {rule.GetType().Name} failed on this policy ({ex.GetType().Name}); other checks still ran. This is a bug in AmiShare: please report it with the policy."));
            }
        }

        return findings;
    }

    private static bool ParserAlreadyExplained(Finding finding, ImmutableArray<Finding> parserFindings)
    {
        if (!ElementsBehindMissingCodes.TryGetValue(finding.Code, out var elements))
        {
            return false;
        }

        foreach (var element in elements)
        {
            var path = finding.Location == PolicyLocation.Document ? element : finding.Location + "." + element;
            foreach (var reported in parserFindings)
            {
                if (reported.Severity == Severity.Error
                    && (reported.Location == path || reported.Location.StartsWith(path + ".", StringComparison.Ordinal)))
                {
                    return true;
                }
            }
        }

        return false;
    }
}
