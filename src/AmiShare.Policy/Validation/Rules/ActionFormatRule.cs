using AmiShare.Policy.Model;
using AmiShare.Policy.Catalogue;

namespace AmiShare.Policy.Validation.Rules;

/// <summary>
/// Actions are <c>service:Action</c> (wildcards allowed in the action part) or <c>*</c>. A malformed one
/// matches nothing, so an Allow silently grants less and a Deny silently protects less. An unknown but
/// well-formed action is left alone: the list of AWS actions changes too often to hard-code.
/// </summary>
internal sealed class ActionFormatRule : IPolicyRule
{
    public const string InvalidAction = "InvalidAction";
    public const string ServicePrefixNotLowercase = "ServicePrefixNotLowercase";

    public IEnumerable<Finding> Check(PolicyDocument document, PolicyKind kind)
    {
        foreach (var statement in document.Statements)
        {
            foreach (var (element, actions) in new[] { ("Action", statement.Action), ("NotAction", statement.NotAction) })
            {
                if (actions is not { } list)
                {
                    continue;
                }

                for (var i = 0; i < list.Length; i++)
                {
                    var action = list[i];
                    var location = PolicyLocation.Of(statement, element, i);
                    switch (Classify(action))
                    {
                        case Shape.Malformed:
                            yield return Finding.Error(
                                InvalidAction,
                                location,
                                $"\"{action}\" is not an action. Write it as service:Action with a service prefix of lowercase letters, digits or hyphens, for example \"{KmsActions.Decrypt}\" or \"{Ec2Actions.DescribeAny}\", or use \"*\" alone.");
                            break;
                        case Shape.UppercasePrefix:
                            yield return new Finding(
                                ServicePrefixNotLowercase,
                                Severity.Suggestion,
                                location,
                                $"\"{action}\" works because IAM compares actions case-insensitively, but service prefixes are written in lowercase. Write \"{action[..action.IndexOf(':', StringComparison.Ordinal)].ToLowerInvariant()}{action[action.IndexOf(':', StringComparison.Ordinal)..]}\".");
                            break;
                        default:
                            break;
                    }
                }
            }
        }
    }

    private enum Shape
    {
        WellFormed,
        UppercasePrefix,
        Malformed,
    }

    private static Shape Classify(string action)
    {
        if (action == "*")
        {
            return Shape.WellFormed;
        }

        var colon = action.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || colon == action.Length - 1 || action.IndexOf(':', colon + 1) >= 0)
        {
            return Shape.Malformed;
        }

        var uppercase = false;
        foreach (var c in action.AsSpan(0, colon))
        {
            if (char.IsAsciiLetterUpper(c))
            {
                uppercase = true;
            }
            else if (!(char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-'))
            {
                return Shape.Malformed;
            }
        }

        foreach (var c in action.AsSpan(colon + 1))
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '*' or '?' or '-' or '_' or '.'))
            {
                return Shape.Malformed;
            }
        }

        return uppercase ? Shape.UppercasePrefix : Shape.WellFormed;
    }
}
