using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace AmiShare.LocalCloud.Services.Ec2;

/// <summary>
/// One block in and out of AES-256-GCM: stored as nonce | tag | ciphertext, with the content id and block index as
/// associated data, so a block moved to another content or position does not open.
/// </summary>
internal static class BlockSealing
{
    public const int NonceSize = 12;
    public const int TagSize = 16;

    /// <summary>
    /// One block of the new content, written once into its slot: a sealed block is generated, copied or opened
    /// straight into the memory that will be stored and sealed there in place (touching new pages costs about as
    /// much as the cipher on this machine kind, so no block passes through a second buffer).
    /// </summary>
    public static void TransformBlock(BlockWorker worker, Ec2ContentRef source, long index, ReadOnlyMemory<byte>? stored, IBlockWriter writer, string newContentId)
    {
        var length = source.GeneratorSeed is not null ? BlockLength(source.LengthBytes, index)
            : worker.Source is null ? stored!.Value.Length
            : stored!.Value.Length - NonceSize - TagSize;
        if (length < 0)
        {
            throw new CryptographicException($"Block {index} of {source.ContentId} is too short to be sealed.");
        }

        // Every byte (nonce, tag, payload) is written below, so the slot's earlier content does not matter.
        var output = writer.Slot(index, worker.Destination is null ? length : NonceSize + TagSize + length).Span;
        var payload = worker.Destination is null ? output : output[(NonceSize + TagSize)..];
        if (source.GeneratorSeed is not null)
        {
            worker.Generate(index, payload);
        }
        else if (worker.Source is { } opener)
        {
            Open(opener, source.ContentId, index, stored!.Value.Span, payload);
        }
        else
        {
            stored!.Value.Span.CopyTo(payload);
        }

        if (worker.Destination is { } sealer)
        {
            var nonce = output[..NonceSize];
            RandomNumberGenerator.Fill(nonce);
            sealer.Encrypt(nonce, payload, payload, output.Slice(NonceSize, TagSize), AssociatedData(newContentId, index));
        }
    }

    /// <summary>
    /// One block in clear: generated for seed content, else the stored bytes, opened when a key is given. Stored
    /// plaintext is returned as stored, not copied: it is valid only while the caller holds the store's lock.
    /// </summary>
    public static ReadOnlyMemory<byte> Plaintext(Ec2ContentRef content, byte[]? key, long index, ReadOnlyMemory<byte>? stored)
    {
        if (content.GeneratorSeed is { } seed)
        {
            var block = new byte[BlockLength(content.LengthBytes, index)];
            using var generator = new BlockGenerator(seed);
            generator.Generate(index, block);
            return block;
        }

        if (key is null)
        {
            return stored!.Value;
        }

        var bytes = stored!.Value.Span;
        if (bytes.Length < NonceSize + TagSize)
        {
            throw new CryptographicException($"Block {index} of {content.ContentId} is too short to be sealed.");
        }

        var plaintext = new byte[bytes.Length - NonceSize - TagSize];
        using var aes = new AesGcm(key, TagSize);
        Open(aes, content.ContentId, index, bytes, plaintext);
        return plaintext;
    }

    private static int BlockLength(long lengthBytes, long index) => (int)Math.Min(Ec2ContentStore.BlockSize, lengthBytes - (index * Ec2ContentStore.BlockSize));

    private static void Open(AesGcm aes, string contentId, long index, ReadOnlySpan<byte> sealedBlock, Span<byte> plaintext) =>
        aes.Decrypt(sealedBlock[..NonceSize], sealedBlock[(NonceSize + TagSize)..], sealedBlock.Slice(NonceSize, TagSize), plaintext, AssociatedData(contentId, index));

    private static byte[] AssociatedData(string contentId, long index) =>
        Encoding.UTF8.GetBytes(contentId + "/" + index.ToString(CultureInfo.InvariantCulture));
}
