using System.Text.Json;
using AmiShare.Policy.Cases;

namespace AmiShare.Policy.Tests.Evaluation;

/// <summary>
/// The data-driven vectors under Vectors/: cases written from the AWS documentation's own examples,
/// each with the decision and deciding statements AWS would give.
/// </summary>
public sealed class VectorTests
{
    private static readonly string VectorDirectory = Path.Combine(AppContext.BaseDirectory, "Vectors");

    private static readonly Lazy<IReadOnlyDictionary<string, (string File, EvaluationCaseReadResult Result)>> AllCases = new(LoadAll);

    public static TheoryData<string> CaseNames()
    {
        var data = new TheoryData<string>();
        foreach (var name in AllCases.Value.Keys.Order(StringComparer.Ordinal))
        {
            data.Add(name);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Evaluate_Vector_MatchesExpectedDecisionAndStatements(string name)
    {
        var (file, read) = AllCases.Value[name];
        Assert.True(read.Case is not null, $"{file}/{name} could not be read: {string.Join("; ", read.Findings)}");
        var testCase = read.Case!;
        Assert.True(testCase.Raw.TryGetProperty("expected", out var expected), $"{file}/{name} has no expected member");

        var result = testCase.Evaluate();

        var expectedDecision = expected.GetProperty("decision").GetString();
        var actualLabels = result.Statements.Select(s => s.Label).Order(StringComparer.Ordinal).ToArray();
        var because = $"{file}/{name}: got {result.Decision} [{string.Join(", ", actualLabels)}] missing={result.Missing}; {result.Explanation}";
        Assert.True(expectedDecision == result.Decision.ToString(), because);

        if (expected.TryGetProperty("statements", out var statements))
        {
            var expectedLabels = statements.EnumerateArray().Select(e => e.GetString()!).Order(StringComparer.Ordinal).ToArray();
            Assert.True(expectedLabels.SequenceEqual(actualLabels), $"statements: expected [{string.Join(", ", expectedLabels)}]; " + because);
        }

        if (expected.TryGetProperty("missing", out var missing) && missing.ValueKind == JsonValueKind.String)
        {
            Assert.True(missing.GetString() == result.Missing?.ToString(), $"missing: expected {missing.GetString()}; " + because);
        }
    }

    [Fact]
    public void Vectors_Collection_HasAtLeast150CasesWithUniqueNames()
    {
        var names = Directory.GetFiles(VectorDirectory, "*.json")
            .SelectMany(f => JsonDocument.Parse(File.ReadAllText(f)).RootElement.EnumerateArray())
            .Select(c => c.GetProperty("name").GetString())
            .ToList();

        Assert.True(names.Count >= 150, $"only {names.Count} vectors");
        Assert.Empty(names.GroupBy(n => n).Where(g => g.Count() > 1).Select(g => g.Key));
    }

    private static Dictionary<string, (string, EvaluationCaseReadResult)> LoadAll()
    {
        var all = new Dictionary<string, (string, EvaluationCaseReadResult)>(StringComparer.Ordinal);
        if (!Directory.Exists(VectorDirectory))
        {
            return all;
        }

        foreach (var file in Directory.GetFiles(VectorDirectory, "*.json").Order(StringComparer.Ordinal))
        {
            foreach (var read in EvaluationCaseReader.Read(File.ReadAllText(file)))
            {
                // A duplicate name would hide a vector; keep both so the count test catches it.
                var key = all.ContainsKey(read.Name) ? read.Name + " (duplicate in " + Path.GetFileName(file) + ")" : read.Name;
                all[key] = (Path.GetFileName(file), read);
            }
        }

        return all;
    }
}
