using System.ComponentModel;
using Spectre.Console.Cli;

namespace AmiShare.Cli.Infrastructure;

public enum OutputFormat
{
    Table,
    Json,
}

/// <summary>Options every command takes.</summary>
public class CommonSettings : CommandSettings
{
    [CommandOption("-o|--output <FORMAT>")]
    [Description("Output format: [green]table[/] (default) or [green]json[/].")]
    [DefaultValue(OutputFormat.Table)]
    public OutputFormat Output { get; init; } = OutputFormat.Table;

    [CommandOption("--no-color")]
    [Description("Plain text without colours (also when NO_COLOR is set).")]
    public bool NoColor { get; init; }

    [CommandOption("--verbose")]
    [Description("Show details of unexpected errors, including stack traces.")]
    public bool Verbose { get; init; }
}
