using AmiShare.Core.Workflow;

namespace AmiShare.Cli.Rendering;

/// <summary>How verify and doctor print a check's status: one word in JSON, the same word coloured in tables.</summary>
internal static class CheckStatusText
{
    public static string Word(CheckStatus status) => status.ToString().ToUpperInvariant();

    public static string Markup(CheckStatus status) => status switch
    {
        CheckStatus.Pass => "[green]PASS[/]",
        CheckStatus.Fail => "[red]FAIL[/]",
        _ => "[yellow]UNKNOWN[/]",
    };
}
