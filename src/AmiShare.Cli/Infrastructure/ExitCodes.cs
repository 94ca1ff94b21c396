namespace AmiShare.Cli.Infrastructure;

/// <summary>The documented exit codes (README "Exit codes"); scripts depend on them.</summary>
public static class ExitCodes
{
    /// <summary>The command did what was asked and every check passed.</summary>
    public const int Success = 0;

    /// <summary>The command ran, and what it checked failed (a policy has errors, a verify check failed).</summary>
    public const int CheckFailed = 1;

    /// <summary>The input was wrong: unknown option, missing file, unreadable JSON. The message says the fix.</summary>
    public const int InvalidInput = 2;

    /// <summary>AWS (or LocalCloud) refused or failed: credentials, permissions, throttling beyond retries.</summary>
    public const int ServiceError = 3;

    /// <summary>Interrupted by the user (Ctrl+C).</summary>
    public const int Cancelled = 130;

    /// <summary>A bug in AmiShare: please report it with the output of --verbose.</summary>
    public const int InternalError = 70;
}
