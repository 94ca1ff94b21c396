using AmiShare.Policy.Model;

namespace AmiShare.Policy.Validation;

/// <summary>
/// One check over a parsed policy. A rule reports what is wrong and how to fix it as findings; it never
/// throws for odd input, because the validator runs on whatever a user or another account hands us.
/// </summary>
public interface IPolicyRule
{
    IEnumerable<Finding> Check(PolicyDocument document, PolicyKind kind);
}
