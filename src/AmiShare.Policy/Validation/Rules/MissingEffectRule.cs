using AmiShare.Policy.Model;

namespace AmiShare.Policy.Validation.Rules;

/// <summary>Every statement must say whether it allows or denies; AWS rejects a statement without Effect.</summary>
internal sealed class MissingEffectRule : IPolicyRule
{
    public const string Code = "MissingEffect";

    public IEnumerable<Finding> Check(PolicyDocument document, PolicyKind kind)
    {
        foreach (var statement in document.Statements)
        {
            if (statement.Effect is null)
            {
                yield return Finding.Error(
                    Code,
                    PolicyLocation.Of(statement),
                    "The statement has no Effect. Add \"Effect\": \"Allow\" or \"Effect\": \"Deny\".");
            }
        }
    }
}
