using System.Buffers;
using System.Security.Cryptography;
using System.Text;

namespace AmiShare.LocalCloud.Services.Ec2;

/// <summary>
/// Deterministic pseudo-random blocks: AES-256 in counter mode under SHA-256 of the seed. The counter block is
/// scratch, so it comes from the array pool and is reused for every block this generator makes.
/// </summary>
internal sealed class BlockGenerator : IDisposable
{
    private readonly Aes aes = Aes.Create();
    private byte[]? counters;

    public BlockGenerator(string seed)
    {
        aes.Key = SHA256.HashData(Encoding.UTF8.GetBytes("localcloud-public-image-content/" + seed));
    }

    public void Generate(long index, Span<byte> destination)
    {
        var length = (destination.Length + 15) / 16 * 16;
        if (counters is null || counters.Length < length)
        {
            Return();
            counters = ArrayPool<byte>.Shared.Rent(length);
        }

        var input = counters.AsSpan(0, length);
        for (var j = 0; j < length / 16; j++)
        {
            BitConverter.TryWriteBytes(input.Slice(j * 16, 8), index);
            BitConverter.TryWriteBytes(input.Slice((j * 16) + 8, 8), (long)j);
        }

        if (length == destination.Length)
        {
            aes.EncryptEcb(input, destination, PaddingMode.None);
        }
        else
        {
            // A short last block (rare): the cipher works in whole 16-byte blocks, so take the part that fits.
            aes.EncryptEcb(input, PaddingMode.None).AsSpan(0, destination.Length).CopyTo(destination);
        }
    }

    public void Dispose()
    {
        Return();
        aes.Dispose();
    }

    private void Return()
    {
        if (counters is not null)
        {
            ArrayPool<byte>.Shared.Return(counters);
            counters = null;
        }
    }
}
