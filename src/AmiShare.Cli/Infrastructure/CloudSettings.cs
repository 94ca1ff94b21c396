using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;

namespace AmiShare.Cli.Infrastructure;

/// <summary>Options of every command that talks to AWS (or LocalCloud): whose credentials (source and target), and where.</summary>
public class ConnectionSettings : CommonSettings
{
    [CommandOption("--profile <NAME>")]
    [Description("Shared-config profile for the source account (default: the standard credential chain: environment, AWS_PROFILE, default profile, SSO, instance role).")]
    public string? Profile { get; init; }

    [CommandOption("--region <REGION>")]
    [Description("Region of the images (default: AWS_REGION, then the profile's region). verify, doctor and unshare take several (repeat, or comma-separate): the first is the images' home, the others hold AmiShare's copies.")]
    public string[] Regions { get; init; } = [];

    /// <summary>The home Region: the first <c>--region</c>, or null for the profile's.</summary>
    public string? Region => RegionList.IsEmpty ? null : RegionList[0];

    /// <summary>Every <c>--region</c>, repeated or comma-separated, in order (<see cref="RegionListProblem"/> says what is wrong with it).</summary>
    public System.Collections.Immutable.ImmutableArray<string> RegionList =>
        [.. Regions.SelectMany(r => r.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))];

    /// <summary>A bad Region name or a Region named twice, as one line with the fix; null when the list is good.</summary>
    public string? RegionListProblem =>
        RegionList.FirstOrDefault(r => !Core.Model.RegionNames.IsValid(r)) is { } bad ? Core.Model.RegionNames.Problem(bad, "--region")
        : RegionList.GroupBy(r => r, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } twice ? $"--region {twice.Key} is named twice; name each Region once (the first --region is the images' home)."
        : null;

    [CommandOption("--endpoint-url <URL>")]
    [Description("Send every request to this endpoint, e.g. LocalCloud's (also AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_EC2/_KMS/_STS/_IAM).")]
    public string? EndpointUrl { get; init; }

    [CommandOption("--role-arn <ARN>")]
    [Description("Assume this role for the source side (the cross-account-role practice).")]
    public string? RoleArn { get; init; }

    [CommandOption("--target-profile <NAME>")]
    [Description("Profile with credentials in the target account: verify, adopt and Auto Scaling grants use it.")]
    public string? TargetProfile { get; init; }

    [CommandOption("--target-role-arn <ARN>")]
    [Description("Role in the target account to assume (with --target-profile's credentials, else the source's).")]
    public string? TargetRoleArn { get; init; }

    public bool HasTarget => TargetProfile is not null || TargetRoleArn is not null;
}

/// <summary>The connection options plus the ledger: the commands that change the cloud, and those that share their options.</summary>
public class CloudSettings : ConnectionSettings
{
    [CommandOption("--ledger <LEDGER>")]
    [Description("Journal of applied steps and leases, so an interrupted run resumes: a SQLite FILE (one machine) or dynamodb://TABLE[[?region=R&endpoint=URL]] (many runners). Default: AMISHARE_LEDGER, else ~/.amishare/ledger.db.")]
    public string? Ledger { get; init; }

    [CommandOption("--no-wait")]
    [Description("When another runner holds the run's or a key's lease, exit 1 naming it instead of waiting.")]
    public bool NoWait { get; init; }

    [CommandOption("--lease-seconds <SECONDS>")]
    [Description("How long a lease lasts unless renewed (renewed every third of it while working); a killed runner's run is taken over after it.")]
    [DefaultValue(60)]
    public int LeaseSeconds { get; init; } = 60;

    public override ValidationResult Validate() => LeaseSeconds is < 1 or > 3600
        ? ValidationResult.Error($"--lease-seconds {LeaseSeconds} is out of range; use 1 to 3600.")
        : base.Validate();
}
