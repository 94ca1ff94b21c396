using System.Security.Cryptography;

namespace AmiShare.LocalCloud.Services.Ec2;

/// <summary>
/// Block content of snapshots and volumes, kept out of the entity table so a 1 GiB image stays practical:
/// 1 MiB blocks, in native-memory slabs for an in-memory cloud (<see cref="BlockSlab"/>) and as rows of table
/// <c>ec2_blocks</c> in the data file otherwise. Blocks of encrypted content are AES-256-GCM sealed under the
/// owner's data key (nonce | tag | ciphertext, the content id and block index as associated data); plaintext
/// content is stored as is.
/// Copies and launches open and seal blocks in parallel batches on all cores, and write all-or-nothing.
/// The parts: <see cref="BlockSealing"/> (one block in and out of AES-GCM), <see cref="ParallelBlocks"/> (a batch
/// on all cores), and the two <see cref="IBlockTable"/> backends, <see cref="MemoryBlockTable"/> and
/// <see cref="SqliteBlockTable"/>, behind the all-or-nothing <see cref="IBlockWriter"/>.
/// </summary>
public sealed class Ec2ContentStore : IDisposable
{
    public const int BlockSize = 1024 * 1024;

    /// <summary>Room for the largest stored block: a full block sealed (nonce and tag in front of the payload).</summary>
    internal const int SlotSize = BlockSize + BlockSealing.NonceSize + BlockSealing.TagSize;

    /// <summary>Blocks processed together: enough to keep every core busy, little enough to bound memory.</summary>
    private static readonly int BatchSize = Math.Max(64, Environment.ProcessorCount * 16);

    /// <summary>Blocks per slab: 256 MiB, so a slab's length stays an int and a large content needs few mappings.</summary>
    private const int DefaultBlocksPerSlab = 256;

    private readonly IBlockTable blocks;
    private readonly Lock gate = new();

    public Ec2ContentStore(string? dataFilePath)
        : this(dataFilePath, DefaultBlocksPerSlab)
    {
    }

    /// <summary>Tests choose small slabs to cross slab boundaries with little content.</summary>
    internal Ec2ContentStore(string? dataFilePath, int blocksPerSlab)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(blocksPerSlab);

        // SQLite would add nothing but copying to an in-memory cloud; a data file must keep the blocks.
        blocks = dataFilePath is null ? new MemoryBlockTable(blocksPerSlab) : new SqliteBlockTable(dataFilePath);
    }

    /// <summary>Number of blocks for a length.</summary>
    public static long BlockCount(long lengthBytes) => (lengthBytes + BlockSize - 1) / BlockSize;

    /// <summary>
    /// Reads <paramref name="source"/> (decrypted with <paramref name="sourceKey"/> when given) into a new stored
    /// content <paramref name="newContentId"/>, encrypted with <paramref name="destinationKey"/> when given. Either
    /// every block is stored or none is (a block that fails to open stops the copy).
    /// </summary>
    public Ec2ContentRef Transform(Ec2ContentRef source, byte[]? sourceKey, string newContentId, byte[]? destinationKey)
    {
        ArgumentNullException.ThrowIfNull(source);
        var count = BlockCount(source.LengthBytes);
        lock (gate)
        {
            using var writer = blocks.Create(newContentId, count);
            for (long first = 0; first < count; first += BatchSize)
            {
                var size = (int)Math.Min(BatchSize, count - first);
                var stored = StoredBatch(source, first, size);
                var start = first;
                ParallelBlocks.Run(
                    size,
                    () => new BlockWorker(source.GeneratorSeed, sourceKey, destinationKey),
                    (j, worker) => BlockSealing.TransformBlock(worker, source, start + j, stored?[j], writer, newContentId));
                writer.Written(first, size);
            }

            writer.Commit();
            return new Ec2ContentRef(newContentId, source.LengthBytes);
        }
    }

    /// <summary>Lower-case hex SHA-256 of the decrypted content.</summary>
    public string Sha256(Ec2ContentRef content, byte[]? key)
    {
        ArgumentNullException.ThrowIfNull(content);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        lock (gate)
        {
            foreach (var batch in PlaintextBatches(content, key))
            {
                foreach (var plaintext in batch)
                {
                    hash.AppendData(plaintext.Span);
                }
            }
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>Reads one decrypted block (for tests and tools).</summary>
    public byte[] ReadBlock(Ec2ContentRef content, byte[]? key, long blockIndex)
    {
        ArgumentNullException.ThrowIfNull(content);
        lock (gate)
        {
            return BlockSealing.Plaintext(content, key, blockIndex, content.GeneratorSeed is null ? StoredBlock(content, blockIndex) : (ReadOnlyMemory<byte>?)null).ToArray();
        }
    }

    /// <summary>The stored (possibly sealed) bytes of a block, or null; lets tests check that nothing is stored in clear.</summary>
    public byte[]? ReadRawBlock(string contentId, long blockIndex)
    {
        lock (gate)
        {
            return blocks.Read(contentId, blockIndex)?.ToArray();
        }
    }

    /// <summary>Test-only: replaces the stored bytes of one block, so tests can check that tampering is detected.</summary>
    internal void OverwriteRawBlockForTests(string contentId, long blockIndex, byte[] data)
    {
        lock (gate)
        {
            if (!blocks.Overwrite(contentId, blockIndex, data))
            {
                throw new InvalidOperationException($"Content {contentId} has no block {blockIndex}.");
            }
        }
    }

    public void Delete(string contentId)
    {
        lock (gate)
        {
            blocks.Delete(contentId);
        }
    }

    /// <summary>Content ids that have stored blocks.</summary>
    public IReadOnlyList<string> StoredContentIds()
    {
        lock (gate)
        {
            return blocks.ContentIds();
        }
    }

    public void Dispose() => blocks.Dispose();

    /// <summary>Batches of decrypted blocks in order, each batch opened in parallel.</summary>
    private IEnumerable<ReadOnlyMemory<byte>[]> PlaintextBatches(Ec2ContentRef content, byte[]? key)
    {
        var count = BlockCount(content.LengthBytes);
        for (long first = 0; first < count; first += BatchSize)
        {
            var size = (int)Math.Min(BatchSize, count - first);
            var stored = StoredBatch(content, first, size);
            var output = new ReadOnlyMemory<byte>[size];
            var start = first;
            ParallelBlocks.Run(size, j => output[j] = BlockSealing.Plaintext(content, key, start + j, stored?[j]));
            yield return output;
        }
    }

    /// <summary>The stored bytes of a run of blocks, or null for generated (seed) content.</summary>
    private ReadOnlyMemory<byte>[]? StoredBatch(Ec2ContentRef content, long first, int size)
    {
        if (content.GeneratorSeed is not null)
        {
            return null;
        }

        var stored = new ReadOnlyMemory<byte>[size];
        for (var j = 0; j < size; j++)
        {
            stored[j] = StoredBlock(content, first + j);
        }

        return stored;
    }

    private ReadOnlyMemory<byte> StoredBlock(Ec2ContentRef content, long index) =>
        blocks.Read(content.ContentId, index)
        ?? throw new InvalidOperationException($"Content {content.ContentId} is missing block {index} of {BlockCount(content.LengthBytes)}.");
}
