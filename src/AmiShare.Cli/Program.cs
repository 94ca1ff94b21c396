using AmiShare.Cli.Infrastructure;
using Spectre.Console;

namespace AmiShare.Cli;

internal static class Program
{
    public static int Main(string[] args)
    {
        var noColor = args.Contains("--no-color", StringComparer.Ordinal) || Environment.GetEnvironmentVariable("NO_COLOR") is { Length: > 0 };
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = noColor ? AnsiSupport.No : AnsiSupport.Detect,
            ColorSystem = noColor ? ColorSystemSupport.NoColors : ColorSystemSupport.Detect,
        });
        if (Console.IsOutputRedirected)
        {
            // Spectre assumes 80 columns without a terminal; wrapping then breaks copy-paste and log lines.
            console.Profile.Width = 4096;
        }

        return CliApp.Run(args, console, new CliIO(Console.In, Console.Out));
    }
}
