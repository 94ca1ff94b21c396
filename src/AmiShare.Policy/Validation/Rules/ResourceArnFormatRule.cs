using AmiShare.Policy.Model;

namespace AmiShare.Policy.Validation.Rules;

/// <summary>
/// A resource is <c>*</c> or an ARN, <c>arn:partition:service:region:account:resource</c>, wildcards
/// allowed. Anything else matches no resource, so the statement quietly does nothing.
/// </summary>
internal sealed class ResourceArnFormatRule : IPolicyRule
{
    public const string InvalidResourceArn = "InvalidResourceArn";

    public IEnumerable<Finding> Check(PolicyDocument document, PolicyKind kind)
    {
        foreach (var statement in document.Statements)
        {
            foreach (var (element, resources) in new[] { ("Resource", statement.Resource), ("NotResource", statement.NotResource) })
            {
                if (resources is not { } list)
                {
                    continue;
                }

                for (var i = 0; i < list.Length; i++)
                {
                    if (!IsWellFormed(list[i]))
                    {
                        yield return Finding.Error(
                            InvalidResourceArn,
                            PolicyLocation.Of(statement, element, i),
                            $"\"{list[i]}\" is not a resource ARN. Use \"*\" or an ARN of six colon-separated parts, arn:partition:service:region:account:resource, for example \"arn:aws:kms:us-east-1:111122223333:key/*\".");
                    }
                }
            }
        }
    }

    private static bool IsWellFormed(string resource)
    {
        if (resource == "*")
        {
            return true;
        }

        if (!resource.StartsWith("arn:", StringComparison.Ordinal))
        {
            return false;
        }

        // The resource part may itself hold colons (and variables such as ${aws:username}); split it off whole.
        var parts = resource.Split(':', 6);
        return parts.Length == 6 && parts[1].Length > 0 && parts[2].Length > 0 && parts[5].Length > 0;
    }
}
