using System.Text.RegularExpressions;

namespace AmiShare.Core.Model;

/// <summary>What a Region name looks like (<c>us-east-1</c>, <c>us-gov-west-1</c>, <c>eu-central-2</c>), checked before any call.</summary>
public static partial class RegionNames
{
    public static bool IsValid(string name) => RegionPattern().IsMatch(name);

    /// <summary>The one-line error for a name that is not a Region, with the fix.</summary>
    public static string Problem(string name, string option) =>
        $"\"{name}\" is not a Region name; {option} takes names like us-east-1 or eu-west-1 (aws ec2 describe-regions lists yours).";

    [GeneratedRegex("^[a-z]{2}(-(gov|iso[a-z]?))?-[a-z]+-[0-9]{1,2}$", RegexOptions.CultureInvariant)]
    private static partial Regex RegionPattern();
}
