using AmiShare.Cli.Infrastructure;
using AmiShare.Core.Model;

namespace AmiShare.Cli.Commands.Share;

/// <summary>
/// The one check of <c>--ssm-parameter</c> that share, unshare and retire make before anything runs: a name SSM
/// accepts, and target credentials that reach each account through <c>{account}</c> when there is more than one.
/// </summary>
internal static class SsmParameterOption
{
    public const string Option = "--ssm-parameter";

    /// <param name="accountTargets">How many accounts the parameter is written or deleted in; null when only discovery knows (retire).</param>
    /// <param name="verb">What the command does in each account: writes, deletes.</param>
    /// <param name="needsTargetCredentials">Deleting needs them; share without them prints the AWS RAM steps instead.</param>
    public static string? Problem(string? name, ConnectionSettings settings, int? accountTargets, string verb, bool needsTargetCredentials)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (name is null)
        {
            return null;
        }

        var template = $"give --target-role-arn with {TargetAccounts.Placeholder}, e.g. arn:aws:iam::{TargetAccounts.Placeholder}:role/ImageLauncher.";
        return ParameterNames.Problem(name, Option)
            ?? (needsTargetCredentials && !settings.HasTarget ? $"{Option} {verb} in each target account: {template}" : null)
            ?? (settings.TargetRoleArn is not null && !TargetAccounts.IsTemplate(settings) && (accountTargets ?? int.MaxValue) > 1 ? $"{Option} {verb} in each target account: {template}" : null);
    }
}
