using Microsoft.Data.Sqlite;

namespace AmiShare.LocalCloud.Services.Ec2;

/// <summary>Blocks as rows of table <c>ec2_blocks</c> in the cloud's data file.</summary>
internal sealed class SqliteBlockTable : IBlockTable
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
