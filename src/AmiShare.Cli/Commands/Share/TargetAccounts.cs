using System.Collections.Concurrent;
using AmiShare.Cli.Infrastructure;
using AmiShare.Core.Ports;

namespace AmiShare.Cli.Commands.Share;

/// <summary>
/// Credentials in each target account, from <c>--target-role-arn</c> with <c>{account}</c> (one role name in every
/// target, the cross-account-role practice), or from a target profile or role that reaches exactly one account.
/// Each account is connected once, the way verify connects its one target.
/// </summary>
internal sealed class TargetAccounts(ConnectionSettings settings, ICloudConnector connector)
{
    public const string Placeholder = "{account}";

    private readonly ConcurrentDictionary<string, Lazy<Task<ICloudAccount>>> accounts = new(StringComparer.Ordinal);

    /// <summary>Whether the target role names each account through the placeholder.</summary>
    public static bool IsTemplate(ConnectionSettings settings) => settings.TargetRoleArn?.Contains(Placeholder, StringComparison.Ordinal) == true;

    /// <summary>The connector for per-account work, or null without target credentials.</summary>
    public static TargetAccountConnector? For(ConnectionSettings settings, ICloudConnector connector) =>
        settings.HasTarget ? new TargetAccounts(settings, connector).ConnectAsync : null;

    private Task<ICloudAccount> ConnectAsync(string account, CancellationToken cancellationToken) =>
        accounts.GetOrAdd(account, a => new Lazy<Task<ICloudAccount>>(() => OpenAsync(a, cancellationToken))).Value;

    private async Task<ICloudAccount> OpenAsync(string account, CancellationToken cancellationToken)
    {
        var role = settings.TargetRoleArn?.Replace(Placeholder, account, StringComparison.Ordinal);
        var one = new ConnectionSettings
        {
            Profile = settings.Profile,
            Regions = settings.Regions,
            EndpointUrl = settings.EndpointUrl,
            RoleArn = settings.RoleArn,
            TargetProfile = settings.TargetProfile,
            TargetRoleArn = role,
        };
        var target = (await connector.ConnectTargetAsync(one, cancellationToken).ConfigureAwait(false))!;
        var reached = (await target.GetCallerIdentityAsync(cancellationToken).ConfigureAwait(false)).Account;
        return reached == account ? target : throw new CliException(
            $"The target credentials reach account {reached}, not {account}. Pass --target-role-arn with {Placeholder} (for example arn:aws:iam::{Placeholder}:role/ImageLauncher) so each target is reached through its own role.",
            ExitCodes.InvalidInput);
    }
}
