using System.Reflection;
using System.Text.RegularExpressions;
using AmiShare.Policy.Catalogue;

namespace AmiShare.Policy.Tests.Catalogue;

/// <summary>
/// The catalogue is the only place src/ spells a KMS action: a second copy can drift from it (issue 10 item 1).
/// </summary>
public sealed class CatalogueGuardTests
{
    [Fact(Skip = "Until the LocalCloud, Doctor, Audit and Policy/Evaluation conversions land; StrayKmsActionNames lists what remains.")]
    public void SourceFiles_OutsideTheCatalogue_SpellNoKmsActionName()
    {
        var strays = StrayKmsActionNames().ToList();

        Assert.True(strays.Count == 0, "KMS action names written outside src/AmiShare.Policy/Catalogue (use KmsActions):\n" + string.Join('\n', strays));
    }

    [Fact]
    public void StrayKmsActionNames_ALineSpellingOne_IsFound()
    {
        var pattern = ActionPattern();

        Assert.Matches(pattern, "var action = \"kms:Decrypt\";");
        Assert.Matches(pattern, "[\"kms:ReEncrypt*\"]");
        Assert.DoesNotMatch(pattern, "var action = \"kms:DecryptSomething\";");
        Assert.DoesNotMatch(pattern, "var action = KmsActions.Decrypt;");
    }

    /// <summary>Every code line (comments aside) under src/ outside the catalogue that spells a KMS action, as path:line.</summary>
    internal static IEnumerable<string> StrayKmsActionNames()
    {
        var root = RepositoryRoot();
        var source = Path.Combine(root, "src");
        var catalogue = Path.Combine(source, "AmiShare.Policy", "Catalogue") + Path.DirectorySeparatorChar;
        var pattern = ActionPattern();
        foreach (var file in Directory.EnumerateFiles(source, "*.cs", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            if (file.StartsWith(catalogue, StringComparison.Ordinal) || IsBuildOutput(file))
            {
                continue;
            }

            var lines = File.ReadAllLines(file);
            for (var i = 0; i < lines.Length; i++)
            {
                var code = lines[i].TrimStart();
                if (!code.StartsWith("//", StringComparison.Ordinal) && pattern.IsMatch(code))
                {
                    yield return $"{Path.GetRelativePath(root, file)}:{i + 1}: {code}";
                }
            }
        }
    }

    /// <summary>Each KmsActions name as a whole token: <c>kms:Decrypt</c> but not <c>kms:DecryptSomething</c>.</summary>
    private static Regex ActionPattern()
    {
        var names = typeof(KmsActions).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral && f.FieldType == typeof(string))
            .Select(f => (string)f.GetRawConstantValue()!)
            .Where(name => name != KmsActions.Prefix)
            .OrderByDescending(name => name.Length)
            .Select(Regex.Escape);
        return new Regex("(" + string.Join('|', names) + ")(?![A-Za-z*])", RegexOptions.CultureInvariant);
    }

    private static bool IsBuildOutput(string file) =>
        file.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
        || file.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal);

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "AmiShare.slnx")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("The repository root (with AmiShare.slnx) is not above " + AppContext.BaseDirectory);
    }
}
