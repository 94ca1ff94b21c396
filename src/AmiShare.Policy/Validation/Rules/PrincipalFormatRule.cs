using AmiShare.Policy.Evaluation;
using AmiShare.Policy.Model;

namespace AmiShare.Policy.Validation.Rules;

/// <summary>
/// AWS principals are <c>*</c>, a 12-digit account id, or the ARN of an account root, user, role,
/// assumed-role session or federated user. IAM does not expand wildcards inside a principal: a partial
/// wildcard such as <c>arn:aws:iam::*:root</c> is rejected, and the fix is <c>"*"</c> plus a condition.
/// </summary>
internal sealed class PrincipalFormatRule : IPolicyRule
{
    public const string InvalidPrincipalFormat = "InvalidPrincipalFormat";
    public const string UnsupportedWildcardInPrincipal = "UnsupportedWildcardInPrincipal";

    public IEnumerable<Finding> Check(PolicyDocument document, PolicyKind kind)
    {
        foreach (var statement in document.Statements)
        {
            foreach (var (element, set) in new[] { ("Principal", statement.Principal), ("NotPrincipal", statement.NotPrincipal) })
            {
                if (set is null)
                {
                    continue;
                }

                foreach (var entry in set.Entries)
                {
                    if (Check(entry) is { } problem)
                    {
                        yield return Finding.Error(problem.Code, PolicyLocation.Of(statement, element) + "." + entry.Type, problem.Message);
                    }
                }
            }
        }
    }

    private static (string Code, string Message)? Check(PrincipalEntry entry)
    {
        if (entry.Type is not (PrincipalEntry.Aws or PrincipalEntry.Service) || (entry.Type == PrincipalEntry.Aws && entry.Value == "*"))
        {
            return null;
        }

        if (entry.Value.AsSpan().IndexOfAny('*', '?') >= 0)
        {
            return (UnsupportedWildcardInPrincipal,
                $"\"{entry.Value}\" has a wildcard, which AWS does not allow inside a principal. Use \"*\" alone with a condition such as aws:PrincipalArn (ArnLike) or aws:PrincipalOrgID to narrow it.");
        }

        if (entry.Type == PrincipalEntry.Service)
        {
            return entry.Value.Length > 0 && entry.Value.Contains('.', StringComparison.Ordinal) && !entry.Value.Contains(' ', StringComparison.Ordinal)
                ? null
                : (InvalidPrincipalFormat, $"\"{entry.Value}\" is not a service principal. Name the service by its endpoint name, for example \"ec2.amazonaws.com\".");
        }

        if (CallerPrincipal.IsAccountId(entry.Value)
            || (entry.Value.StartsWith("arn:", StringComparison.Ordinal) && CallerPrincipal.Parse(entry.Value) is not null))
        {
            return null;
        }

        return (InvalidPrincipalFormat,
            $"\"{entry.Value}\" is not an AWS principal. Use a 12-digit account id, \"*\", or the ARN of an account root, user, role, assumed-role session or federated user, for example \"arn:aws:iam::111122223333:root\".");
    }
}
