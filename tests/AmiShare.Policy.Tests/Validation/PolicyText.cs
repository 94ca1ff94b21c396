using System.Globalization;
using System.Text;

namespace AmiShare.Policy.Tests.Validation;

/// <summary>Builds policy JSON for the validator tests, so each case shows only the statement under test.</summary>
internal static class PolicyText
{
    public const string HomeAccount = "111122223333";
    public const string TargetAccount = "444455556666";
    public const string KeyArn = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";

    /// <summary>A policy of the current version holding the given statements.</summary>
    public static string With(params string[] statements) =>
        "{\"Version\":\"2012-10-17\",\"Statement\":[" + string.Join(",", statements) + "]}";

    /// <summary>A policy with the given Version element text (or none when null).</summary>
    public static string WithVersion(string? version, params string[] statements) => version is null
        ? "{\"Statement\":[" + string.Join(",", statements) + "]}"
        : "{\"Version\":\"" + version + "\",\"Statement\":[" + string.Join(",", statements) + "]}";

    /// <summary>An identity statement allowing one action on one resource, plus whatever <paramref name="extra"/> adds.</summary>
    public static string IdentityStatement(string extra = "") =>
        "{\"Effect\":\"Allow\",\"Action\":\"kms:Decrypt\",\"Resource\":\"" + KeyArn + "\"" + Prefix(extra) + "}";

    /// <summary>A key policy statement for the target account with the given condition block (or none).</summary>
    public static string KeyStatement(string? condition = null, string effect = "Allow", string principal = "{\"AWS\":\"arn:aws:iam::444455556666:root\"}") =>
        "{\"Effect\":\"" + effect + "\",\"Principal\":" + principal + ",\"Action\":\"kms:Decrypt\",\"Resource\":\"*\""
        + (condition is null ? string.Empty : ",\"Condition\":" + condition) + "}";

    /// <summary>An identity statement whose only condition is <paramref name="condition"/>.</summary>
    public static string IdentityWithCondition(string condition, string effect = "Allow") =>
        "{\"Effect\":\"" + effect + "\",\"Action\":\"kms:Decrypt\",\"Resource\":\"" + KeyArn + "\",\"Condition\":" + condition + "}";

    /// <summary>A key policy statement listing <paramref name="count"/> distinct role principals, to reach a size.</summary>
    public static string KeyPolicyOfApproximateSize(int bytes)
    {
        var principals = new StringBuilder();
        var i = 0;
        while (principals.Length < bytes - 400)
        {
            if (i > 0)
            {
                principals.Append(',');
            }

            principals.Append("\"arn:aws:iam::444455556666:role/AmiShareLauncher").Append(i.ToString("D5", CultureInfo.InvariantCulture)).Append('"');
            i++;
        }

        return With(KeyStatement(principal: "{\"AWS\":[" + principals + "]}"));
    }

    private static string Prefix(string extra) => extra.Length == 0 ? string.Empty : "," + extra;
}
