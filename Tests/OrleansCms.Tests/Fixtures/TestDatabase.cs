using System.Security.Cryptography;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using OrleansCms.Fleet;
using OrleansCms.Schema;

namespace OrleansCms.Tests.Fixtures;

/// <summary>
/// A database of its own on the test PostgreSQL server (CMS_POSTGRES, started by <c>./cms test</c>),
/// so that test runs and fixtures never see each other's data, owned by a login role of its own that is no
/// superuser (<see cref="OwnerRole"/>: the silos' schema owner, as in production) and with a login role of its own
/// for the silos (<see cref="SiloRole"/>), so that parallel tests never share one. All three dropped on dispose.
/// </summary>
public sealed class TestDatabase : IAsyncDisposable
{
    private readonly string _server;

    private TestDatabase(string server, string name, string ownerPassword, string siloPassword)
    {
        _server = server;
        Name = name;
        ConnectionString = new NpgsqlConnectionStringBuilder(server) { Database = name, Username = OwnerRole, Password = ownerPassword }.ConnectionString;
        SiloConnectionString = new NpgsqlConnectionStringBuilder(ConnectionString) { Username = SiloRole, Password = siloPassword }.ConnectionString;
    }

    public string Name { get; }

    /// <summary>The role that owns this database (no superuser, creates no roles): the silos' schema owner.</summary>
    public string OwnerRole => $"{Name}_owner";

    /// <summary>The owner's connection string: what the silos apply the schema with, and what tests verify with.</summary>
    public string ConnectionString { get; }

    /// <summary>The silos' least-privilege role: no privileges until a silo's schema owner grants them.</summary>
    public string SiloRole => $"{Name}_silo";

    /// <summary>The silos' runtime connection string (as <see cref="SiloRole"/>).</summary>
    public string SiloConnectionString { get; }

    /// <summary>What a silo process's environment needs: the runtime role, and the owner that applies the schema.</summary>
    public Dictionary<string, string?> SiloEnvironment => PostgresEnvironment.ForSilos(SiloConnectionString, ConnectionString);

    /// <summary>The server's administrative connection string (from CMS_POSTGRES).</summary>
    public static string ServerConnectionString =>
        Environment.GetEnvironmentVariable("CMS_POSTGRES") is { Length: > 0 } cs
            ? cs
            : throw new InvalidOperationException("CMS_POSTGRES is not set: run the tests with ./cms test, which starts their PostgreSQL.");

    /// <summary>
    /// Creates an empty database on the test server (or on <paramref name="server"/>); with
    /// <paramref name="applySchema"/> the CMS schema is applied to it.
    /// </summary>
    public static async Task<TestDatabase> CreateAsync(bool applySchema = true, string? server = null)
    {
        server ??= ServerConnectionString;
        var name = $"cms_test_{DateTime.UtcNow:yyyyMMdd_HHmmss}_{Guid.NewGuid():N}"[..48];
        var (ownerPassword, password) = (Convert.ToHexString(RandomNumberGenerator.GetBytes(16)), Convert.ToHexString(RandomNumberGenerator.GetBytes(16)));
        var database = new TestDatabase(server, name, ownerPassword, password);
        await using (var admin = new NpgsqlConnection(server))
        {
            await admin.OpenAsync();
            await using var create = new NpgsqlCommand(
                $"""
                CREATE ROLE "{database.OwnerRole}" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD '{ownerPassword}';
                CREATE ROLE "{database.SiloRole}" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD '{password}';
                """, admin);
            await create.ExecuteNonQueryAsync();
            // CREATE DATABASE cannot share a command with other statements (it runs outside a transaction).
            await using var createDatabase = new NpgsqlCommand($"CREATE DATABASE \"{name}\" OWNER \"{database.OwnerRole}\"", admin);
            await createDatabase.ExecuteNonQueryAsync();
        }

        if (applySchema)
        {
            await new SchemaMigrator(NullLogger<SchemaMigrator>.Instance)
                .ApplyAsync(database.ConnectionString, SchemaScript.LoadEmbedded(), CancellationToken.None);
        }

        return database;
    }

    /// <summary>Opens a connection to this database.</summary>
    public async Task<NpgsqlConnection> OpenAsync()
    {
        var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    /// <summary>Runs a scalar query against this database.</summary>
    public async Task<T> ScalarAsync<T>(string sql, params object[] parameters)
    {
        await using var connection = await OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }

        return (T)(await command.ExecuteScalarAsync())!;
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await using var admin = new NpgsqlConnection(_server);
        await admin.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{Name}\" WITH (FORCE)", admin);
        await drop.ExecuteNonQueryAsync();
        // Only now: the roles' objects and privileges lived in the database.
        await using var dropRoles = new NpgsqlCommand($"DROP ROLE IF EXISTS \"{SiloRole}\"; DROP ROLE IF EXISTS \"{OwnerRole}\"", admin);
        await dropRoles.ExecuteNonQueryAsync();
    }
}
