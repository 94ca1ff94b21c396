using AmiShare.Policy.Model;
using AmiShare.Policy.Catalogue;

namespace AmiShare.Policy.Validation.Rules;

/// <summary>A statement that names no action grants or denies nothing; AWS rejects it.</summary>
internal sealed class MissingActionRule : IPolicyRule
{
    public const string Code = "MissingAction";

    public IEnumerable<Finding> Check(PolicyDocument document, PolicyKind kind)
    {
        foreach (var statement in document.Statements)
        {
            if (statement.Action is null && statement.NotAction is null)
            {
                yield return Finding.Error(
                    Code,
                    PolicyLocation.Of(statement),
                    $"The statement has neither Action nor NotAction. Add \"Action\" listing the actions it covers, for example \"{KmsActions.Decrypt}\".");
            }
        }
    }
}
