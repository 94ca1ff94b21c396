using AmiShare.Policy.Model;

namespace AmiShare.Policy.Validation.Rules;

/// <summary>
/// Allow with NotPrincipal grants to everyone except those listed, anonymous callers included. It is
/// almost never what is meant; AWS itself advises against it.
/// </summary>
internal sealed class AllowWithNotPrincipalRule : IPolicyRule
{
    public const string Code = "AllowWithNotPrincipal";

    public IEnumerable<Finding> Check(PolicyDocument document, PolicyKind kind)
    {
        if (kind is not (PolicyKind.Resource or PolicyKind.Key))
        {
            yield break;
        }

        foreach (var statement in document.Statements)
        {
            if (statement.Effect == Effect.Allow && statement.NotPrincipal is not null)
            {
                yield return new Finding(
                    Code,
                    Severity.SecurityWarning,
                    PolicyLocation.Of(statement, "NotPrincipal"),
                    "Allow with NotPrincipal grants access to every principal except those listed, including other accounts and anonymous callers. Use Principal to name who is allowed instead.");
            }
        }
    }
}
