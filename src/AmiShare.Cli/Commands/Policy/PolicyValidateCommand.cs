using System.ComponentModel;
using System.Text.Json;
using AmiShare.Cli.Infrastructure;
using AmiShare.Policy;
using AmiShare.Policy.Validation;
using Spectre.Console;
using Spectre.Console.Cli;

namespace AmiShare.Cli.Commands.Policy;

/// <summary>The policy kinds as the command line names them.</summary>
public enum PolicyKindOption
{
    Identity,
    Key,
    Resource,
    Scp,
    Boundary,
    Session,
}

public sealed class PolicyValidateSettings : CommonSettings
{
    [CommandArgument(0, "<FILE>")]
    [Description("The policy document (JSON); [green]-[/] reads standard input.")]
    public string File { get; init; } = string.Empty;

    [CommandOption("-k|--kind <KIND>")]
    [Description("What the policy is for: [green]identity[/] (default), [green]key[/], [green]resource[/], [green]scp[/], [green]boundary[/] or [green]session[/]. The rules differ: a key policy needs principals, an identity policy must not have them.")]
    [DefaultValue(PolicyKindOption.Identity)]
    public PolicyKindOption Kind { get; init; } = PolicyKindOption.Identity;
}

/// <summary>Checks a policy document as IAM and KMS would, and for the mistakes that widen access.</summary>
public sealed class PolicyValidateCommand(IAnsiConsole console, CliIO io) : Command<PolicyValidateSettings>
{
    public override int Execute(CommandContext context, PolicyValidateSettings settings, CancellationToken cancellationToken)
    {
        var kind = settings.Kind switch
        {
            PolicyKindOption.Key => PolicyKind.Key,
            PolicyKindOption.Resource => PolicyKind.Resource,
            PolicyKindOption.Scp => PolicyKind.ServiceControl,
            PolicyKindOption.Boundary => PolicyKind.Boundary,
            PolicyKindOption.Session => PolicyKind.Session,
            _ => PolicyKind.Identity,
        };
        var findings = PolicyValidator.Validate(io.ReadInput(settings.File), kind);
        if (settings.Output == OutputFormat.Json)
        {
            using var stream = new MemoryStream();
            using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
            {
                json.WriteStartObject();
                json.WriteString("file", settings.File);
                json.WriteString("kind", settings.Kind.ToString().ToLowerInvariant());
                json.WriteBoolean("valid", !findings.Any(f => f.Severity == Severity.Error));
                JsonOutput.WriteFindings(json, findings);
                json.WriteEndObject();
            }

            io.Out.WriteLine(System.Text.Encoding.UTF8.GetString(stream.ToArray()));
        }
        else
        {
            Render(settings, findings);
        }

        return findings.Any(f => f.Severity == Severity.Error) ? ExitCodes.CheckFailed : ExitCodes.Success;
    }

    private void Render(PolicyValidateSettings settings, IReadOnlyList<Finding> findings)
    {
        if (findings.Count == 0)
        {
            console.MarkupLineInterpolated($"[green]OK[/] {settings.File}: no findings for a {settings.Kind.ToString().ToLowerInvariant()} policy.");
            return;
        }

        foreach (var finding in findings)
        {
            var colour = finding.Severity switch
            {
                Severity.Error => "red",
                Severity.SecurityWarning => "red",
                Severity.Warning => "yellow",
                _ => "grey",
            };
            console.MarkupLineInterpolated($"[{colour}]{Word(finding.Severity)}[/] {finding.Code} at {finding.Location}");
            console.MarkupLineInterpolated($"    {finding.Message}");
        }

        var errors = findings.Count(f => f.Severity == Severity.Error);
        console.MarkupLineInterpolated($"{findings.Count} finding(s), {errors} error(s).");
    }

    private static string Word(Severity severity) => severity switch
    {
        Severity.Error => "ERROR           ",
        Severity.SecurityWarning => "SECURITY WARNING",
        Severity.Warning => "WARNING         ",
        _ => "SUGGESTION      ",
    };
}
