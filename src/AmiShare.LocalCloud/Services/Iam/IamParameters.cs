using System.Text.RegularExpressions;
using AmiShare.LocalCloud.Protocol;

namespace AmiShare.LocalCloud.Services.Iam;

/// <summary>IAM's validation of entity names, policy names and paths, with its own ValidationError wording.</summary>
internal static partial class IamParameters
{
    public static string Name(OperationRequest request, string parameter)
    {
        var name = request.Parameters.GetRequiredString(parameter);
        return EntityNamePattern().IsMatch(name)
            ? name
            : throw IamErrors.Validation($"1 validation error detected: Value '{name}' at '{char.ToLowerInvariant(parameter[0])}{parameter[1..]}' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+ and have length at most 64");
    }

    public static string PolicyName(OperationRequest request)
    {
        var name = request.Parameters.GetRequiredString("PolicyName");
        return PolicyNamePattern().IsMatch(name)
            ? name
            : throw IamErrors.Validation($"1 validation error detected: Value '{name}' at 'policyName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+");
    }

    public static string PathParameter(OperationRequest request)
    {
        var path = request.Parameters.GetString("Path") ?? "/";
        return PathPattern().IsMatch(path)
            ? path
            : throw IamErrors.Validation($"The specified value for path is invalid. It must begin and end with / and contain only alphanumeric characters and/or / characters.");
    }

    [GeneratedRegex(@"^[\w+=,.@-]{1,64}$")]
    private static partial Regex EntityNamePattern();

    [GeneratedRegex(@"^[\w+=,.@-]{1,128}$")]
    private static partial Regex PolicyNamePattern();

    [GeneratedRegex(@"^/([\x21-\x7E]{0,510}/)?$")]
    private static partial Regex PathPattern();
}
