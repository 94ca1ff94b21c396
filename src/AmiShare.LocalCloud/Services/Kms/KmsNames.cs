using System.Text.RegularExpressions;

namespace AmiShare.LocalCloud.Services.Kms;

/// <summary>The name pattern KMS applies to alias names and grant names.</summary>
internal static partial class KmsNames
{
    [GeneratedRegex("^[a-zA-Z0-9:/_-]+$", RegexOptions.CultureInvariant)]
    public static partial Regex AliasNamePattern();
}
