using AmiShare.Policy.Model;

namespace AmiShare.Policy.Validation.Rules;

/// <summary>
/// The Version element picks the policy language. Without it IAM falls back to 2008-10-17, where
/// <c>${…}</c> policy variables are plain text, so a statement scoped by a variable silently stops matching.
/// </summary>
internal sealed class VersionRule : IPolicyRule
{
    public const string MissingVersion = "MissingVersion";
    public const string InvalidVersion = "InvalidVersion";
    public const string VariablesNeedCurrentVersion = "VariablesNeedCurrentVersion";

    private const string LegacyVersion = "2008-10-17";

    public IEnumerable<Finding> Check(PolicyDocument document, PolicyKind kind)
    {
        if (document.Version is null)
        {
            yield return new Finding(
                MissingVersion,
                Severity.Warning,
                PolicyLocation.Document,
                $"The policy has no Version, so IAM reads it as {LegacyVersion} and policy variables such as ${{aws:username}} do not work. Add \"Version\": \"{PolicyDocument.CurrentVersion}\".");
        }
        else if (document.Version is not (PolicyDocument.CurrentVersion or LegacyVersion))
        {
            yield return Finding.Error(
                InvalidVersion,
                PolicyLocation.Version,
                $"\"{document.Version}\" is not a policy language version. Use \"{PolicyDocument.CurrentVersion}\" (or the legacy \"{LegacyVersion}\").");
            yield break;
        }

        if (document.SupportsVariables)
        {
            yield break;
        }

        foreach (var statement in document.Statements)
        {
            foreach (var (location, value) in VariableCapableValues(statement))
            {
                if (value.Contains("${", StringComparison.Ordinal))
                {
                    yield return new Finding(
                        VariablesNeedCurrentVersion,
                        Severity.Warning,
                        location,
                        $"\"{value}\" uses a policy variable, but variables are only substituted under Version \"{PolicyDocument.CurrentVersion}\"; here it is matched as literal text. Set \"Version\": \"{PolicyDocument.CurrentVersion}\".");
                }
            }
        }
    }

    /// <summary>Variables may appear in Resource, NotResource and condition values.</summary>
    private static IEnumerable<(PolicyLocation Location, string Value)> VariableCapableValues(PolicyStatement statement)
    {
        foreach (var (element, values) in new[] { ("Resource", statement.Resource), ("NotResource", statement.NotResource) })
        {
            if (values is { } list)
            {
                for (var i = 0; i < list.Length; i++)
                {
                    yield return (PolicyLocation.Of(statement, element, i), list[i]);
                }
            }
        }

        foreach (var clause in statement.Conditions)
        {
            foreach (var value in clause.Values)
            {
                yield return (PolicyLocation.Of(statement, clause), value);
            }
        }
    }
}
