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

        // The first Ctrl+C asks the command to stop between cloud calls (the ledger keeps what was done, exit 130);
        // a second one ends the process at once.
        using var interrupted = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = !interrupted.IsCancellationRequested;
            interrupted.Cancel();
        };
        return CliApp.Run(args, console, new CliIO(Console.In, Console.Out), cancellationToken: interrupted.Token);
    }
}
