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
    private readonly FleetDatabase _database;

    private TestDatabase(FleetDatabase database) => _database = database;

    public string Name => _database.Name;

    /// <summary>The role that owns this database (no superuser, creates no roles): the silos' schema owner.</summary>
    public string OwnerRole => _database.OwnerRole;

    /// <summary>The owner's connection string: what the silos apply the schema with, and what tests verify with.</summary>
    public string ConnectionString => _database.ConnectionString;

    /// <summary>The silos' least-privilege role: no privileges until a silo's schema owner grants them.</summary>
    public string SiloRole => _database.SiloRole;

    /// <summary>The silos' runtime connection string (as <see cref="SiloRole"/>).</summary>
    public string SiloConnectionString => _database.SiloConnectionString;

    /// <summary>What a silo process's environment needs: the runtime role, and the owner that applies the schema.</summary>
    public Dictionary<string, string?> SiloEnvironment => _database.SiloEnvironment;

    /// <summary>The server's administrative connection string (from CMS_POSTGRES).</summary>
    public static string ServerConnectionString =>
        Environment.GetEnvironmentVariable("CMS_POSTGRES") is { Length: > 0 } cs
            ? cs
            : throw new InvalidOperationException("CMS_POSTGRES is not set: run the tests with ./cms test, which starts their PostgreSQL.");

    /// <summary>
    /// Creates an empty database on the test server (or on <paramref name="server"/>), with a name no other test
    /// uses; with <paramref name="applySchema"/> the CMS schema is applied to it.
    /// </summary>
    public static async Task<TestDatabase> CreateAsync(bool applySchema = true, string? server = null)
    {
        var name = $"cms_test_{DateTime.UtcNow:yyyyMMdd_HHmmss}_{Guid.NewGuid():N}"[..48];
        var database = new TestDatabase(await FleetDatabase.CreateNamedAsync(server ?? ServerConnectionString, name));
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
        await _database.DisposeAsync();
    }
}
