using AmiShare.Policy.Model;

namespace AmiShare.Policy.Validation.Rules;

/// <summary>A resource or key policy grants to someone: without Principal, AWS rejects the statement.</summary>
internal sealed class MissingPrincipalRule : IPolicyRule
{
    public const string Code = "MissingPrincipal";

    public IEnumerable<Finding> Check(PolicyDocument document, PolicyKind kind)
    {
        if (kind is not (PolicyKind.Resource or PolicyKind.Key))
        {
            yield break;
        }

        foreach (var statement in document.Statements)
        {
            if (statement.Principal is null && statement.NotPrincipal is null)
            {
                yield return Finding.Error(
                    Code,
                    PolicyLocation.Of(statement),
                    "The statement names no Principal, which a resource or key policy requires. Add \"Principal\": {\"AWS\": \"arn:aws:iam::<account-id>:root\"} naming who it applies to.");
            }
        }
    }
}
