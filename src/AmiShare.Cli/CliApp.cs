using AmiShare.Cli.Commands.Local;
using AmiShare.Cli.Commands.Policy;
using AmiShare.Cli.Infrastructure;
using Spectre.Console;
using Spectre.Console.Cli;

namespace AmiShare.Cli;

/// <summary>
/// Builds the command tree and is the one place where errors become exit codes: expected errors
/// print their message (which carries the fix), anything else is reported as a bug.
/// </summary>
public static class CliApp
{
    /// <summary>
    /// "-" means standard input by convention, but Spectre's parser reads a lone "-" as a nameless
    /// option; joining it to the option before it (<c>--input -</c> → <c>--input=-</c>), or standing in a token
    /// for a positional "-", keeps the convention.
    /// </summary>
    internal static string[] JoinStandardInputValues(string[] args)
    {
        var joined = new List<string>(args.Length);
        foreach (var arg in args)
        {
            if (arg == "-" && joined.Count > 0 && joined[^1].StartsWith('-') && !joined[^1].Contains('=', StringComparison.Ordinal))
            {
                joined[^1] += "=-";
            }
            else if (arg == "-")
            {
                joined.Add(CliIO.StandardInputArgument);
            }
            else
            {
                joined.Add(arg);
            }
        }

        return [.. joined];
    }

    public static int Run(string[] args, IAnsiConsole console, CliIO io)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(console);
        var verbose = args.Contains("--verbose", StringComparer.Ordinal);
        var app = new CommandApp();
        app.Configure(config =>
        {
            config.SetApplicationName("amishare");
            config.Settings.Registrar.RegisterInstance(console);
            config.Settings.Registrar.RegisterInstance(io);
            config.ConfigureConsole(console);
            config.PropagateExceptions();
            config.UseStrictParsing();
            config.AddBranch("local", local =>
            {
                local.SetDescription("Run LocalCloud, the embedded policy-enforcing emulator of EC2, KMS, STS, IAM and CloudTrail.");
                local.AddCommand<LocalServeCommand>("serve")
                    .WithDescription("Serve LocalCloud on one port for the AWS SDKs and CLI until Ctrl+C; prints the endpoint and each account's root credentials.")
                    .WithExample("local", "serve")
                    .WithExample("local", "serve", "--port", "0", "--data", "cloud.db", "--seed", "examples/localcloud/seed.json")
                    .WithExample("local", "serve", "--output", "json");
            });
            config.AddBranch("policy", policy =>
            {
                policy.SetDescription("Evaluate and validate IAM and KMS policies the way AWS does.");
                policy.AddCommand<PolicyEvalCommand>("eval")
                    .WithDescription("Would AWS allow this principal to do this action on this resource? Says which statements decide, and what is missing.")
                    .WithExample("policy", "eval", "--input", "examples/policy/cross-account-kms.json")
                    .WithExample("policy", "eval", "--input", "-", "--output", "json");
                policy.AddCommand<PolicyValidateCommand>("validate")
                    .WithDescription("Check a policy document the way IAM and KMS would, and for statements that grant more than intended. Exits 1 when there is an error.")
                    .WithExample("policy", "validate", "examples/policy/key-policy.json", "--kind", "key")
                    .WithExample("policy", "validate", "-", "--kind", "identity", "--output", "json");
            });
        });

        try
        {
            return app.Run(JoinStandardInputValues(args));
        }
        catch (CliException ex)
        {
            console.MarkupLineInterpolated($"[red]error:[/] {ex.Message}");
            return ex.ExitCode;
        }
        catch (CommandParseException ex)
        {
            console.MarkupLineInterpolated($"[red]error:[/] {ex.Message}");
            console.MarkupLine("Run [green]amishare --help[/] (or the command with --help) for the options and examples.");
            return ExitCodes.InvalidInput;
        }
        catch (CommandRuntimeException ex)
        {
            console.MarkupLineInterpolated($"[red]error:[/] {ex.Message}");
            return ExitCodes.InvalidInput;
        }
        catch (OperationCanceledException)
        {
            console.MarkupLine("[yellow]cancelled[/]");
            return ExitCodes.Cancelled;
        }
#pragma warning disable CA1031 // The last line of defence: any other exception is a bug, reported once, never a raw stack trace.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            console.MarkupLineInterpolated($"[red]internal error:[/] {ex.GetType().Name}: {ex.Message}");
            console.MarkupLine("This is a bug in AmiShare. Please report it with the output of the same command run with --verbose.");
            if (verbose)
            {
                console.WriteException(ex);
            }

            return ExitCodes.InternalError;
        }
    }
}
