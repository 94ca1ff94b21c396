namespace AmiShare.LocalCloud.Services.Iam;

/// <summary>Copy-on-write changes to an entity's inline policies (by name) and attached policies (by ARN).</summary>
internal static class IamPolicyLists
{
    public static Dictionary<string, string> With(IReadOnlyDictionary<string, string> policies, string name, string document) =>
        new(policies, StringComparer.Ordinal) { [name] = document };

    public static Dictionary<string, string> Without(IReadOnlyDictionary<string, string> policies, string name)
    {
        var result = new Dictionary<string, string>(policies, StringComparer.Ordinal);
        result.Remove(name);
        return result;
    }

    public static List<string> WithArn(IReadOnlyList<string> arns, string arn) =>
        arns.Contains(arn, StringComparer.Ordinal) ? [.. arns] : [.. arns, arn];
}
