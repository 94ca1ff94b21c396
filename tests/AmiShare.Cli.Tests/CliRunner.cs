using AmiShare.Cli.Infrastructure;
using Spectre.Console;

namespace AmiShare.Cli.Tests;

/// <summary>Runs the real command tree in-process with a fixed-width, colourless console.</summary>
internal static class CliRunner
{
    /// <summary>
    /// The console width for commands run in this async flow; output snapshots widen it so ids are never wrapped
    /// (a wrapped id could not be told from another).
    /// </summary>
    public static readonly AsyncLocal<int?> Width = new();

    public sealed record Outcome(int ExitCode, string Console, string Out);

    public static Outcome RunWithInput(string? standardInput, params string[] args) => Execute(standardInput, null, args);

    public static Outcome RunWith(CliServices services, params string[] args) => Execute(null, services, args);

    private static Outcome Execute(string? standardInput, CliServices? services, string[] args)
    {
        var consoleText = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(consoleText),
        });
        console.Profile.Width = Width.Value ?? 100;
        var output = new StringWriter();
        var exitCode = CliApp.Run(args, console, new CliIO(new StringReader(standardInput ?? string.Empty), output), services);
        return new Outcome(exitCode, consoleText.ToString(), output.ToString());
    }

    public static Outcome Run(params string[] args) => RunWithInput(null, args);
}

/// <summary>Finds files of the repository (examples, docs) from the test's output folder.</summary>
internal static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    public static string Of(params string[] parts) => Path.Combine([Root, .. parts]);

    private static string FindRoot()
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

/// <summary>
/// Compares text with a file under Snapshots/. Set AMISHARE_UPDATE_SNAPSHOTS=1 to rewrite the files
/// (in the source tree) after an intended change, then review the diff.
/// </summary>
internal static class Snapshot
{
    public static void Matches(string name, string actual)
    {
        var normalised = string.Join('\n', actual.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n').Select(l => l.TrimEnd())).TrimEnd() + "\n";
        var source = RepositoryPaths.Of("tests", "AmiShare.Cli.Tests", "Snapshots", name);
        if (Environment.GetEnvironmentVariable("AMISHARE_UPDATE_SNAPSHOTS") == "1")
        {
            File.WriteAllText(source, normalised);
            return;
        }

        Assert.True(File.Exists(source), $"No snapshot {name}; run the tests once with AMISHARE_UPDATE_SNAPSHOTS=1 and review it.");
        Assert.Equal(File.ReadAllText(source), normalised);
    }
}
