using AmiShare.Policy.Model;

namespace AmiShare.Policy.Validation.Rules;

/// <summary>
/// An element and its Not- counterpart are alternatives; AWS rejects a statement that has both,
/// because the meaning of the pair is ambiguous.
/// </summary>
internal sealed class ConflictingElementsRule : IPolicyRule
{
    public const string BothActionAndNotAction = "BothActionAndNotAction";
    public const string BothResourceAndNotResource = "BothResourceAndNotResource";
    public const string BothPrincipalAndNotPrincipal = "BothPrincipalAndNotPrincipal";

    public IEnumerable<Finding> Check(PolicyDocument document, PolicyKind kind)
    {
        foreach (var statement in document.Statements)
        {
            if (statement.Action is not null && statement.NotAction is not null)
            {
                yield return Conflict(BothActionAndNotAction, statement, "Action");
            }

            if (statement.Resource is not null && statement.NotResource is not null)
            {
                yield return Conflict(BothResourceAndNotResource, statement, "Resource");
            }

            if (statement.Principal is not null && statement.NotPrincipal is not null)
            {
                yield return Conflict(BothPrincipalAndNotPrincipal, statement, "Principal");
            }
        }
    }

    private static Finding Conflict(string code, PolicyStatement statement, string element) => Finding.Error(
        code,
        PolicyLocation.Of(statement),
        $"The statement has both {element} and Not{element}; a statement may use only one of them. Keep one, or split the statement in two.");
}
