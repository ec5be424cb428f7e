using System.Globalization;
using Npgsql;

namespace OrleansCms.Fleet;

/// <summary>
/// A database of its own for one run on a PostgreSQL server (a benchmark, the demo): created empty, so that the silos
/// apply the schema to it, and dropped when disposed unless <see cref="Keep"/> is set.
/// </summary>
public sealed class FleetDatabase : IAsyncDisposable
{
    private readonly string _serverConnectionString;

    private FleetDatabase(string serverConnectionString, string name)
    {
        _serverConnectionString = serverConnectionString;
        Name = name;
        ConnectionString = new NpgsqlConnectionStringBuilder(serverConnectionString) { Database = name }.ConnectionString;
    }

    /// <summary>The database's name, also a fitting cluster id for the silos on it.</summary>
    public string Name { get; }

    public string ConnectionString { get; }

    /// <summary>Leave the database on the server when disposed, for a look afterwards.</summary>
    public bool Keep { get; set; }

    /// <summary>Creates <c>PREFIX_yyyyMMddHHmmss</c> on the server of <paramref name="serverConnectionString"/>.</summary>
    public static async Task<FleetDatabase> CreateAsync(string serverConnectionString, string prefix)
    {
        var database = new FleetDatabase(serverConnectionString, $"{prefix}_{DateTime.UtcNow.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture)}");
        await database.ExecuteAsync($"CREATE DATABASE {database.Name}");
        return database;
    }

    public async ValueTask DisposeAsync()
    {
        if (!Keep)
        {
            await ExecuteAsync($"DROP DATABASE IF EXISTS {Name} WITH (FORCE)");
        }
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var admin = new NpgsqlConnection(_serverConnectionString);
        await admin.OpenAsync();
        await using var command = new NpgsqlCommand(sql, admin);
        await command.ExecuteNonQueryAsync();
    }
}
