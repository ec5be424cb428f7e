using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using OrleansCms.Hosting;
using OrleansCms.Schema;
using OrleansCms.Storage;
using OrleansCms.Tests.Fixtures;
using OrleansCms.Tests.Ingest;

namespace OrleansCms.Tests.Foundation;

/// <summary>
/// The silos' least-privilege PostgreSQL role: the schema owner applies the scripts and grants it the use of the
/// tables; as itself it reads and writes rows but can neither drop nor create a table.
/// </summary>
public sealed class DatabaseRoleTests
{
    private static readonly SchemaMigrator Migrator = new(NullLogger<SchemaMigrator>.Instance);

    [Fact]
    public async Task RuntimeRole_AddsAuditRecordsAndTheirOutcome_AndNothingElse()
    {
        await using var database = await BootstrappedAsync();

        await AsSiloAsync(database, "INSERT INTO cms_audit (actor, action, target, origin) VALUES ('operator:a', 'retire', '/x', '127.0.0.1:1')");
        await AsSiloAsync(database, "UPDATE cms_audit SET outcome = '200' WHERE actor = 'operator:a'");

        var error = await Assert.ThrowsAsync<PostgresException>(() => AsSiloAsync(database, "UPDATE cms_audit SET target = '/y'"));
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, error.SqlState);
    }

    [Fact]
    public async Task SchemaOwner_OwnsEveryObjectItCreated_ButIsNoSuperuserAndCreatesNoRoles()
    {
        await using var database = await BootstrappedAsync();

        Assert.Equal((false, false, false), await OwnerPrivilegesAsync(database));
        Assert.Equal(0L, await database.ScalarAsync<long>(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relowner <> current_user::regrole"));
        Assert.True(await database.ScalarAsync<long>("SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tableowner = current_user") >= 10);
        var error = await Assert.ThrowsAsync<PostgresException>(() => database.ScalarAsync<object>("CREATE ROLE cms_intruder LOGIN"));
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, error.SqlState);
    }

    [Fact]
    public async Task RuntimeRole_DropTable_PermissionDeniedAndTableKept()
    {
        await using var database = await BootstrappedAsync();

        var error = await Assert.ThrowsAsync<PostgresException>(() => AsSiloAsync(database, "DROP TABLE cms_chunks"));

        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, error.SqlState);
        Assert.Equal(1L, await database.ScalarAsync<long>("SELECT count(*) FROM pg_tables WHERE tablename = 'cms_chunks'"));
    }

    [Theory]
    [InlineData("CREATE TABLE cms_intruder (a integer)")]
    [InlineData("TRUNCATE orleansstorage")]
    [InlineData("ALTER TABLE orleansmembershiptable ADD COLUMN intruder integer")]
    [InlineData("INSERT INTO cms_schema_history (version, name, checksum) VALUES (999, 'x', 'x')")]
    [InlineData("DELETE FROM cms_audit")]
    [InlineData("UPDATE cms_audit SET actor = 'someone else'")]
    [InlineData("DELETE FROM cms_revoked_certificates")]
    [InlineData("UPDATE cms_revoked_certificates SET reason = 'taken back'")]
    public async Task RuntimeRole_SchemaChange_PermissionDeniedAndNothingChanged(string sql)
    {
        await using var database = await BootstrappedAsync();
        var before = await SchemaFingerprintAsync(database);

        var error = await Assert.ThrowsAsync<PostgresException>(() => AsSiloAsync(database, sql));

        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, error.SqlState);
        Assert.Equal(before, await SchemaFingerprintAsync(database));
    }

    [Fact]
    public async Task Bootstrap_EmptyDatabaseWithOwner_OwnerOwnsEveryTableAndRuntimeRoleWorksRows()
    {
        await using var database = await BootstrappedAsync();

        var owners = await database.ScalarAsync<string[]>("SELECT array_agg(DISTINCT tableowner::text) FROM pg_tables WHERE schemaname = 'public'");
        await AsSiloAsync(database, """
            INSERT INTO cms_chunk_candidates (sha256) VALUES ('\x01');
            UPDATE cms_chunk_candidates SET released_at = now();
            DELETE FROM cms_chunk_candidates;
            SELECT newgrainstateversion FROM cms_write_grain_state(1, 2, 3, 4, 'type', NULL, 'service', NULL, '\x00');
            SELECT count(*) FROM orleansquery;
            SELECT max(version) FROM cms_schema_history;
            """);

        Assert.Equal([new NpgsqlConnectionStringBuilder(database.ConnectionString).Username!], owners);
        Assert.Equal(1L, await database.ScalarAsync<long>("SELECT count(*) FROM orleansstorage"));
    }

    [Fact]
    public async Task Bootstrap_Twice_GrantsAgainWithoutError()
    {
        await using var database = await BootstrappedAsync();

        await BootstrapAsync(database.SiloConnectionString, database.ConnectionString);

        await AsSiloAsync(database, "SELECT count(*) FROM cms_chunks");
    }

    [Fact]
    public async Task Bootstrap_RuntimeRoleMissing_OneClearError()
    {
        await using var database = await TestDatabase.CreateAsync(applySchema: false);
        var missing = new NpgsqlConnectionStringBuilder(database.SiloConnectionString) { Username = "cms_no_such_role" }.ConnectionString;

        var error = await Assert.ThrowsAsync<CmsStartupException>(() => BootstrapAsync(missing, database.ConnectionString));

        Assert.Contains("'cms_no_such_role'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bootstrap_NoSchemaConnection_AppliesAsRuntimeRoleAndWarns()
    {
        await using var database = await TestDatabase.CreateAsync(applySchema: false);
        var logger = new ListLogger<SchemaBootstrapper>();

        await BootstrapAsync(database.ConnectionString, schemaConnectionString: null, logger);

        Assert.Equal((long)SchemaScript.LoadEmbedded().Count, await database.ScalarAsync<long>("SELECT count(*) FROM cms_schema_history"));
        Assert.Contains(logger.Messages, m => m.StartsWith("Cms:Storage:SchemaConnectionString is not set", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Grant_RuntimeRoleIsTheOwner_WarnsAndOwnerKeepsRecordingScripts()
    {
        await using var database = await TestDatabase.CreateAsync();
        var logger = new ListLogger<SchemaMigrator>();

        await new SchemaMigrator(logger).GrantRuntimeRoleAsync(
            database.ConnectionString, SchemaMigrator.RuntimeRoleOf(database.ConnectionString), CancellationToken.None);

        Assert.Contains(logger.Messages, m => m.Contains("is a superuser or the schema owner", StringComparison.Ordinal));
        Assert.Equal(1L, await database.ScalarAsync<long>(
            "SELECT count(*) FROM information_schema.table_privileges WHERE table_name = 'cms_schema_history' AND privilege_type = 'INSERT' AND grantee = current_user"));
    }

    /// <summary>An empty database, bootstrapped as a silo given both connection strings does it.</summary>
    /// <summary>The schema owner's superuser, create-role and create-database attributes.</summary>
    private static async Task<(bool Super, bool CreateRole, bool CreateDb)> OwnerPrivilegesAsync(TestDatabase database)
    {
        await using var connection = await database.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT rolsuper, rolcreaterole, rolcreatedb FROM pg_roles WHERE rolname = current_user", connection);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        return (reader.GetBoolean(0), reader.GetBoolean(1), reader.GetBoolean(2));
    }

    private static async Task<TestDatabase> BootstrappedAsync()
    {
        var database = await TestDatabase.CreateAsync(applySchema: false);
        await BootstrapAsync(database.SiloConnectionString, database.ConnectionString);
        return database;
    }

    private static Task BootstrapAsync(string connectionString, string? schemaConnectionString, ILogger<SchemaBootstrapper>? logger = null)
    {
        var storage = Options.Create(new CmsStorageOptions { ConnectionString = connectionString, SchemaConnectionString = schemaConnectionString });
        SchemaScriptSource[] sources = [CmsPersistenceExtensions.SchemaScripts, CmsGrainsExtensions.SchemaScripts];
        return new SchemaBootstrapper(Migrator, sources, storage, logger ?? NullLogger<SchemaBootstrapper>.Instance).EnsureAsync(CancellationToken.None);
    }

    private static async Task AsSiloAsync(TestDatabase database, string sql)
    {
        await using var connection = new NpgsqlConnection(database.SiloConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    // Tables, columns and the schema history: what a statement of the silos' role must never change.
    private static Task<string> SchemaFingerprintAsync(TestDatabase database) => database.ScalarAsync<string>("""
        SELECT md5(string_agg(line, E'\n' ORDER BY line)) FROM (
            SELECT table_name || '.' || column_name || ':' || data_type AS line
              FROM information_schema.columns WHERE table_schema = 'public'
            UNION ALL
            SELECT 'v ' || version || name || checksum FROM cms_schema_history
            UNION ALL
            SELECT 'rows ' || count(*) FROM orleansstorage
        ) AS lines
        """);
}
