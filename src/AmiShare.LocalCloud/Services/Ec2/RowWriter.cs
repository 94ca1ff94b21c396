using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;

namespace AmiShare.LocalCloud.Services.Ec2;

/// <summary>Writes the blocks of a batch as rows once the batch is done, all in one transaction.</summary>
internal sealed class RowWriter : IBlockWriter
{
    private readonly SqliteTransaction transaction;
    private readonly SqliteCommand insert;
    private readonly SqliteParameter index;
    private readonly SqliteParameter data;
    private readonly ConcurrentDictionary<long, byte[]> pending = new();

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
