namespace AmiShare.Policy.Evaluation;

public enum PrincipalKind
{
    Root,
    User,
    Role,
    AssumedRole,
    FederatedUser,
    Service,
    Anonymous,
}

/// <summary>
/// Who makes a request. For a role session, <see cref="RoleArn"/> is the role it came from, which is
/// what <c>aws:PrincipalArn</c> reports and what a role ARN in a resource policy matches.
/// </summary>
public sealed record CallerPrincipal(
    string Arn,
    PrincipalKind Kind,
    string? AccountId,
    string Partition,
    string? RoleArn,
    string? Name)
{
    public static CallerPrincipal Anonymous { get; } = new("anonymous", PrincipalKind.Anonymous, null, "aws", null, null);

    /// <summary>Service-linked roles are exempt from SCPs; AWS gives them the AWSServiceRoleFor… names.</summary>
    /// A role ARN shows its path, which decides; a session ARN has no path, so the reserved name prefix does.
    public bool IsServiceLinkedRole => Kind switch
    {
        PrincipalKind.Role => RoleArn?.Contains(":role/aws-service-role/", StringComparison.Ordinal) ?? false,
        PrincipalKind.AssumedRole => Name?.StartsWith("AWSServiceRoleFor", StringComparison.Ordinal) ?? false,
        _ => false,
    };

    /// <summary>The <c>aws:PrincipalType</c> value AWS reports for this caller.</summary>
    public string PrincipalType => Kind switch
    {
        PrincipalKind.Root => "Account",
        PrincipalKind.User => "User",
        PrincipalKind.FederatedUser => "FederatedUser",
        PrincipalKind.Anonymous => "Anonymous",
        PrincipalKind.Service => "AWSService",
        _ => "AssumedRole",
    };

    /// <summary>The account root ARN of this caller's account, or null for services and anonymous callers.</summary>
    public string? AccountRootArn => AccountId is null ? null : $"arn:{Partition}:iam::{AccountId}:root";

    /// <summary>
    /// Reads a caller from its ARN: <c>arn:aws:iam::ACCT:root|user/…|role/…</c>,
    /// <c>arn:aws:sts::ACCT:assumed-role/ROLE/SESSION|federated-user/NAME</c>, a service principal
    /// (<c>ec2.amazonaws.com</c>) or <c>anonymous</c>. Returns null for anything else.
    /// </summary>
    public static CallerPrincipal? Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        if (text is "anonymous" or "*")
        {
            return Anonymous;
        }

        if (!text.StartsWith("arn:", StringComparison.Ordinal))
        {
            return text.EndsWith(".amazonaws.com", StringComparison.OrdinalIgnoreCase) || text.EndsWith(".amazonaws.com.cn", StringComparison.OrdinalIgnoreCase)
                ? new CallerPrincipal(text, PrincipalKind.Service, null, "aws", null, text)
                : null;
        }

        var parts = text.Split(':', 6);
        if (parts.Length != 6 || parts[1].Length == 0 || !IsAccountId(parts[4]))
        {
            return null;
        }

        var partition = parts[1];
        var service = parts[2];
        var account = parts[4];
        var resource = parts[5];
        if (service == "iam")
        {
            if (resource == "root")
            {
                return new CallerPrincipal(text, PrincipalKind.Root, account, partition, null, null);
            }

            if (resource.StartsWith("user/", StringComparison.Ordinal))
            {
                return new CallerPrincipal(text, PrincipalKind.User, account, partition, null, LastSegment(resource));
            }

            if (resource.StartsWith("role/", StringComparison.Ordinal))
            {
                return new CallerPrincipal(text, PrincipalKind.Role, account, partition, text, LastSegment(resource));
            }

            return null;
        }

        if (service == "sts")
        {
            if (resource.StartsWith("assumed-role/", StringComparison.Ordinal))
            {
                var segments = resource.Split('/');
                if (segments.Length < 3 || segments[1].Length == 0)
                {
                    return null;
                }

                var roleArn = $"arn:{partition}:iam::{account}:role/{segments[1]}";
                return new CallerPrincipal(text, PrincipalKind.AssumedRole, account, partition, roleArn, segments[1]);
            }

            if (resource.StartsWith("federated-user/", StringComparison.Ordinal))
            {
                return new CallerPrincipal(text, PrincipalKind.FederatedUser, account, partition, null, LastSegment(resource));
            }
        }

        return null;
    }

    public static bool IsAccountId(ReadOnlySpan<char> text)
    {
        if (text.Length != 12)
        {
            return false;
        }

        foreach (var c in text)
        {
            if (c is < '0' or > '9')
            {
                return false;
            }
        }

        return true;
    }

    private static string LastSegment(string resource) => resource[(resource.LastIndexOf('/') + 1)..];
}
