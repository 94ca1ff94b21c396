using System.Text.RegularExpressions;

namespace AmiShare.Core.Tests.Doctor;

/// <summary>
/// Reads the rule ids a doc lists: the first column of the table under a heading, where each row starts with the id
/// in backticks (<c>| `image-state` | … |</c>). Shared by the doctor and audit doc tests.
/// </summary>
internal static partial class DocumentedRuleIds
{
    public static IReadOnlyList<string> Read(string doc, string heading)
    {
        var lines = File.ReadAllLines(Path.Combine(RepositoryRoot(), "docs", doc));
        var start = Array.FindIndex(lines, l => l.Trim() == heading);
        Assert.True(start >= 0, $"docs/{doc} has no \"{heading}\" section.");
        var ids = new List<string>();
        foreach (var line in lines.Skip(start + 1).TakeWhile(l => !l.StartsWith("## ", StringComparison.Ordinal)))
        {
            if (FirstCell().Match(line) is { Success: true } row)
            {
                ids.Add(row.Groups["id"].Value);
            }
        }

        Assert.True(ids.Count > 0, $"docs/{doc} lists no rule ids under \"{heading}\".");
        return ids;
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "AmiShare.slnx")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("AmiShare.slnx not found above " + AppContext.BaseDirectory);
    }

    /// <summary>A table row whose first cell starts with a backticked id; the header and separator rows have none.</summary>
    [GeneratedRegex(@"^\|\s*`(?<id>[^`]+)`")]
    private static partial Regex FirstCell();
}
