using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using OrleansCms.Schema;

namespace OrleansCms.Tests.Fixtures;

/// <summary>
/// A database of its own on the test PostgreSQL server (CMS_POSTGRES, started by <c>./cms test</c>),
/// so that test runs and fixtures never see each other's data. Dropped on dispose.
/// </summary>
public sealed class TestDatabase : IAsyncDisposable
{
    private readonly string _server;

    private TestDatabase(string server, string name, string connectionString)
    {
        _server = server;
        Name = name;
        ConnectionString = connectionString;
    }

    public string Name { get; }

    public string ConnectionString { get; }

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
        await using (var admin = new NpgsqlConnection(server))
        {
            await admin.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", admin);
            await create.ExecuteNonQueryAsync();
        }

        var connectionString = new NpgsqlConnectionStringBuilder(server) { Database = name }.ConnectionString;
        var database = new TestDatabase(server, name, connectionString);
        if (applySchema)
        {
            await new SchemaMigrator(NullLogger<SchemaMigrator>.Instance)
                .ApplyAsync(connectionString, SchemaScript.LoadEmbedded(), CancellationToken.None);
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
    }
}
