using System.ComponentModel;
using AmiShare.Cli.Infrastructure;
using Spectre.Console;
using Spectre.Console.Cli;

namespace AmiShare.Cli.Commands.Share;

/// <summary>Options of the commands that plan a change and apply it: share and unshare.</summary>
public abstract class PlanApplySettings : CloudSettings
{
    [CommandOption("--dry-run")]
    [Description("Discover and print the plan; change nothing.")]
    public bool DryRun { get; init; }

    [CommandOption("-y|--yes")]
    [Description("Apply without asking for confirmation (needed when not at a terminal).")]
    public bool Yes { get; init; }

    /// <summary>At least one image, and targets that all parse; the error names the option and the fix.</summary>
    protected static ValidationResult ValidateImagesAndTargets(string[] images, string[] targets, string option)
    {
        if (images.Length == 0)
        {
            return ValidationResult.Error("Name at least one image (AMI id or exact name).");
        }

        var (parsed, problem) = TargetList.Parse(targets);
        return problem is not null ? ValidationResult.Error(problem)
            : parsed.IsEmpty ? ValidationResult.Error($"Name at least one target with {option}: a 12-digit account id, an organization ARN or an OU ARN.")
            : ValidationResult.Success();
    }
}
