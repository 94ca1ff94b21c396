using Microsoft.Data.Sqlite;

namespace AmiShare.LocalCloud.State;

/// <summary>One persisted entity row: the JSON of a record under its kind and key.</summary>
internal sealed record EntityRow(string Kind, EntityKey Key, string Json);

/// <summary>
/// The SQLite side of <see cref="LocalCloudState"/>: one <c>entities</c> table of JSON rows, so new entity kinds
/// need no migration. It holds a single connection for the server's lifetime; for the in-memory mode that open
/// connection is what keeps the named shared-cache database alive. A connection is not safe for concurrent use
/// and both the state's commits and the CloudTrail writer's batches go through this one, so each call takes its lock.
/// </summary>
internal sealed class SqliteEntityStore : IDisposable
{
    private readonly SqliteConnection connection;
    private readonly Lock gate = new();

    private SqliteEntityStore(SqliteConnection connection)
    {
        this.connection = connection;
    }

    public static SqliteEntityStore Open(string? dataFilePath)
    {
        var builder = new SqliteConnectionStringBuilder { Pooling = false };
        if (dataFilePath is null)
        {
            builder.DataSource = $"localcloud-{Guid.NewGuid():N}";
            builder.Mode = SqliteOpenMode.Memory;
            builder.Cache = SqliteCacheMode.Shared;
        }
        else
        {
            var directory = Path.GetDirectoryName(Path.GetFullPath(dataFilePath));
            if (!string.IsNullOrEmpty(directory))
            {
                Directory.CreateDirectory(directory);
            }

            builder.DataSource = dataFilePath;
            builder.Mode = SqliteOpenMode.ReadWriteCreate;
        }

        var connection = new SqliteConnection(builder.ToString());
        try
        {
            connection.Open();
            Execute(connection, dataFilePath is null
                ? "PRAGMA foreign_keys = OFF;"
                : "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;");
            Execute(connection, """
                CREATE TABLE IF NOT EXISTS entities (
                    kind    TEXT NOT NULL,
                    account TEXT NOT NULL,
                    region  TEXT NOT NULL,
                    id      TEXT NOT NULL,
                    json    TEXT NOT NULL,
                    PRIMARY KEY (kind, account, region, id)
                ) WITHOUT ROWID;
                """);
            return new SqliteEntityStore(connection);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    public List<EntityRow> LoadAll()
    {
        lock (gate)
        {
            return LoadAllUnlocked();
        }
    }

    /// <summary>Applies one transaction's changes atomically; a <c>null</c> JSON deletes the row.</summary>
    public void Apply(IReadOnlyList<(string Kind, EntityKey Key, string? Json)> changes)
    {
        if (changes.Count == 0)
        {
            return;
        }

        lock (gate)
        {
            ApplyUnlocked(changes);
        }
    }

    public void Dispose()
    {
        lock (gate)
        {
            connection.Dispose();
        }
    }

    private List<EntityRow> LoadAllUnlocked()
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT kind, account, region, id, json FROM entities";
        using var reader = command.ExecuteReader();
        var rows = new List<EntityRow>();
        while (reader.Read())
        {
            rows.Add(new EntityRow(
                reader.GetString(0),
                new EntityKey(reader.GetString(1), reader.GetString(2), reader.GetString(3)),
                reader.GetString(4)));
        }

        return rows;
    }

    private void ApplyUnlocked(IReadOnlyList<(string Kind, EntityKey Key, string? Json)> changes)
    {
        using var transaction = connection.BeginTransaction();
        using var upsert = connection.CreateCommand();
        upsert.Transaction = transaction;
        upsert.CommandText = """
            INSERT INTO entities (kind, account, region, id, json) VALUES ($kind, $account, $region, $id, $json)
            ON CONFLICT (kind, account, region, id) DO UPDATE SET json = excluded.json
            """;
        using var delete = connection.CreateCommand();
        delete.Transaction = transaction;
        delete.CommandText = "DELETE FROM entities WHERE kind = $kind AND account = $account AND region = $region AND id = $id";
        // Parameters are made once per command and only their values change, so each statement is prepared once per batch.
        var upsertKey = KeyParameters(upsert);
        var json = upsert.Parameters.Add("$json", SqliteType.Text);
        var deleteKey = KeyParameters(delete);

        foreach (var change in changes)
        {
            var (command, key) = change.Json is null ? (delete, deleteKey) : (upsert, upsertKey);
            key.Kind.Value = change.Kind;
            key.Account.Value = change.Key.AccountId;
            key.Region.Value = change.Key.Region;
            key.Id.Value = change.Key.Id;
            if (change.Json is not null)
            {
                json.Value = change.Json;
            }

            command.ExecuteNonQuery();
        }

        transaction.Commit();
    }

    private static (SqliteParameter Kind, SqliteParameter Account, SqliteParameter Region, SqliteParameter Id) KeyParameters(SqliteCommand command) => (
        command.Parameters.Add("$kind", SqliteType.Text),
        command.Parameters.Add("$account", SqliteType.Text),
        command.Parameters.Add("$region", SqliteType.Text),
        command.Parameters.Add("$id", SqliteType.Text));

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
