using System.Security.Cryptography;

namespace AmiShare.LocalCloud.Services.Ec2;

/// <summary>
/// What one parallel worker of a copy keeps across its blocks: the AES-GCM instances (keyed once, not per
/// block) and the generator of seed content with its pooled counter buffer.
/// </summary>
internal sealed class BlockWorker : IDisposable
{
    private readonly BlockGenerator? generator;

    public BlockWorker(string? generatorSeed, byte[]? sourceKey, byte[]? destinationKey)
    {
        generator = generatorSeed is null ? null : new BlockGenerator(generatorSeed);
        Source = generatorSeed is null && sourceKey is not null ? new AesGcm(sourceKey, BlockSealing.TagSize) : null;
        Destination = destinationKey is null ? null : new AesGcm(destinationKey, BlockSealing.TagSize);
    }

    /// <summary>Opens source blocks; null when they are stored in clear or generated.</summary>
    public AesGcm? Source { get; }

    /// <summary>Seals the new blocks; null when the new content is stored in clear.</summary>
    public AesGcm? Destination { get; }

    public void Generate(long index, Span<byte> destination) => generator!.Generate(index, destination);

    public void Dispose()
    {
        generator?.Dispose();
        Source?.Dispose();
        Destination?.Dispose();
    }
}
