using Npgsql;

namespace OrleansCms.Schema;

/// <summary>
/// Applies the numbered schema scripts that a database has not seen yet, each once, in its own
/// transaction. Silos starting together serialize on an advisory lock, so a script never runs twice.
/// </summary>
public sealed partial class SchemaMigrator(ILogger<SchemaMigrator> logger)
{
    // Any constant works; it only has to be the same for every silo of every version.
    private const long MigrationLockKey = 0x0C4E_5C4E_3A00_0001;

    private const string CreateHistoryTable = """
        CREATE TABLE IF NOT EXISTS cms_schema_history (
            version     integer     PRIMARY KEY,
            name        text        NOT NULL,
            checksum    text        NOT NULL,
            applied_at  timestamptz NOT NULL DEFAULT now()
        );
        """;

    /// <summary>Applies the missing scripts and returns how many were applied.</summary>
    public async Task<int> ApplyAsync(string connectionString, IReadOnlyList<SchemaScript> scripts, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(connectionString, cancellationToken);
        await using (var lockTx = await connection.BeginTransactionAsync(cancellationToken))
        {
            await ExecuteAsync(connection, lockTx, $"SELECT pg_advisory_xact_lock({MigrationLockKey})", cancellationToken);
            await ExecuteAsync(connection, lockTx, CreateHistoryTable, cancellationToken);
            await lockTx.CommitAsync(cancellationToken);
        }

        var applied = 0;
        foreach (var script in scripts)
        {
            await using var tx = await connection.BeginTransactionAsync(cancellationToken);
            await ExecuteAsync(connection, tx, $"SELECT pg_advisory_xact_lock({MigrationLockKey})", cancellationToken);
            var existing = await ReadChecksumAsync(connection, tx, script.Version, cancellationToken);
            if (existing is not null)
            {
                if (existing != script.Checksum)
                {
                    throw new CmsStartupException(
                        $"Schema script {script.Name} was changed after it was applied to this database; add a new numbered script instead.");
                }

                continue;
            }

            await ExecuteAsync(connection, tx, script.Sql, cancellationToken);
            await using (var record = new NpgsqlCommand(
                "INSERT INTO cms_schema_history (version, name, checksum) VALUES ($1, $2, $3)", connection, tx))
            {
                record.Parameters.Add(new() { Value = script.Version });
                record.Parameters.Add(new() { Value = script.Name });
                record.Parameters.Add(new() { Value = script.Checksum });
                await record.ExecuteNonQueryAsync(cancellationToken);
            }

            await tx.CommitAsync(cancellationToken);
            logger.SchemaScriptApplied(script.Name);
            applied++;
        }

        logger.SchemaUpToDate(scripts.Count == 0 ? 0 : scripts[^1].Version, applied);
        return applied;
    }

    /// <summary>Fails with a clear message unless every script is already applied (for DBA-managed databases).</summary>
    public async Task VerifyAsync(string connectionString, IReadOnlyList<SchemaScript> scripts, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(connectionString, cancellationToken);
        await using var command = new NpgsqlCommand("SELECT coalesce(max(version), 0) FROM cms_schema_history", connection);
        int current;
        try
        {
            current = (int)(await command.ExecuteScalarAsync(cancellationToken))!;
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            current = 0;
        }

        var wanted = scripts.Count == 0 ? 0 : scripts[^1].Version;
        if (current < wanted)
        {
            var missing = string.Join(", ", scripts.Where(s => s.Version > current).Select(s => s.Name));
            throw new CmsStartupException(
                $"The database schema is at version {current} but this CMS needs {wanted}; apply {missing} (Silo/Schema/Sql, Grains/Storage) or set Cms:Storage:ApplySchemaOnStart=true.");
        }
    }

    /// <summary>Opens a connection once, turning any failure into one readable line.</summary>
    public static async Task<NpgsqlConnection> OpenAsync(string connectionString, CancellationToken cancellationToken)
    {
        NpgsqlConnectionStringBuilder parsed;
        try
        {
            parsed = new NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (ArgumentException e)
        {
            throw new CmsStartupException($"The PostgreSQL connection string is malformed: {e.Message}", e);
        }

        var connection = new NpgsqlConnection(connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            return connection;
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException)
        {
            await connection.DisposeAsync();
            var reason = e is PostgresException pg ? pg.MessageText : e.InnerException?.Message ?? e.Message;
            throw new CmsStartupException(
                $"Cannot connect to PostgreSQL at {parsed.Host}:{parsed.Port} (database '{parsed.Database}', user '{parsed.Username}'): {reason}", e);
        }
    }

    private static async Task<string?> ReadChecksumAsync(NpgsqlConnection connection, NpgsqlTransaction tx, int version, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT checksum FROM cms_schema_history WHERE version = $1", connection, tx);
        command.Parameters.Add(new() { Value = version });
        return (string?)await command.ExecuteScalarAsync(cancellationToken);
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction tx, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection, tx);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
