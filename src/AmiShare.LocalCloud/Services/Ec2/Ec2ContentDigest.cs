using System.Security.Cryptography;
using AmiShare.LocalCloud.Hosting;
using AmiShare.LocalCloud.Protocol;
using AmiShare.LocalCloud.Services.Kms;

namespace AmiShare.LocalCloud.Services.Ec2;

/// <summary>
/// The admin digest of a snapshot's or volume's plaintext (see <see cref="IContentDigestSource"/>). It serves no
/// EC2 operation; it is a table only so the admin endpoint finds it among the registered tables.
/// </summary>
public sealed class Ec2ContentDigest : IServiceOperations, IContentDigestSource
{
    private readonly LocalCloudContext cloud;
    private readonly Ec2ContentStore content;

    internal Ec2ContentDigest(LocalCloudContext cloud, Ec2ContentStore content)
    {
        this.cloud = cloud;
        this.content = content;
    }

    public AwsServiceDescriptor Service => AwsServices.Ec2;

    public IReadOnlyDictionary<string, OperationHandler> Operations { get; } = new Dictionary<string, OperationHandler>();

    /// <summary>The block store, for tests that check what is stored.</summary>
    public Ec2ContentStore Content => content;

    public Task<string?> FindContentSha256Async(string snapshotOrVolumeId, CancellationToken cancellationToken)
    {
        var found = cloud.State.Read(view =>
        {
            if (view.List(Ec2EntityKinds.Snapshot).FirstOrDefault(s => s.SnapshotId == snapshotOrVolumeId) is { } snapshot)
            {
                return new EbsSource(snapshot.SnapshotId, snapshot.Content, snapshot.Encrypted, snapshot.KmsKeyId, snapshot.DataKeyCiphertext, snapshot.DataKeyContextId);
            }

            return view.List(Ec2EntityKinds.Volume).FirstOrDefault(v => v.VolumeId == snapshotOrVolumeId) is { } volume
                ? new EbsSource(volume.VolumeId, volume.Content, volume.Encrypted, volume.KmsKeyId, volume.DataKeyCiphertext, volume.DataKeyContextId)
                : null;
        });
        if (found is null)
        {
            return Task.FromResult<string?>(null);
        }

        // The admin path is an emulator backdoor, not an AWS API: it unwraps the data key with the key material
        // directly (no caller, no authorization, no trail) and really decrypts every block, so a tampered or
        // missing block is reported instead of a digest.
        byte[]? dataKey = null;
        try
        {
            if (found.Encrypted)
            {
                if (found.KmsKeyId is null || found.DataKeyCiphertext is null)
                {
                    throw new ContentDigestException($"{snapshotOrVolumeId} is encrypted but has no data key.");
                }

                var context = new Dictionary<string, string>(StringComparer.Ordinal) { [KmsForEc2.EbsContextKey] = found.DataKeyContextId ?? found.Id };
                dataKey = cloud.Kms.UnwrapDataKeyForAdminDigest(found.KmsKeyId, found.DataKeyCiphertext, context)
                    ?? throw new ContentDigestException($"The data key of {snapshotOrVolumeId} does not open under {found.KmsKeyId}.");
            }

            return Task.FromResult<string?>(content.Sha256(found.Content, dataKey));
        }
        catch (CryptographicException)
        {
            throw new ContentDigestException($"A block of {snapshotOrVolumeId} does not decrypt: its stored ciphertext was altered.");
        }
        catch (InvalidOperationException e)
        {
            throw new ContentDigestException($"The content of {snapshotOrVolumeId} is incomplete: {e.Message}");
        }
        finally
        {
            if (dataKey is not null)
            {
                CryptographicOperations.ZeroMemory(dataKey);
            }
        }
    }
}
