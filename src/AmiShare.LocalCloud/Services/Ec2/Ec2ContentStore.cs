using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Data.Sqlite;

namespace AmiShare.LocalCloud.Services.Ec2;

/// <summary>
/// Block content of snapshots and volumes, kept out of the in-memory entity table so a 1 GiB image stays
/// practical: one SQLite row per 1 MiB block in table <c>ec2_blocks</c> (in the cloud's data file, through its
/// own connection; a private in-memory database otherwise). Blocks of encrypted content are AES-256-GCM
/// sealed under the owner's data key (nonce | tag | ciphertext, the content id and block index as associated
/// data); plaintext content is stored as is. Every pass streams block by block, so memory stays at one block.
/// </summary>
public sealed class Ec2ContentStore : IDisposable
{
    public const int BlockSize = 1024 * 1024;
    private const int NonceSize = 12;
    private const int TagSize = 16;

    private readonly SqliteConnection connection;
    private readonly Lock gate = new();

    public Ec2ContentStore(string? dataFilePath)
    {
        var builder = new SqliteConnectionStringBuilder { Pooling = false };
        if (dataFilePath is null)
        {
            builder.DataSource = $"localcloud-ec2-content-{Guid.NewGuid():N}";
            builder.Mode = SqliteOpenMode.Memory;
            builder.Cache = SqliteCacheMode.Shared;
        }
        else
        {
            builder.DataSource = dataFilePath;
            builder.Mode = SqliteOpenMode.ReadWriteCreate;
        }

        connection = new SqliteConnection(builder.ToString());
        connection.Open();
        Execute(dataFilePath is null ? "PRAGMA foreign_keys = OFF;" : "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;");
        Execute("""
            CREATE TABLE IF NOT EXISTS ec2_blocks (
                content_id  TEXT    NOT NULL,
                block_index INTEGER NOT NULL,
                data        BLOB    NOT NULL,
                PRIMARY KEY (content_id, block_index)
            );
            """);
    }

    /// <summary>Number of blocks for a length.</summary>
    public static long BlockCount(long lengthBytes) => (lengthBytes + BlockSize - 1) / BlockSize;

    /// <summary>
    /// Streams <paramref name="source"/> (decrypted with <paramref name="sourceKey"/> when given) into a new stored
    /// content <paramref name="newContentId"/>, encrypted with <paramref name="destinationKey"/> when given.
    /// </summary>
    public Ec2ContentRef Transform(Ec2ContentRef source, byte[]? sourceKey, string newContentId, byte[]? destinationKey)
    {
        ArgumentNullException.ThrowIfNull(source);
        lock (gate)
        {
            using var transaction = connection.BeginTransaction();
            using var insert = connection.CreateCommand();
            insert.Transaction = transaction;
            insert.CommandText = "INSERT INTO ec2_blocks (content_id, block_index, data) VALUES ($id, $index, $data)";
            var id = insert.Parameters.Add("$id", SqliteType.Text);
            var index = insert.Parameters.Add("$index", SqliteType.Integer);
            var data = insert.Parameters.Add("$data", SqliteType.Blob);
            id.Value = newContentId;
            foreach (var (blockIndex, plaintext) in ReadBlocksLocked(source, sourceKey, transaction))
            {
                index.Value = blockIndex;
                data.Value = destinationKey is null ? plaintext : Seal(destinationKey, newContentId, blockIndex, plaintext);
                insert.ExecuteNonQuery();
            }

            transaction.Commit();
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
            foreach (var (_, plaintext) in ReadBlocksLocked(content, key, null))
            {
                hash.AppendData(plaintext);
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
            return ReadBlocksLocked(content, key, null).First(b => b.Index == blockIndex).Plaintext;
        }
    }

    /// <summary>The stored (possibly sealed) bytes of a block, or null; lets tests check that nothing is stored in clear.</summary>
    public byte[]? ReadRawBlock(string contentId, long blockIndex)
    {
        lock (gate)
        {
            using var select = connection.CreateCommand();
            select.CommandText = "SELECT data FROM ec2_blocks WHERE content_id = $id AND block_index = $index";
            select.Parameters.AddWithValue("$id", contentId);
            select.Parameters.AddWithValue("$index", blockIndex);
            return select.ExecuteScalar() as byte[];
        }
    }

    /// <summary>Test-only: replaces the stored bytes of one block, so tests can check that tampering is detected.</summary>
    internal void OverwriteRawBlockForTests(string contentId, long blockIndex, byte[] data)
    {
        lock (gate)
        {
            using var update = connection.CreateCommand();
            update.CommandText = "UPDATE ec2_blocks SET data = $data WHERE content_id = $id AND block_index = $index";
            update.Parameters.AddWithValue("$id", contentId);
            update.Parameters.AddWithValue("$index", blockIndex);
            update.Parameters.AddWithValue("$data", data);
            if (update.ExecuteNonQuery() != 1)
            {
                throw new InvalidOperationException($"Content {contentId} has no block {blockIndex}.");
            }
        }
    }

    public void Delete(string contentId)
    {
        lock (gate)
        {
            using var delete = connection.CreateCommand();
            delete.CommandText = "DELETE FROM ec2_blocks WHERE content_id = $id";
            delete.Parameters.AddWithValue("$id", contentId);
            delete.ExecuteNonQuery();
        }
    }

    /// <summary>Content ids that have stored blocks.</summary>
    public IReadOnlyList<string> StoredContentIds()
    {
        lock (gate)
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
    }

    public void Dispose() => connection.Dispose();

    private IEnumerable<(long Index, byte[] Plaintext)> ReadBlocksLocked(Ec2ContentRef content, byte[]? key, SqliteTransaction? transaction)
    {
        var count = BlockCount(content.LengthBytes);
        if (content.GeneratorSeed is { } seed)
        {
            using var generator = new BlockGenerator(seed);
            for (long i = 0; i < count; i++)
            {
                yield return (i, generator.Block(i, BlockLength(content.LengthBytes, i)));
            }

            yield break;
        }

        using var select = connection.CreateCommand();
        select.Transaction = transaction;
        select.CommandText = "SELECT block_index, data FROM ec2_blocks WHERE content_id = $id ORDER BY block_index";
        select.Parameters.AddWithValue("$id", content.ContentId);
        using var reader = select.ExecuteReader();
        long expected = 0;
        while (reader.Read())
        {
            var index = reader.GetInt64(0);
            if (index != expected)
            {
                throw new InvalidOperationException($"Content {content.ContentId} is missing block {expected}.");
            }

            var stored = (byte[])reader.GetValue(1);
            yield return (index, key is null ? stored : Open(key, content.ContentId, index, stored));
            expected++;
        }

        if (expected != count)
        {
            throw new InvalidOperationException($"Content {content.ContentId} has {expected} of {count} blocks.");
        }
    }

    private static int BlockLength(long lengthBytes, long index) => (int)Math.Min(BlockSize, lengthBytes - (index * BlockSize));

    private static byte[] Seal(byte[] key, string contentId, long index, byte[] plaintext)
    {
        var sealedBlock = new byte[NonceSize + TagSize + plaintext.Length];
        var nonce = sealedBlock.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(key, TagSize);
        aes.Encrypt(nonce, plaintext, sealedBlock.AsSpan(NonceSize + TagSize), sealedBlock.AsSpan(NonceSize, TagSize), AssociatedData(contentId, index));
        return sealedBlock;
    }

    private static byte[] Open(byte[] key, string contentId, long index, byte[] sealedBlock)
    {
        if (sealedBlock.Length < NonceSize + TagSize)
        {
            throw new CryptographicException($"Block {index} of {contentId} is too short to be sealed.");
        }

        var plaintext = new byte[sealedBlock.Length - NonceSize - TagSize];
        using var aes = new AesGcm(key, TagSize);
        aes.Decrypt(sealedBlock.AsSpan(0, NonceSize), sealedBlock.AsSpan(NonceSize + TagSize), sealedBlock.AsSpan(NonceSize, TagSize), plaintext, AssociatedData(contentId, index));
        return plaintext;
    }

    private static byte[] AssociatedData(string contentId, long index) =>
        Encoding.UTF8.GetBytes(contentId + "/" + index.ToString(CultureInfo.InvariantCulture));

    private void Execute(string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    /// <summary>Deterministic pseudo-random blocks: AES-256 in counter mode under SHA-256 of the seed.</summary>
    private sealed class BlockGenerator : IDisposable
    {
        private readonly Aes aes = Aes.Create();

        public BlockGenerator(string seed)
        {
            aes.Key = SHA256.HashData(Encoding.UTF8.GetBytes("localcloud-public-image-content/" + seed));
        }

        public byte[] Block(long index, int length)
        {
            var counters = new byte[(length + 15) / 16 * 16];
            for (var j = 0; j < counters.Length / 16; j++)
            {
                BitConverter.TryWriteBytes(counters.AsSpan(j * 16, 8), index);
                BitConverter.TryWriteBytes(counters.AsSpan((j * 16) + 8, 8), (long)j);
            }

            var stream = aes.EncryptEcb(counters, PaddingMode.None);
            return stream.Length == length ? stream : stream[..length];
        }

        public void Dispose() => aes.Dispose();
    }
}
