namespace AmiShare.Cli.Infrastructure;

/// <summary>
/// An expected failure the user can fix. Its message says what happened and how to fix it; it is
/// printed without a stack trace and exits with <see cref="ExitCode"/>.
/// </summary>
public sealed class CliException : Exception
{
    public CliException(string message, int exitCode = ExitCodes.InvalidInput)
        : base(message) => ExitCode = exitCode;

    public CliException()
        : this("The command failed.")
    {
    }

    public CliException(string message, Exception innerException)
        : base(message, innerException) => ExitCode = ExitCodes.InvalidInput;

    public int ExitCode { get; }
}
