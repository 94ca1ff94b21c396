using AmiShare.Policy.Model;

namespace AmiShare.Policy.Validation.Rules;

/// <summary>
/// Sids name statements so people and tools (AmiShare included, when it updates its own statements) can
/// find them. IAM requires them unique (case-sensitively) and alphanumeric; KMS key policies accept
/// spaces and punctuation, so there an odd character is only worth a warning.
/// </summary>
internal sealed class SidRule : IPolicyRule
{
    public const string DuplicateSid = "DuplicateSid";
    public const string InvalidSid = "InvalidSid";

    public IEnumerable<Finding> Check(PolicyDocument document, PolicyKind kind)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var statement in document.Statements)
        {
            if (string.IsNullOrEmpty(statement.Sid))
            {
                continue;
            }

            var location = PolicyLocation.Of(statement, "Sid");
            if (!seen.Add(statement.Sid))
            {
                yield return Finding.Error(
                    DuplicateSid,
                    location,
                    $"Another statement already has the Sid \"{statement.Sid}\"; Sids must be unique within a policy. Rename one of them.");
            }

            if (!IsAlphanumeric(statement.Sid))
            {
                yield return kind == PolicyKind.Key
                    ? new Finding(
                        InvalidSid,
                        Severity.Warning,
                        location,
                        $"The Sid \"{statement.Sid}\" has characters other than A-Z, a-z and 0-9. KMS accepts it, but IAM would not. Prefer letters and digits so the statement can be copied into other policies.")
                    : Finding.Error(
                        InvalidSid,
                        location,
                        $"The Sid \"{statement.Sid}\" has characters other than A-Z, a-z and 0-9, which IAM rejects. Remove spaces and punctuation, for example \"AllowEbsShare\".");
            }
        }
    }

    private static bool IsAlphanumeric(string text)
    {
        foreach (var c in text)
        {
            if (!char.IsAsciiLetterOrDigit(c))
            {
                return false;
            }
        }

        return true;
    }
}
