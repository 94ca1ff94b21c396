using System.ComponentModel;
using System.Globalization;
using AmiShare.Core.Planning;
using Spectre.Console.Cli;

namespace AmiShare.Cli.Commands.Share;

/// <summary>share's publishing and lifecycle options (issue 12 parts 3 and 5), kept apart from the sharing options.</summary>
public sealed partial class ShareSettings
{
    [CommandOption("--ssm-parameter <NAME>")]
    [Description("After the share, write this SSM parameter (DataType aws:ec2:image) in each target account and Region, holding that Region's image id; launch templates read it with resolve:ssm:NAME. Needs --target-role-arn with {account}; without it the AWS RAM steps are printed. Only AmiShare's own parameter is overwritten.")]
    public string? SsmParameter { get; init; }

    [CommandOption("--deprecate-at <TIME>")]
    [Description("Deprecate every shared image (each Regional copy) at this UTC time, e.g. 2027-06-30T00:00:00Z (EnableImageDeprecation).")]
    public string? DeprecateAt { get; init; }

    [CommandOption("--deregistration-protection")]
    [Description("Protect every shared image from deregistration (EnableImageDeregistrationProtection).")]
    public bool DeregistrationProtection { get; init; }

    [CommandOption("--protection-cooldown")]
    [Description("With --deregistration-protection: once protection is turned off, the image stays undeletable for 24 hours.")]
    public bool ProtectionCooldown { get; init; }

    internal DateTimeOffset? DeprecationTime =>
        DeprecateAt is not null && DateTimeOffset.TryParse(DeprecateAt, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at) ? at : null;

    internal PublishingRequest Publishing(bool hasTargetCredentials) =>
        new(SsmParameter, DeprecationTime, DeregistrationProtection, ProtectionCooldown, hasTargetCredentials);

    /// <summary>The first publishing option AWS (or AmiShare) would refuse, as one line with the fix; null when all are usable.</summary>
    internal string? PublishingProblem =>
        SsmParameterOption.Problem(SsmParameter, this, Targets.Targets.Count(t => t.IsAccount), "writes", needsTargetCredentials: false)
        ?? (SsmParameter is not null && Images.Length > 1 ? "--ssm-parameter holds one image id per Region: share one image per run when publishing it." : null)
        ?? (DeprecateAt is not null && DeprecationTime is null ? $"--deprecate-at \"{DeprecateAt}\" is not a time; pass UTC like 2027-06-30T00:00:00Z." : null)
        ?? (ProtectionCooldown && !DeregistrationProtection ? "--protection-cooldown goes with --deregistration-protection; add it, or drop the cooldown." : null);
}
