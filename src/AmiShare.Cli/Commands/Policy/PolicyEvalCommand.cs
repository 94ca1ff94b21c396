using System.ComponentModel;
using System.Text.Json;
using AmiShare.Cli.Infrastructure;
using AmiShare.Policy.Cases;
using AmiShare.Policy.Evaluation;
using Spectre.Console;
using Spectre.Console.Cli;

namespace AmiShare.Cli.Commands.Policy;

public sealed class PolicyEvalSettings : CommonSettings
{
    [CommandOption("-i|--input <FILE>")]
    [Description("A case or a JSON array of cases (schema: docs/policy-eval.md); [green]-[/] reads standard input.")]
    public string? Input { get; init; }

    public override ValidationResult Validate() =>
        string.IsNullOrWhiteSpace(Input)
            ? ValidationResult.Error("--input is required: give a case file, or - to read standard input.")
            : ValidationResult.Success();
}

/// <summary>Evaluates request cases with the policy engine and says why each is allowed or denied.</summary>
public sealed class PolicyEvalCommand(IAnsiConsole console, CliIO io) : Command<PolicyEvalSettings>
{
    public override int Execute(CommandContext context, PolicyEvalSettings settings, CancellationToken cancellationToken)
    {
        var cases = EvaluationCaseReader.Read(io.ReadInput(settings.Input!));
        var outcomes = cases.Select(c => (Read: c, Result: c.Case?.Evaluate())).ToList();
        if (settings.Output == OutputFormat.Json)
        {
            WriteJson(outcomes);
        }
        else
        {
            WriteTable(outcomes);
        }

        return outcomes.Any(o => o.Result is null) ? ExitCodes.InvalidInput : ExitCodes.Success;
    }

    /// <summary>One short block per case; explanations are sentences, which read badly squeezed into table cells.</summary>
    private void WriteTable(List<(EvaluationCaseReadResult Read, EvaluationResult? Result)> outcomes)
    {
        foreach (var (read, result) in outcomes)
        {
            if (result is null)
            {
                console.MarkupLineInterpolated($"[yellow]ERROR[/]             [bold]{read.Name}[/]");
                foreach (var finding in read.Findings)
                {
                    console.MarkupLineInterpolated($"    {finding.Location}: {finding.Message}");
                }

                console.WriteLine();
                continue;
            }

            var (colour, word) = result.Decision switch
            {
                Decision.Allowed => ("green", "ALLOWED         "),
                Decision.ExplicitlyDenied => ("red", "EXPLICIT DENY   "),
                _ => ("red", "IMPLICIT DENY   "),
            };
            console.MarkupLineInterpolated($"[{colour}]{word}[/]  [bold]{read.Name}[/]");
            var statements = result.Statements.IsEmpty ? "(none)" : string.Join(", ", result.Statements.Select(s => s.Label));
            console.MarkupLineInterpolated($"    [grey]statements:[/] {statements}");
            if (result.Missing is { } missing)
            {
                console.MarkupLineInterpolated($"    [grey]missing:[/]    {missing}");
            }

            console.MarkupLineInterpolated($"    [grey]why:[/]        {result.Explanation}");
            console.WriteLine();
        }

        var allowed = outcomes.Count(o => o.Result?.IsAllowed == true);
        var errors = outcomes.Count(o => o.Result is null);
        console.MarkupLineInterpolated($"{outcomes.Count} case(s): {allowed} allowed, {outcomes.Count - allowed - errors} denied, {errors} unreadable.");
    }

    private void WriteJson(List<(EvaluationCaseReadResult Read, EvaluationResult? Result)> outcomes)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartArray();
            foreach (var (read, result) in outcomes)
            {
                json.WriteStartObject();
                json.WriteString("name", read.Name);
                json.WriteString("decision", result?.Decision.ToString() ?? "Error");
                json.WriteStartArray("statements");
                foreach (var statement in result?.Statements ?? [])
                {
                    json.WriteStartObject();
                    json.WriteString("policy", statement.Policy);
                    json.WriteNumber("statementIndex", statement.StatementIndex);
                    json.WriteString("sid", statement.Sid);
                    json.WriteString("effect", statement.Effect.ToString());
                    json.WriteString("label", statement.Label);
                    json.WriteEndObject();
                }

                json.WriteEndArray();
                json.WriteString("missing", result?.Missing?.ToString());
                json.WriteString("explanation", result?.Explanation);
                if (result is null)
                {
                    JsonOutput.WriteFindings(json, read.Findings);
                }

                json.WriteEndObject();
            }

            json.WriteEndArray();
        }

        io.Out.WriteLine(System.Text.Encoding.UTF8.GetString(stream.ToArray()));
    }
}
