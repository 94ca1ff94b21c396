using AmiShare.Policy.Model;
using AmiShare.Policy.Catalogue;

namespace AmiShare.Policy.Validation.Rules;

/// <summary>
/// An identity policy allowing every KMS action on every key lets its holder use (and administer) any key
/// whose policy delegates to IAM, including keys shared from other accounts. Naming the key ARNs keeps a
/// share's blast radius to the keys it needs.
/// </summary>
internal sealed class KmsActionsOnAllKeysRule : IPolicyRule
{
    public const string Code = "KmsActionsOnAllKeys";

    public IEnumerable<Finding> Check(PolicyDocument document, PolicyKind kind)
    {
        if (kind != PolicyKind.Identity)
        {
            yield break;
        }

        foreach (var statement in document.Statements)
        {
            if (statement.Effect == Effect.Allow
                && statement.Action is { } actions && actions.Any(a => a.Equals(KmsActions.All, StringComparison.OrdinalIgnoreCase))
                && statement.Resource is { } resources && resources.Contains("*"))
            {
                yield return new Finding(
                    Code,
                    Severity.Suggestion,
                    PolicyLocation.Of(statement, "Resource"),
                    $"This statement allows {KmsActions.All} on every key (\"*\"). Scope Resource to the key ARNs it needs, for example \"arn:aws:kms:us-east-1:111122223333:key/<key-id>\", and list only the actions it uses.");
            }
        }
    }
}
