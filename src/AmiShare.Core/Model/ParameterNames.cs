using System.Text.RegularExpressions;
using AmiShare.Policy.Catalogue;

namespace AmiShare.Core.Model;

/// <summary>
/// The SSM parameter names PutParameter accepts, checked before any call so a name AWS would refuse stops the run
/// with nothing changed: letters, digits and <c>. - _ /</c>; a hierarchy begins with <c>/</c> and has no empty
/// level; no <c>aws</c> or <c>ssm</c> prefix; within the length and depth limits.
/// </summary>
public static partial class ParameterNames
{
    private const string Example = "/golden/al2023/ami-id";

    /// <summary>Null when AWS would accept <paramref name="name"/>, else the one-line error with the fix.</summary>
    public static string? Problem(string name, string option)
    {
        ArgumentNullException.ThrowIfNull(name);
        var rule =
            name.Length == 0 ? "is empty"
            : name.Length > AwsLimits.SsmParameterNameMaxLength ? $"is longer than {AwsLimits.SsmParameterNameMaxLength} characters"
            : !NamePattern().IsMatch(name) ? "may hold only letters, digits and . - _ /"
            : name.Contains('/', StringComparison.Ordinal) && !name.StartsWith('/') ? "is a hierarchy that does not begin with /"
            : name.EndsWith('/') || name.Contains("//", StringComparison.Ordinal) ? "has an empty level in its hierarchy"
            : name.TrimStart('/').StartsWith("aws", StringComparison.OrdinalIgnoreCase) || name.TrimStart('/').StartsWith("ssm", StringComparison.OrdinalIgnoreCase) ? "begins with aws or ssm, which AWS reserves"
            : name.TrimStart('/').Split('/').Length > AwsLimits.SsmParameterHierarchyMaxDepth ? $"has more than {AwsLimits.SsmParameterHierarchyMaxDepth} levels"
            : null;
        return rule is null ? null : $"\"{name}\" is not a parameter name SSM accepts: it {rule}. Pass {option} a name like {Example}.";
    }

    [GeneratedRegex(@"^[a-zA-Z0-9_.\-/]+$", RegexOptions.CultureInvariant)]
    private static partial Regex NamePattern();
}
