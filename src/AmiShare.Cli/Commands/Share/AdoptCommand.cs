using System.ComponentModel;
using System.Text.Json;
using AmiShare.Cli.Infrastructure;
using AmiShare.Core.Workflow;
using Spectre.Console;
using Spectre.Console.Cli;

namespace AmiShare.Cli.Commands.Share;

public sealed class AdoptSettings : CloudSettings
{
    [CommandArgument(0, "<IMAGE>")]
    [Description("The shared AMI id, as the target sees it.")]
    public string Image { get; init; } = string.Empty;

    [CommandOption("--key <KEY>")]
    [Description("The target's own KMS key (ARN, id or alias) to re-encrypt the copy under.")]
    public string? Key { get; init; }

    [CommandOption("--name <NAME>")]
    [Description("Name of the copy (default: the shared image's name with -adopted).")]
    public string? Name { get; init; }

    public override ValidationResult Validate() =>
        string.IsNullOrWhiteSpace(Image) ? ValidationResult.Error("Name the shared image to adopt (AMI id).")
        : string.IsNullOrWhiteSpace(Key) ? ValidationResult.Error("Pass --key KEY: a KMS key of the target account to re-encrypt the copy under.")
        : ValidationResult.Success();
}

/// <summary>
/// <c>amishare adopt</c>: the target copies a shared image under its own key. It runs with the target's credentials:
/// --target-profile / --target-role-arn when given, else the default (source-side) options, which then must
/// already be the target's.
/// </summary>
public sealed class AdoptCommand(IAnsiConsole console, CliIO io, CliServices services) : CloudCommand<AdoptSettings>(console, io, services)
{
    protected override async Task<int> RunAsync(AdoptSettings settings, ICloudConnector connector, CancellationToken cancellationToken)
    {
        var source = await connector.ConnectSourceAsync(settings, cancellationToken).ConfigureAwait(false);
        var target = settings.HasTarget ? (await connector.ConnectTargetAsync(settings, cancellationToken).ConfigureAwait(false))! : source.Account;
        var adoption = new ImageAdoption(target, Services.Clock) { PollInterval = Services.PollInterval ?? TimeSpan.FromSeconds(15) };
        var result = await WithProgressAsync(settings, "Adopting", progress => adoption.AdoptAsync(new AdoptRequest(settings.Image, source.Region, settings.Key!, settings.Name), progress, cancellationToken)).ConfigureAwait(false);
        if (settings.Output == OutputFormat.Json)
        {
            IO.Out.WriteLine(JsonSerializer.Serialize(new { sourceImageId = result.SourceImageId, imageId = result.ImageId, keyArn = result.KeyArn, snapshotIds = result.SnapshotIds }));
            IO.Out.Flush();
        }
        else
        {
            Console.MarkupLineInterpolated($"[green]Adopted[/] {result.SourceImageId} as [bold]{result.ImageId}[/], encrypted under {result.KeyArn}; it no longer depends on the source's key.");
        }

        return ExitCodes.Success;
    }
}
