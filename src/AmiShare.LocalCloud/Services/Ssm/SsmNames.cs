using System.Globalization;
using System.Text.RegularExpressions;

namespace AmiShare.LocalCloud.Services.Ssm;

/// <summary>A parameter name with an optional <c>:version</c> or <c>:label</c> selector, as GetParameter(s) and <c>resolve:ssm:</c> take it.</summary>
internal sealed record SsmParameterReference(string Name, string? Selector)
{
    public long? Version => Selector is not null && long.TryParse(Selector, NumberStyles.None, CultureInfo.InvariantCulture, out var version) ? version : null;

    public string? Label => Selector is not null && Version is null ? Selector : null;

    /// <summary>The selector as the response's <c>Selector</c> member shows it (<c>:3</c>, <c>:prod</c>).</summary>
    public string? ResponseSelector => Selector is null ? null : ":" + Selector;

    /// <summary>The version the selector picks, or null when it picks none.</summary>
    public SsmParameterVersion? Pick(SsmParameter parameter) =>
        Selector is null ? parameter.Latest
        : Version is { } number ? parameter.Versions.FirstOrDefault(v => v.Version == number)
        : parameter.Versions.FirstOrDefault(v => v.Labels.Contains(Selector, StringComparer.Ordinal));
}

/// <summary>Parameter Store's naming rules (names, hierarchies, labels) and the name/selector split.</summary>
internal static partial class SsmNames
{
    public const int MaxHierarchyDepth = 15;
    public const int MaxNameLength = 2048;
    public const int MaxLabelsPerVersion = 10;
    public const int MaxVersions = 100;
    public const int MaxStandardValueLength = 4096;

    [GeneratedRegex(@"^[a-zA-Z0-9_.\-/]+$")]
    private static partial Regex NamePattern();

    [GeneratedRegex(@"^[a-zA-Z0-9_.\-]{1,100}$")]
    private static partial Regex LabelPattern();

    /// <summary>Splits <c>NAME[:SELECTOR]</c>; a name never holds a colon, so the first one starts the selector.</summary>
    public static SsmParameterReference Parse(string text)
    {
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        return colon < 0 ? new SsmParameterReference(text, null) : new SsmParameterReference(text[..colon], text[(colon + 1)..]);
    }

    /// <summary>Checks a name PutParameter would create; throws ValidationException or HierarchyLevelLimitExceeded.</summary>
    public static void CheckNewName(string name)
    {
        if (name.Length > MaxNameLength || !NamePattern().IsMatch(name))
        {
            throw SsmErrors.Validation($"Parameter name: '{name}' is not valid. Use letters, numbers and the symbols . - _ /, up to {MaxNameLength} characters.");
        }

        if (name.Contains('/', StringComparison.Ordinal) && !name.StartsWith('/'))
        {
            throw SsmErrors.Validation("Parameter name must be a fully qualified name: a hierarchical name begins with a forward slash (/).");
        }

        var first = name.TrimStart('/');
        if (first.StartsWith("aws", StringComparison.OrdinalIgnoreCase) || first.StartsWith("ssm", StringComparison.OrdinalIgnoreCase))
        {
            throw SsmErrors.Validation("Parameter name: can't be prefixed with \"aws\" or \"ssm\" (case-insensitive).");
        }

        if (name.EndsWith('/') || name.Contains("//", StringComparison.Ordinal))
        {
            throw SsmErrors.Validation($"Parameter name: '{name}' has an empty level in its hierarchy.");
        }

        if (Depth(name) > MaxHierarchyDepth)
        {
            throw SsmErrors.HierarchyLevelLimitExceeded();
        }
    }

    /// <summary>The number of levels: <c>/a/b/c</c> has 3, <c>name</c> has 1.</summary>
    public static int Depth(string name) => name.TrimStart('/').Split('/').Length;

    /// <summary>A label AWS accepts; others come back in InvalidLabels rather than failing the call.</summary>
    public static bool IsValidLabel(string label) =>
        LabelPattern().IsMatch(label)
        && !char.IsAsciiDigit(label[0])
        && !label.StartsWith("aws", StringComparison.OrdinalIgnoreCase)
        && !label.StartsWith("ssm", StringComparison.OrdinalIgnoreCase);

    /// <summary>Whether <paramref name="name"/> lies under <paramref name="path"/> (directly, or at any depth when recursive).</summary>
    public static bool IsUnder(string name, string path, bool recursive)
    {
        var prefix = path.EndsWith('/') ? path : path + "/";
        if (!name.StartsWith(prefix, StringComparison.Ordinal) || name.Length == prefix.Length)
        {
            return false;
        }

        return recursive || !name.AsSpan(prefix.Length).Contains('/');
    }
}
