using AmiShare.Cli.Commands.Audit;
using AmiShare.Cli.Commands.Demo;
using AmiShare.Cli.Commands.Doctor;
using AmiShare.Cli.Commands.Ledger;
using AmiShare.Cli.Commands.Local;
using AmiShare.Cli.Commands.Policy;
using AmiShare.Cli.Commands.Share;
using AmiShare.Core.Model;
using AmiShare.Core.Ports;
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

    /// <param name="cancellationToken">Cancelled by Ctrl+C (Program): commands stop between calls and exit 130.</param>
    public static int Run(string[] args, IAnsiConsole console, CliIO io, CliServices? services = null, CancellationToken cancellationToken = default)
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
            config.Settings.Registrar.RegisterInstance(services ?? CliServices.Default);
            config.ConfigureConsole(console);
            config.PropagateExceptions();
            config.UseStrictParsing();
            config.AddCommand<DemoCommand>("demo")
                .WithDescription("Tell the classic story on an embedded LocalCloud: an aws/ebs golden image, share refused and explained, shared re-encrypted, verified, launched with equal content, adopted, unshared, verify failing. No AWS account needed.")
                .WithExample("demo")
                .WithExample("demo", "--keep-running");
            config.AddCommand<ShareCommand>("share")
                .WithDescription("Share encrypted AMIs with accounts, an organization or OUs: discover, plan (each step with its reason), confirm, apply idempotently, check.")
                .WithExample("share", "ami-0123456789abcdef0", "--with", "222222222222", "--dry-run")
                .WithExample("share", "golden-2026-11", "--with", "222222222222,333333333333", "--allow-copy", "--yes")
                .WithExample("share", "ami-0123456789abcdef0", "--with", "arn:aws:organizations::100000000000:ou/o-amishare01/ou-ams1-prodacct", "--reencrypt-key", "alias/golden", "--yes")
                .WithExample("share", "ami-0123456789abcdef0", "--with", "222222222222", "--iac", "terraform", "--output", "json")
                .WithExample("share", "golden-2026-11", "--with", "222222222222", "--target-role-arn", "arn:aws:iam::{account}:role/ImageLauncher", "--ssm-parameter", "/golden/al2023/ami-id", "--deprecate-at", "2027-06-30T00:00:00Z", "--yes");
            config.AddCommand<VerifyCommand>("verify")
                .WithDescription("From the target's own credentials: is the image visible, may it launch, do the key policy and the target's IAM admit the KMS use EC2 makes, is the target's default EBS key usable? PASS/FAIL with fixes; exits 1 on a failure.")
                .WithExample("verify", "ami-0123456789abcdef0", "--target-profile", "prod")
                .WithExample("verify", "ami-0123456789abcdef0", "--target-role-arn", "arn:aws:iam::222222222222:role/ImageLauncher", "--launch", "--asg");
            config.AddCommand<AdoptCommand>("adopt")
                .WithDescription("In the target: copy a shared image under the target's own KMS key, wait until it is available, print the new id.")
                .WithExample("adopt", "ami-0123456789abcdef0", "--key", "alias/prod-ebs", "--target-profile", "prod");
            config.AddCommand<UnshareCommand>("unshare")
                .WithDescription("Take shares back: launch and volume permissions, AmiShare's key-policy principals and grants for those targets (kept where another shared image still needs them). Other statements are never touched.")
                .WithExample("unshare", "ami-0123456789abcdef0", "--from", "222222222222", "--dry-run")
                .WithExample("unshare", "golden-2026-11", "--from", "222222222222", "--yes");
            config.AddCommand<Commands.Retire.RetireCommand>("retire")
                .WithDescription("End an image's life everywhere: deprecate it now, unshare it and AmiShare's copies in every Region, deregister the copies (turning their deregistration protection off) and delete their snapshots; the image itself is kept. Refused (exit 1, nothing changed) while it still runs in a target: with --target-role-arn arn:aws:iam::{account}:role/NAME each target is asked (DescribeInstances), otherwise a launch within --idle-days (LastLaunchedTime) counts. --force retires anyway.")
                .WithExample("retire", "ami-0123456789abcdef0", "--to-region", "eu-west-1", "--target-role-arn", "arn:aws:iam::{account}:role/ImageLauncher", "--dry-run")
                .WithExample("retire", "golden-2026-11", "--to-region", "eu-west-1,ap-southeast-2", "--force", "--yes");
            config.AddCommand<DoctorCommand>("doctor")
                .WithDescription("Why would a launch fail? Every requirement for a principal of the target to launch the image (and copy it with --copy, launch through Auto Scaling with --asg): launch permission, Allowed AMIs, IAM, each KMS action on each key, the target's default EBS key. PASS/FAIL/UNKNOWN with the deciding statements and the fix; exits 1 when one fails.")
                .WithExample("doctor", "ami-0123456789abcdef0", "--target", "222222222222")
                .WithExample("doctor", "ami-0123456789abcdef0", "--target", "222222222222", "--target-role-arn", "arn:aws:iam::222222222222:role/ImageLauncher", "--asg")
                .WithExample("doctor", "ami-0123456789abcdef0", "--target", "222222222222", "--principal", "arn:aws:iam::222222222222:role/Builder", "--copy", "--output", "json");
            config.AddCommand<AuditCommand>("audit")
                .WithDescription("Who can use what: every owned image with its launch permissions, snapshots and keys, each key's external principals; findings (BROKEN, STALE, PUBLIC, UNSHAREABLE, WIDE, NEAR-LIMIT) with fixes; CloudTrail evidence of external key use and share changes. Exits 1 on a high-severity finding.")
                .WithExample("audit")
                .WithExample("audit", "--region", "us-east-1", "--region", "eu-west-1", "--since", "90d", "--output", "html", "--out", "audit.html")
                .WithExample("audit", "--role-arn", "arn:aws:iam::111111111111:role/Auditor", "--role-arn", "arn:aws:iam::333333333333:role/Auditor", "--output", "json");
            config.AddBranch("local", local =>
            {
                local.SetDescription("Run LocalCloud, the embedded policy-enforcing emulator of EC2, KMS, STS, IAM and CloudTrail.");
                local.AddCommand<LocalServeCommand>("serve")
                    .WithDescription("Serve LocalCloud on one port for the AWS SDKs and CLI until Ctrl+C; prints the endpoint and each account's root credentials.")
                    .WithExample("local", "serve")
                    .WithExample("local", "serve", "--port", "0", "--data", "cloud.db", "--seed", "examples/localcloud/seed.json")
                    .WithExample("local", "serve", "--output", "json");
            });
            config.AddBranch("ledger", ledger =>
            {
                ledger.SetDescription("The journal of share runs and the leases that keep runners apart: a SQLite file on one machine, a DynamoDB table for many.");
                ledger.AddCommand<LedgerInitCommand>("init")
                    .WithDescription("Create the ledger: the DynamoDB table (on-demand, TTL on leases) or the SQLite file. Safe to run again.")
                    .WithExample("ledger", "init", "--ledger", "dynamodb://amishare-ledger?region=us-east-1");
                ledger.AddCommand<LedgerListCommand>("list")
                    .WithDescription("The runs, newest first: open (running, or killed and waiting to be resumed), succeeded, failed.")
                    .WithExample("ledger", "list")
                    .WithExample("ledger", "list", "--ledger", "dynamodb://amishare-ledger", "--output", "json");
                ledger.AddCommand<LedgerShowCommand>("show")
                    .WithDescription("One run and each step it journalled: done or only started, its outcome, and a copy's id.")
                    .WithExample("ledger", "show", "20261204T101500123Z-0a1b2c3d4e5f60718293a4");
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
            return app.Run(JoinStandardInputValues(args), cancellationToken);
        }
        catch (CliException ex)
        {
            console.MarkupLineInterpolated($"[red]error:[/] {ex.Message}");
            return ex.ExitCode;
        }
        catch (CloudOperationException ex)
        {
            console.MarkupLineInterpolated($"[red]error:[/] {ex.Message}");
            if (ex.Fix is { } fix)
            {
                console.MarkupLineInterpolated($"[yellow]fix:[/] {fix}");
            }

            return ExitCodes.ServiceError;
        }
        catch (ShareRefusedException ex)
        {
            console.MarkupLineInterpolated($"[red]refused:[/] {ex.Message}");
            console.MarkupLineInterpolated($"[yellow]fix:[/] {ex.Fix}");
            return ExitCodes.CheckFailed;
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
