using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace AmiShare.LocalCloud.Seed;

/// <summary>
/// Words a System.Text.Json error in a seed or faults file for the person who wrote the file: the JSON path and line,
/// and what is wrong in the file's terms, never the .NET type the serializer was filling ("SeedAccount", "FaultRule").
/// </summary>
public static partial class JsonInputProblem
{
    public static string Describe(JsonException error)
    {
        ArgumentNullException.ThrowIfNull(error);
        // One line: the serializer quotes a bad token with its line break ("'not json\n' is an invalid JSON literal").
        var first = Whitespace().Replace(error.Message, " ").Trim();
        var what = UnknownProperty().Match(first) is { Success: true } unknown ? $"unknown property '{unknown.Groups["name"].Value}'"
            : MissingProperties().Match(first) is { Success: true } missing ? $"missing required property {missing.Groups["names"].Value.TrimEnd('.')}"
            : NotConvertible().IsMatch(first) ? "a value of the wrong type (a string where a number or list belongs, or the other way round)"
            : StripPathSuffix(first).TrimEnd('.');
        var where = error.Path is { Length: > 0 } path ? $" at {path}" : string.Empty;
        var line = error.LineNumber is { } number ? string.Create(CultureInfo.InvariantCulture, $" (line {number + 1})") : string.Empty;
        return $"{what}{where}{line}";
    }

    // The serializer appends "Path: $.x | LineNumber: 0 | BytePositionInLine: 3." itself; the path and line are given once, above.
    private static string StripPathSuffix(string message) =>
        message.IndexOf(" Path: ", StringComparison.Ordinal) is var at and >= 0 ? message[..at] : message;

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();

    [GeneratedRegex(@"^The JSON property '(?<name>[^']*)' could not be mapped")]
    private static partial Regex UnknownProperty();

    [GeneratedRegex(@"missing required properties including: (?<names>.*)$")]
    private static partial Regex MissingProperties();

    [GeneratedRegex(@"^The JSON value could not be converted to ")]
    private static partial Regex NotConvertible();
}
