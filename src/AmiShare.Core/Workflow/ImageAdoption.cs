using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Text;
using AmiShare.Core.Model;
using AmiShare.Core.Ports;
using AmiShare.Policy.Catalogue;

namespace AmiShare.Core.Workflow;

/// <param name="ImageId">The shared image to copy, as the target sees it.</param>
/// <param name="Key">A key of the target's (ARN, id or alias) to encrypt the copy under.</param>
public sealed record AdoptRequest(string ImageId, string Region, string Key, string? Name = null);

public sealed record AdoptResult(string SourceImageId, string ImageId, string KeyArn, ImmutableArray<string> SnapshotIds);

/// <summary>
/// Step 5 of the mission: the target copies a shared image into its own account under its own key, so it no
/// longer depends on the source's key. The client token is derived from the request, so a rerun after an
/// interruption returns the copy already started instead of making another.
/// </summary>
public sealed class ImageAdoption(ICloudAccount target, TimeProvider time)
{
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(15);

    public TimeSpan Timeout { get; init; } = TimeSpan.FromHours(2);

    public async Task<AdoptResult> AdoptAsync(AdoptRequest request, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var caller = await target.GetCallerIdentityAsync(cancellationToken).ConfigureAwait(false);
        var shared = await target.DescribeVisibleImageAsync(request.Region, request.ImageId, cancellationToken).ConfigureAwait(false)
            ?? throw new ShareRefusedException(RefusalReason.ImageNotVisible, $"{request.ImageId} is not visible to {caller.Account} in {request.Region}.", $"ask the owner to run amishare share {request.ImageId} --with {caller.Account} --region {request.Region}");
        var key = await target.DescribeKeyAsync(request.Region, request.Key, cancellationToken).ConfigureAwait(false)
            ?? throw new ShareRefusedException(RefusalReason.KeyNotFound, $"No key {request.Key} exists in {request.Region} for {caller.Account}.", "pass one of the target account's keys to --key (an ARN, key id or alias/NAME)");
        if (Model.Arns.AccountOf(key.Arn) != caller.Account)
        {
            throw new ShareRefusedException(RefusalReason.KeyNotOwned, $"{key.Arn} belongs to {Model.Arns.AccountOf(key.Arn)}, not {caller.Account}; adopting means re-encrypting under a key of your own.", "pass one of the target account's keys to --key");
        }

        var token = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"adopt|{caller.Account}|{shared.Id}|{key.Arn}")))[..32];
        var name = request.Name ?? $"{shared.Name}-adopted";
        progress?.Report($"copying {shared.Id} under {key.Arn}");
        var copyId = await target.CopyImageAsync(new CopyImageCommand(request.Region, request.Region, shared.Id, name, key.Arn, token, ImmutableDictionary<string, string>.Empty.Add("amishare:adopted-from", shared.Id)), cancellationToken).ConfigureAwait(false);

        var deadline = time.GetUtcNow() + Timeout;
        while (true)
        {
            var copy = (await target.DescribeOwnedImagesAsync(request.Region, new ImageQuery(ImageIds: [copyId]), cancellationToken).ConfigureAwait(false)).FirstOrDefault();
            if (copy?.State == Ec2ImageState.Available)
            {
                return new AdoptResult(shared.Id, copyId, key.Arn, [.. copy.BlockDevices.Select(d => d.SnapshotId).OfType<string>()]);
            }

            if (copy?.State is Ec2ImageState.Failed or Ec2ImageState.Deregistered)
            {
                throw new ShareRefusedException(RefusalReason.CopyFailed, $"The copy {copyId} ended {copy.State.ToAwsName()}: {copy.StateReason ?? "no reason given"}.", $"run amishare verify {shared.Id} from {caller.Account}: the copy needs {KmsActions.Decrypt} (and ReEncrypt*) on the source key through EC2 and {KmsActions.GenerateDataKeyWithoutPlaintext} and {KmsActions.CreateGrant} on {key.Arn}");
            }

            if (time.GetUtcNow() > deadline)
            {
                throw new ShareRefusedException(RefusalReason.CopyTimedOut, $"{copyId} was still {copy?.State.ToAwsName() ?? "not visible"} after {Timeout}.", "rerun the same command later: it waits for the same copy");
            }

            progress?.Report($"waiting for {copyId} ({copy?.State.ToAwsName() ?? "not visible yet"})");
            await Task.Delay(PollInterval, time, cancellationToken).ConfigureAwait(false);
        }
    }
}
