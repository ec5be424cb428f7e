using Npgsql;

namespace OrleansCms.Schema;

public sealed partial class SchemaMigrator
{
    /// <summary>
    /// As the schema owner, grants the silos' runtime role exactly what the CMS does with the schema: use it, read
    /// and write rows, draw from sequences, call its functions (the Orleans queries call <c>cms_write_grain_state</c>);
    /// no DDL, only reads of <c>cms_schema_history</c> and <c>cms_cluster_secret</c>, of <c>cms_audit</c> only
    /// adding rows and setting their outcome, and of <c>cms_revoked_certificates</c> only adding rows. Runs after every apply, so tables of later scripts are
    /// covered; GRANT is idempotent. Under the migration lock, since concurrent GRANTs on one object can fail
    /// ("tuple concurrently updated").
    /// </summary>
    public async Task GrantRuntimeRoleAsync(string ownerConnectionString, string runtimeRole, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(ownerConnectionString, cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        await ExecuteAsync(connection, tx, $"SELECT pg_advisory_xact_lock({MigrationLockKey})", cancellationToken);

        bool? superuser;
        string owner;
        await using (var probe = new NpgsqlCommand(
            "SELECT (SELECT rolsuper FROM pg_roles WHERE rolname = $1), current_user::text", connection, tx))
        {
            probe.Parameters.Add(new() { Value = runtimeRole });
            await using var reader = await probe.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            superuser = reader.IsDBNull(0) ? null : reader.GetBoolean(0);
            owner = reader.GetString(1);
        }

        if (superuser is null)
        {
            throw new CmsStartupException(
                $"The silos' PostgreSQL role '{runtimeRole}' (the user of Cms:Storage:ConnectionString) does not exist; create it as docs/operations.md#database-schema shows.");
        }

        if (superuser.Value || runtimeRole == owner)
        {
            logger.RuntimeRolePrivileged(runtimeRole);
        }

        if (runtimeRole == owner)
        {
            // Nothing to grant, and the REVOKE below would take the owner's own right to record scripts.
            return;
        }

        // The scripts create their objects in the owner's current schema (public unless the owner's search_path says otherwise).
        var (role, schema) = (QuoteIdentifier(runtimeRole), QuoteIdentifier(await CurrentSchemaAsync(connection, tx, cancellationToken)));
        await ExecuteAsync(connection, tx, $"""
            GRANT USAGE ON SCHEMA {schema} TO {role};
            GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {role};
            GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {role};
            GRANT EXECUTE ON ALL ROUTINES IN SCHEMA {schema} TO {role};
            REVOKE INSERT, UPDATE, DELETE ON cms_schema_history FROM {role};
            REVOKE INSERT, UPDATE, DELETE ON cms_cluster_secret FROM {role};
            REVOKE UPDATE, DELETE, TRUNCATE ON cms_audit FROM {role};
            GRANT UPDATE (outcome) ON cms_audit TO {role};
            REVOKE UPDATE, DELETE, TRUNCATE ON cms_revoked_certificates FROM {role};
            """, cancellationToken);
        await tx.CommitAsync(cancellationToken);
        logger.RuntimeRoleGranted(runtimeRole);
    }

    /// <summary>The role a connection string logs in as: its <c>Username</c>, which the grants need by name.</summary>
    public static string RuntimeRoleOf(string connectionString)
    {
        string? user;
        try
        {
            user = new NpgsqlConnectionStringBuilder(connectionString).Username;
        }
        catch (ArgumentException e)
        {
            throw new CmsStartupException($"The PostgreSQL connection string is malformed: {e.Message}", e);
        }

        return user is { Length: > 0 }
            ? user
            : throw new CmsStartupException("Cms:Storage:ConnectionString names no Username; the schema owner must know which role to grant.");
    }

    private static async Task<string> CurrentSchemaAsync(NpgsqlConnection connection, NpgsqlTransaction tx, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT current_schema()", connection, tx);
        return (string)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private static string QuoteIdentifier(string name) => $"\"{name.Replace("\"", "\"\"", StringComparison.Ordinal)}\"";
}
