using AmiShare.Policy.Model;

namespace AmiShare.Policy.Validation.Rules;

/// <summary>
/// Identity, boundary, session and service control policies apply to whoever holds them, so naming a
/// principal is meaningless there; AWS rejects the element.
/// </summary>
internal sealed class UnsupportedPrincipalRule : IPolicyRule
{
    public const string Code = "UnsupportedPrincipal";

    public IEnumerable<Finding> Check(PolicyDocument document, PolicyKind kind)
    {
        if (kind is not (PolicyKind.Identity or PolicyKind.Boundary or PolicyKind.Session or PolicyKind.ServiceControl))
        {
            yield break;
        }

        foreach (var statement in document.Statements)
        {
            if (statement.Principal is not null)
            {
                yield return Unsupported(statement, "Principal", kind);
            }

            if (statement.NotPrincipal is not null)
            {
                yield return Unsupported(statement, "NotPrincipal", kind);
            }
        }
    }

    private static Finding Unsupported(PolicyStatement statement, string element, PolicyKind kind) => Finding.Error(
        Code,
        PolicyLocation.Of(statement, element),
        $"{element} is not supported in a {Describe(kind)} policy: it applies to whoever it is attached to. Remove {element}; name principals in the resource's or key's policy instead.");

    private static string Describe(PolicyKind kind) => kind switch
    {
        PolicyKind.ServiceControl => "service control",
        PolicyKind.Boundary => "permissions boundary",
        PolicyKind.Session => "session",
        _ => "identity",
    };
}
