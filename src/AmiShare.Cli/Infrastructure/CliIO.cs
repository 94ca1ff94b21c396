namespace AmiShare.Cli.Infrastructure;

/// <summary>
/// Standard input and the raw standard output. JSON goes to <see cref="Out"/> unwrapped, so it stays
/// valid whatever the terminal width; tables go through the Spectre console.
/// </summary>
public sealed record CliIO(TextReader In, TextWriter Out)
{
    /// <summary>What a positional "-" becomes before parsing; it means standard input, like "-".</summary>
    public const string StandardInputArgument = "(standard input)";

    /// <summary>Reads a file, or standard input for "-", with errors that say the fix.</summary>
    public string ReadInput(string path)
    {
        if (path is "-" or StandardInputArgument)
        {
            return In.ReadToEnd();
        }

        if (!File.Exists(path))
        {
            throw new CliException($"No file at '{path}'. Give the path of an existing file, or - to read standard input.");
        }

        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"Cannot read '{path}': {ex.Message}");
        }
    }
}
