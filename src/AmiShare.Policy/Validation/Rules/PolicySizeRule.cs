using System.Globalization;
using AmiShare.Policy.Catalogue;
using AmiShare.Policy.Model;

namespace AmiShare.Policy.Validation.Rules;

/// <summary>
/// KMS refuses key policies over 32,768 bytes, and the limit cannot be raised. AmiShare grows key policies
/// by one statement per share, so a policy past 80% of the limit is worth hearing about before a share
/// fails. Managed identity policies are capped at 6,144 characters, whitespace excluded.
/// </summary>
internal sealed class PolicySizeRule : IPolicyRule
{
    public const string KeyPolicyTooLarge = "KeyPolicyTooLarge";
    public const string KeyPolicyNearSizeLimit = "KeyPolicyNearSizeLimit";
    public const string ManagedPolicyTooLarge = "ManagedPolicyTooLarge";

    public const int KeyPolicyMaxBytes = AwsLimits.KeyPolicyMaxBytes;
    public const int KeyPolicyWarningBytes = KeyPolicyMaxBytes * 8 / 10;
    public const int ManagedPolicyMaxCharacters = 6_144;

    public IEnumerable<Finding> Check(PolicyDocument document, PolicyKind kind)
    {
        if (kind == PolicyKind.Key)
        {
            // The text as parsed is what KMS would count; a document built in code is measured compactly.
            var bytes = Math.Max(document.SizeInBytes, CompactPolicySize.Measure(document).Bytes);
            if (bytes > KeyPolicyMaxBytes)
            {
                yield return Finding.Error(
                    KeyPolicyTooLarge,
                    PolicyLocation.Document,
                    $"The key policy is {Number(bytes)} bytes; KMS accepts at most {Number(KeyPolicyMaxBytes)} and the limit cannot be raised. Remove whitespace, merge statements that share principals and conditions, or share with an organization or OU instead of account by account.");
            }
            else if (bytes > KeyPolicyWarningBytes)
            {
                yield return new Finding(
                    KeyPolicyNearSizeLimit,
                    Severity.Warning,
                    PolicyLocation.Document,
                    $"The key policy is {Number(bytes)} bytes, over 80% of KMS's fixed {Number(KeyPolicyMaxBytes)}-byte limit, and every new share adds a statement. Merge per-account statements, or share with an organization or OU, before it fills up.");
            }
        }
        else if (kind is PolicyKind.Identity or PolicyKind.Boundary && document.SizeInBytes is 0 or > ManagedPolicyMaxCharacters)
        {
            // Cheap skip: a text of at most 6,144 bytes cannot hold more than 6,144 non-whitespace characters.
            var characters = CompactPolicySize.Measure(document).Characters;
            if (characters > ManagedPolicyMaxCharacters)
            {
                yield return new Finding(
                    ManagedPolicyTooLarge,
                    Severity.Warning,
                    PolicyLocation.Document,
                    $"Without whitespace the policy is about {Number(characters)} characters; a managed policy may have at most {Number(ManagedPolicyMaxCharacters)}. Use wildcards for related actions, merge statements, or split it into several policies.");
            }
        }
    }

    private static string Number(int value) => value.ToString("N0", CultureInfo.InvariantCulture);
}
