using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Data.Sqlite;

namespace AmiShare.LocalCloud.Services.Ec2;

/// <summary>
/// Block content of snapshots and volumes, kept out of the entity table so a 1 GiB image stays practical:
/// 1 MiB blocks, in native-memory slabs for an in-memory cloud (<see cref="BlockSlab"/>) and as rows of table
/// <c>ec2_blocks</c> in the data file otherwise. Blocks of encrypted content are AES-256-GCM sealed under the
/// owner's data key (nonce | tag | ciphertext, the content id and block index as associated data); plaintext
/// content is stored as is.
/// Copies and launches open and seal blocks in parallel batches on all cores, and write all-or-nothing.
/// </summary>
public sealed class Ec2ContentStore : IDisposable
{
    public const int BlockSize = 1024 * 1024;
    private const int NonceSize = 12;
    private const int TagSize = 16;

    /// <summary>Blocks processed together: enough to keep every core busy, little enough to bound memory.</summary>
    private static readonly int BatchSize = Math.Max(64, Environment.ProcessorCount * 16);

    /// <summary>Room for the largest stored block: a full block sealed (nonce and tag in front of the payload).</summary>
    private const int SlotSize = BlockSize + NonceSize + TagSize;

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
                InParallel(
                    size,
                    () => new BlockWorker(source.GeneratorSeed, sourceKey, destinationKey),
                    (j, worker) => TransformBlock(worker, source, start + j, stored?[j], writer, newContentId));
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
            return Plaintext(content, key, blockIndex, content.GeneratorSeed is null ? StoredBlock(content, blockIndex) : (ReadOnlyMemory<byte>?)null).ToArray();
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
            InParallel(size, j => output[j] = Plaintext(content, key, start + j, stored?[j]));
            yield return output;
        }
    }

    /// <summary>
    /// Parallel.For wraps failures in an AggregateException; callers expect the block's own error
    /// (a CryptographicException for a tampered block), so the first one is rethrown as it was.
    /// </summary>
    private static void InParallel(int count, Action<int> body)
    {
        try
        {
            Parallel.For(0, count, body);
        }
        catch (AggregateException failure) when (failure.InnerExceptions.Count > 0)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(failure.InnerExceptions[0]).Throw();
        }
    }

    /// <summary>As <see cref="InParallel(int, Action{int})"/>, with one <see cref="BlockWorker"/> per parallel worker.</summary>
    private static void InParallel(int count, Func<BlockWorker> newWorker, Action<int, BlockWorker> body)
    {
        try
        {
            Parallel.For(0, count, newWorker, (j, _, worker) =>
            {
                body(j, worker);
                return worker;
            }, worker => worker.Dispose());
        }
        catch (AggregateException failure) when (failure.InnerExceptions.Count > 0)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(failure.InnerExceptions[0]).Throw();
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

    /// <summary>
    /// One block of the new content, written once into its slot: a sealed block is generated, copied or opened
    /// straight into the memory that will be stored and sealed there in place (touching new pages costs about as
    /// much as the cipher on this machine kind, so no block passes through a second buffer).
    /// </summary>
    private static void TransformBlock(BlockWorker worker, Ec2ContentRef source, long index, ReadOnlyMemory<byte>? stored, IBlockWriter writer, string newContentId)
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
    private static ReadOnlyMemory<byte> Plaintext(Ec2ContentRef content, byte[]? key, long index, ReadOnlyMemory<byte>? stored)
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

    private static int BlockLength(long lengthBytes, long index) => (int)Math.Min(BlockSize, lengthBytes - (index * BlockSize));

    private static void Open(AesGcm aes, string contentId, long index, ReadOnlySpan<byte> sealedBlock, Span<byte> plaintext) =>
        aes.Decrypt(sealedBlock[..NonceSize], sealedBlock[(NonceSize + TagSize)..], sealedBlock.Slice(NonceSize, TagSize), plaintext, AssociatedData(contentId, index));

    private static byte[] AssociatedData(string contentId, long index) =>
        Encoding.UTF8.GetBytes(contentId + "/" + index.ToString(CultureInfo.InvariantCulture));

    /// <summary>
    /// What one parallel worker of a copy keeps across its blocks: the AES-GCM instances (keyed once, not per
    /// block) and the generator of seed content with its pooled counter buffer.
    /// </summary>
    private sealed class BlockWorker : IDisposable
    {
        private readonly BlockGenerator? generator;

        public BlockWorker(string? generatorSeed, byte[]? sourceKey, byte[]? destinationKey)
        {
            generator = generatorSeed is null ? null : new BlockGenerator(generatorSeed);
            Source = generatorSeed is null && sourceKey is not null ? new AesGcm(sourceKey, TagSize) : null;
            Destination = destinationKey is null ? null : new AesGcm(destinationKey, TagSize);
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

    /// <summary>
    /// Deterministic pseudo-random blocks: AES-256 in counter mode under SHA-256 of the seed. The counter block is
    /// scratch, so it comes from the array pool and is reused for every block this generator makes.
    /// </summary>
    private sealed class BlockGenerator : IDisposable
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

    /// <summary>Where blocks live; callers hold the store's lock.</summary>
    private interface IBlockTable : IDisposable
    {
        /// <summary>Starts content <paramref name="contentId"/> of <paramref name="blockCount"/> blocks; it is kept only if committed.</summary>
        IBlockWriter Create(string contentId, long blockCount);

        /// <summary>The stored bytes of a block, valid until the content is deleted or overwritten; null if absent.</summary>
        ReadOnlyMemory<byte>? Read(string contentId, long index);

        bool Overwrite(string contentId, long index, byte[] data);

        void Delete(string contentId);

        IReadOnlyList<string> ContentIds();
    }

    /// <summary>New content being written; disposing it uncommitted discards every block.</summary>
    private interface IBlockWriter : IDisposable
    {
        /// <summary>Where block <paramref name="index"/> of <paramref name="length"/> bytes goes; distinct blocks may be written in parallel.</summary>
        Memory<byte> Slot(long index, int length);

        /// <summary>Blocks <paramref name="first"/> to <paramref name="first"/> + <paramref name="count"/> - 1 are fully written.</summary>
        void Written(long first, int count);

        void Commit();
    }

    /// <summary>Each content is a run of slabs of fixed-size slots, with each block's length beside them.</summary>
    private sealed class MemoryBlockTable(int blocksPerSlab) : IBlockTable
    {
        private readonly Dictionary<string, SlabContent> contents = new(StringComparer.Ordinal);

        public IBlockWriter Create(string contentId, long blockCount) => new SlabWriter(this, contentId, new SlabContent(blockCount, blocksPerSlab));

        public ReadOnlyMemory<byte>? Read(string contentId, long index) =>
            contents.TryGetValue(contentId, out var content) && content.Has(index) ? content.Block(index) : (ReadOnlyMemory<byte>?)null;

        public bool Overwrite(string contentId, long index, byte[] data)
        {
            if (!contents.TryGetValue(contentId, out var content) || !content.Has(index))
            {
                return false;
            }

            data.CopyTo(content.Slot(index, data.Length));
            return true;
        }

        public void Delete(string contentId)
        {
            if (contents.Remove(contentId, out var content))
            {
                content.Dispose();
            }
        }

        public IReadOnlyList<string> ContentIds() => [.. contents.Keys];

        public void Dispose()
        {
            foreach (var content in contents.Values)
            {
                content.Dispose();
            }

            contents.Clear();
        }

        private void Keep(string contentId, SlabContent content)
        {
            Delete(contentId);
            contents[contentId] = content;
        }

        private sealed class SlabWriter(MemoryBlockTable table, string contentId, SlabContent content) : IBlockWriter
        {
            private bool committed;

            public Memory<byte> Slot(long index, int length) => content.Slot(index, length);

            public void Written(long first, int count)
            {
            }

            public void Commit()
            {
                table.Keep(contentId, content);
                committed = true;
            }

            public void Dispose()
            {
                if (!committed)
                {
                    content.Dispose();
                }
            }
        }
    }

    private sealed class SlabContent : IDisposable
    {
        private readonly BlockSlab[] slabs;
        private readonly int[] lengths;
        private readonly int blocksPerSlab;

        public SlabContent(long blockCount, int blocksPerSlab)
        {
            this.blocksPerSlab = blocksPerSlab;
            lengths = new int[blockCount];
            slabs = new BlockSlab[(blockCount + blocksPerSlab - 1) / blocksPerSlab];
            try
            {
                for (var i = 0; i < slabs.Length; i++)
                {
                    var slots = (int)Math.Min(blocksPerSlab, blockCount - ((long)i * blocksPerSlab));
                    slabs[i] = BlockSlab.Allocate(slots * SlotSize);
                }
            }
            catch
            {
                Dispose();
                throw;
            }
        }

        public bool Has(long index) => index >= 0 && index < lengths.Length;

        public Memory<byte> Slot(long index, int length)
        {
            // A longer block would run into the next slot; content that grows like that is a bug, not data.
            ArgumentOutOfRangeException.ThrowIfGreaterThan(length, SlotSize);
            lengths[index] = length;
            return Place(index, length);
        }

        public ReadOnlyMemory<byte> Block(long index) => Place(index, lengths[index]);

        public void Dispose()
        {
            foreach (var slab in slabs)
            {
                ((IDisposable?)slab)?.Dispose();
            }
        }

        private Memory<byte> Place(long index, int length) =>
            slabs[index / blocksPerSlab].Memory.Slice((int)(index % blocksPerSlab) * SlotSize, length);
    }

    private sealed class SqliteBlockTable : IBlockTable
    {
        private readonly SqliteConnection connection;

        public SqliteBlockTable(string dataFilePath)
        {
            var builder = new SqliteConnectionStringBuilder { Pooling = false, DataSource = dataFilePath, Mode = SqliteOpenMode.ReadWriteCreate };
            connection = new SqliteConnection(builder.ToString());
            connection.Open();
            Execute("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;");
            Execute("""
                CREATE TABLE IF NOT EXISTS ec2_blocks (
                    content_id  TEXT    NOT NULL,
                    block_index INTEGER NOT NULL,
                    data        BLOB    NOT NULL,
                    PRIMARY KEY (content_id, block_index)
                );
                """);
        }

        public IBlockWriter Create(string contentId, long blockCount) => new RowWriter(connection, contentId);

        public ReadOnlyMemory<byte>? Read(string contentId, long index)
        {
            using var select = connection.CreateCommand();
            select.CommandText = "SELECT data FROM ec2_blocks WHERE content_id = $id AND block_index = $index";
            select.Parameters.AddWithValue("$id", contentId);
            select.Parameters.AddWithValue("$index", index);
            // The casts matter: a bare null here would convert (through byte[]) to an empty block, not to no block.
            return select.ExecuteScalar() is byte[] data ? new ReadOnlyMemory<byte>(data) : (ReadOnlyMemory<byte>?)null;
        }

        public bool Overwrite(string contentId, long index, byte[] data)
        {
            using var update = connection.CreateCommand();
            update.CommandText = "UPDATE ec2_blocks SET data = $data WHERE content_id = $id AND block_index = $index";
            update.Parameters.AddWithValue("$id", contentId);
            update.Parameters.AddWithValue("$index", index);
            update.Parameters.AddWithValue("$data", data);
            return update.ExecuteNonQuery() == 1;
        }

        public void Delete(string contentId)
        {
            using var delete = connection.CreateCommand();
            delete.CommandText = "DELETE FROM ec2_blocks WHERE content_id = $id";
            delete.Parameters.AddWithValue("$id", contentId);
            delete.ExecuteNonQuery();
        }

        public IReadOnlyList<string> ContentIds()
        {
            using var select = connection.CreateCommand();
            select.CommandText = "SELECT DISTINCT content_id FROM ec2_blocks";
            using var reader = select.ExecuteReader();
            var ids = new List<string>();
            while (reader.Read())
            {
                ids.Add(reader.GetString(0));
            }

            return ids;
        }

        public void Dispose() => connection.Dispose();

        private void Execute(string sql)
        {
            using var command = connection.CreateCommand();
            command.CommandText = sql;
            command.ExecuteNonQuery();
        }
    }

    /// <summary>Writes the blocks of a batch as rows once the batch is done, all in one transaction.</summary>
    private sealed class RowWriter : IBlockWriter
    {
        private readonly SqliteTransaction transaction;
        private readonly SqliteCommand insert;
        private readonly SqliteParameter index;
        private readonly SqliteParameter data;
        private readonly System.Collections.Concurrent.ConcurrentDictionary<long, byte[]> pending = new();

        public RowWriter(SqliteConnection connection, string contentId)
        {
            transaction = connection.BeginTransaction();
            insert = connection.CreateCommand();
            insert.Transaction = transaction;
            insert.CommandText = "INSERT INTO ec2_blocks (content_id, block_index, data) VALUES ($id, $index, $data)";
            insert.Parameters.Add("$id", SqliteType.Text).Value = contentId;
            index = insert.Parameters.Add("$index", SqliteType.Integer);
            data = insert.Parameters.Add("$data", SqliteType.Blob);
        }

        public Memory<byte> Slot(long index, int length) => pending[index] = GC.AllocateUninitializedArray<byte>(length);

        public void Written(long first, int count)
        {
            for (var block = first; block < first + count; block++)
            {
                pending.TryRemove(block, out var bytes);
                index.Value = block;
                data.Value = bytes ?? throw new InvalidOperationException($"Block {block} was never written.");
                insert.ExecuteNonQuery();
            }
        }

        public void Commit() => transaction.Commit();

        public void Dispose()
        {
            insert.Dispose();
            transaction.Dispose();
        }
    }
}
