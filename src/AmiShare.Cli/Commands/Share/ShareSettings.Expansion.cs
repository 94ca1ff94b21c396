using System.ComponentModel;
using Spectre.Console.Cli;

namespace AmiShare.Cli.Commands.Share;

/// <summary>share's <c>--expand-targets</c> (issue 12 part 4), kept apart from the sharing options.</summary>
public sealed partial class ShareSettings
{
    [CommandOption("--expand-targets")]
    [Description("Resolve organization/OU targets to their member accounts through Organizations where a per-account action is needed: createVolumePermission (--allow-copy) and SSM parameters (--ssm-parameter). Launch permissions and key policies keep the organization/OU form. The ledger records whom AmiShare granted, so a later run grants new members and takes createVolumePermission back from departed ones (never a permission AmiShare did not grant). With --ssm-parameter and --target-role-arn it also records, per parameter name and Region, whom the parameter was published to and which images, so a later run (a new image version too) deletes a departed member's parameter when AmiShare wrote it and it holds an image AmiShare published under that name. Needs the management account or a delegated administrator.")]
    public bool ExpandTargets { get; init; }
}
