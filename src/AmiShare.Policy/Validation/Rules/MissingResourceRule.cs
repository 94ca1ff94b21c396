using AmiShare.Policy.Model;

namespace AmiShare.Policy.Validation.Rules;

/// <summary>
/// Identity, boundary, session and service control policies apply to the caller, so each statement must
/// say which resources it covers. KMS likewise requires Resource in key policies, where <c>"*"</c> means
/// "this key". Other resource policies are left alone: role trust policies have no Resource at all.
/// </summary>
internal sealed class MissingResourceRule : IPolicyRule
{
    public const string Code = "MissingResource";

    public IEnumerable<Finding> Check(PolicyDocument document, PolicyKind kind)
    {
        if (kind is not (PolicyKind.Identity or PolicyKind.Boundary or PolicyKind.Session or PolicyKind.ServiceControl or PolicyKind.Key))
        {
            yield break;
        }

        var fix = kind == PolicyKind.Key
            ? "KMS requires a Resource in every key policy statement. Add \"Resource\": \"*\", which means this key."
            : "Add \"Resource\" naming the ARNs it covers, or \"*\".";
        foreach (var statement in document.Statements)
        {
            if (statement.Resource is null && statement.NotResource is null)
            {
                yield return Finding.Error(Code, PolicyLocation.Of(statement), "The statement has neither Resource nor NotResource. " + fix);
            }
        }
    }
}
