using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Data.Sqlite;

namespace AmiShare.LocalCloud.Services.Ec2;

/// <summary>
/// Block content of snapshots and volumes, kept out of the entity table so a 1 GiB image stays practical:
/// 1 MiB blocks, in memory for an in-memory cloud and as rows of table <c>ec2_blocks</c> in the data file
/// otherwise. Blocks of encrypted content are AES-256-GCM sealed under the owner's data key (nonce | tag |
/// ciphertext, the content id and block index as associated data); plaintext content is stored as is.
/// Copies and launches open and seal blocks in parallel batches on all cores, and write all-or-nothing.
/// </summary>
public sealed class Ec2ContentStore : IDisposable
{
    public const int BlockSize = 1024 * 1024;
    private const int NonceSize = 12;
    private const int TagSize = 16;

    /// <summary>Blocks processed together: enough to keep every core busy, little enough to bound memory.</summary>
    private static readonly int BatchSize = Math.Max(64, Environment.ProcessorCount * 16);

    private readonly IBlockTable blocks;
    private readonly Lock gate = new();

    public Ec2ContentStore(string? dataFilePath)
    {
        // SQLite would add nothing but copying to an in-memory cloud; a data file must keep the blocks.
        blocks = dataFilePath is null ? new MemoryBlockTable() : new SqliteBlockTable(dataFilePath);
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
        lock (gate)
        {
            blocks.InsertAll(newContentId, TransformedBatches(source, sourceKey, newContentId, destinationKey));
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
                    hash.AppendData(plaintext);
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
            return Plaintext(content, key, blockIndex, content.GeneratorSeed is null ? StoredBlock(content, blockIndex) : null);
        }
    }

    /// <summary>The stored (possibly sealed) bytes of a block, or null; lets tests check that nothing is stored in clear.</summary>
    public byte[]? ReadRawBlock(string contentId, long blockIndex)
    {
        lock (gate)
        {
            return blocks.Read(contentId, blockIndex);
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

    /// <summary>Batches of the new content's stored blocks, each batch opened and sealed in parallel.</summary>
    private IEnumerable<byte[][]> TransformedBatches(Ec2ContentRef source, byte[]? sourceKey, string newContentId, byte[]? destinationKey)
    {
        var count = BlockCount(source.LengthBytes);
        for (long first = 0; first < count; first += BatchSize)
        {
            var size = (int)Math.Min(BatchSize, count - first);
            var stored = StoredBatch(source, first, size);
            var output = new byte[size][];
            var start = first;
            InParallel(
                size,
                () => new BlockWorker(source.GeneratorSeed, sourceKey, destinationKey),
                (j, worker) => output[j] = TransformBlock(worker, source, start + j, stored?[j], newContentId));
            yield return output;
        }
    }

    /// <summary>Batches of decrypted blocks in order, each batch opened in parallel.</summary>
    private IEnumerable<byte[][]> PlaintextBatches(Ec2ContentRef content, byte[]? key)
    {
        var count = BlockCount(content.LengthBytes);
        for (long first = 0; first < count; first += BatchSize)
        {
            var size = (int)Math.Min(BatchSize, count - first);
            var stored = StoredBatch(content, first, size);
            var output = new byte[size][];
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
    private byte[][]? StoredBatch(Ec2ContentRef content, long first, int size)
    {
        if (content.GeneratorSeed is not null)
        {
            return null;
        }

        var stored = new byte[size][];
        for (var j = 0; j < size; j++)
        {
            stored[j] = StoredBlock(content, first + j);
        }

        return stored;
    }

    private byte[] StoredBlock(Ec2ContentRef content, long index) =>
        blocks.Read(content.ContentId, index)
        ?? throw new InvalidOperationException($"Content {content.ContentId} is missing block {index} of {BlockCount(content.LengthBytes)}.");

    /// <summary>
    /// One block of the new content, written into fresh memory once: a sealed block is generated, copied or opened
    /// straight into the array that will be stored and sealed there in place (on this machine kind, touching new
    /// pages costs about as much as the cipher, so no block passes through a second fresh array).
    /// </summary>
    private static byte[] TransformBlock(BlockWorker worker, Ec2ContentRef source, long index, byte[]? stored, string newContentId)
    {
        var length = source.GeneratorSeed is not null ? BlockLength(source.LengthBytes, index)
            : worker.Source is null ? stored!.Length
            : stored!.Length - NonceSize - TagSize;
        if (length < 0)
        {
            throw new CryptographicException($"Block {index} of {source.ContentId} is too short to be sealed.");
        }

        if (worker.Destination is null && worker.Source is null && source.GeneratorSeed is null)
        {
            // Plaintext to plaintext: blocks are immutable once stored, so the copy shares them.
            return stored!;
        }

        // Every byte (nonce, tag, payload) is written below, so the array need not be zeroed first.
        var output = GC.AllocateUninitializedArray<byte>(worker.Destination is null ? length : NonceSize + TagSize + length);
        var payload = worker.Destination is null ? output.AsSpan() : output.AsSpan(NonceSize + TagSize);
        if (source.GeneratorSeed is not null)
        {
            worker.Generate(index, payload);
        }
        else if (worker.Source is { } opener)
        {
            Open(opener, source.ContentId, index, stored!, payload);
        }
        else
        {
            stored.CopyTo(payload);
        }

        if (worker.Destination is { } sealer)
        {
            var nonce = output.AsSpan(0, NonceSize);
            RandomNumberGenerator.Fill(nonce);
            sealer.Encrypt(nonce, payload, payload, output.AsSpan(NonceSize, TagSize), AssociatedData(newContentId, index));
        }

        return output;
    }

    /// <summary>One block in clear: generated for seed content, else the stored bytes, opened when a key is given.</summary>
    private static byte[] Plaintext(Ec2ContentRef content, byte[]? key, long index, byte[]? stored)
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
            return stored!;
        }

        if (stored!.Length < NonceSize + TagSize)
        {
            throw new CryptographicException($"Block {index} of {content.ContentId} is too short to be sealed.");
        }

        var plaintext = new byte[stored.Length - NonceSize - TagSize];
        using var aes = new AesGcm(key, TagSize);
        Open(aes, content.ContentId, index, stored, plaintext);
        return plaintext;
    }

    private static int BlockLength(long lengthBytes, long index) => (int)Math.Min(BlockSize, lengthBytes - (index * BlockSize));

    private static void Open(AesGcm aes, string contentId, long index, byte[] sealedBlock, Span<byte> plaintext) =>
        aes.Decrypt(sealedBlock.AsSpan(0, NonceSize), sealedBlock.AsSpan(NonceSize + TagSize), sealedBlock.AsSpan(NonceSize, TagSize), plaintext, AssociatedData(contentId, index));

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
        /// <summary>Stores every batch under the content id, or nothing if enumerating the batches fails.</summary>
        void InsertAll(string contentId, IEnumerable<byte[][]> batches);

        byte[]? Read(string contentId, long index);

        bool Overwrite(string contentId, long index, byte[] data);

        void Delete(string contentId);

        IReadOnlyList<string> ContentIds();
    }

    private sealed class MemoryBlockTable : IBlockTable
    {
        private readonly Dictionary<string, List<byte[]>> contents = new(StringComparer.Ordinal);

        public void InsertAll(string contentId, IEnumerable<byte[][]> batches)
        {
            var list = new List<byte[]>();
            foreach (var batch in batches)
            {
                list.AddRange(batch);
            }

            contents[contentId] = list;
        }

        public byte[]? Read(string contentId, long index) =>
            contents.TryGetValue(contentId, out var list) && index >= 0 && index < list.Count ? list[(int)index] : null;

        public bool Overwrite(string contentId, long index, byte[] data)
        {
            if (!contents.TryGetValue(contentId, out var list) || index < 0 || index >= list.Count)
            {
                return false;
            }

            list[(int)index] = data;
            return true;
        }

        public void Delete(string contentId) => contents.Remove(contentId);

        public IReadOnlyList<string> ContentIds() => [.. contents.Keys];

        public void Dispose() => contents.Clear();
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

        public void InsertAll(string contentId, IEnumerable<byte[][]> batches)
        {
            using var transaction = connection.BeginTransaction();
            using var insert = connection.CreateCommand();
            insert.Transaction = transaction;
            insert.CommandText = "INSERT INTO ec2_blocks (content_id, block_index, data) VALUES ($id, $index, $data)";
            var id = insert.Parameters.Add("$id", SqliteType.Text);
            var index = insert.Parameters.Add("$index", SqliteType.Integer);
            var data = insert.Parameters.Add("$data", SqliteType.Blob);
            id.Value = contentId;
            long next = 0;
            foreach (var batch in batches)
            {
                foreach (var block in batch)
                {
                    index.Value = next++;
                    data.Value = block;
                    insert.ExecuteNonQuery();
                }
            }

            transaction.Commit();
        }

        public byte[]? Read(string contentId, long index)
        {
            using var select = connection.CreateCommand();
            select.CommandText = "SELECT data FROM ec2_blocks WHERE content_id = $id AND block_index = $index";
            select.Parameters.AddWithValue("$id", contentId);
            select.Parameters.AddWithValue("$index", index);
            return select.ExecuteScalar() as byte[];
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
}
