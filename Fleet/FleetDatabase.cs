using System.Globalization;
using System.Security.Cryptography;
using Npgsql;

namespace OrleansCms.Fleet;

/// <summary>
/// A database of its own for one run on a PostgreSQL server (a benchmark, the demo): created empty, so that the silos
/// apply the schema to it, with a login role of its own for the silos (<c>NAME_silo</c>, no privileges until the
/// silos' schema owner grants them), both dropped when disposed unless <see cref="Keep"/> is set.
/// </summary>
public sealed class FleetDatabase : IAsyncDisposable
{
    private readonly string _serverConnectionString;

    private FleetDatabase(string serverConnectionString, string name, string siloPassword)
    {
        _serverConnectionString = serverConnectionString;
        Name = name;
        ConnectionString = new NpgsqlConnectionStringBuilder(serverConnectionString) { Database = name }.ConnectionString;
        SiloConnectionString = new NpgsqlConnectionStringBuilder(ConnectionString) { Username = SiloRole, Password = siloPassword }.ConnectionString;
    }

    /// <summary>The database's name, also a fitting cluster id for the silos on it.</summary>
    public string Name { get; }

    /// <summary>The server's administrative role on this database: the schema owner, and for looking at the data.</summary>
    public string ConnectionString { get; }

    /// <summary>The silos' least-privilege role.</summary>
    public string SiloRole => $"{Name}_silo";

    /// <summary>The silos' runtime connection string (as <see cref="SiloRole"/>).</summary>
    public string SiloConnectionString { get; }

    /// <summary>What a silo process's environment needs: the runtime role, and the owner that applies the schema.</summary>
    public Dictionary<string, string?> SiloEnvironment => PostgresEnvironment.ForSilos(SiloConnectionString, ConnectionString);

    /// <summary>Leave the database on the server when disposed, for a look afterwards.</summary>
    public bool Keep { get; set; }

    /// <summary>Creates <c>PREFIX_yyyyMMddHHmmss</c> and its silo role on the server of <paramref name="serverConnectionString"/>.</summary>
    public static async Task<FleetDatabase> CreateAsync(string serverConnectionString, string prefix)
    {
        var password = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        var database = new FleetDatabase(serverConnectionString, $"{prefix}_{DateTime.UtcNow.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture)}", password);
        await database.ExecuteAsync($"CREATE DATABASE {database.Name}");
        await database.ExecuteAsync($"CREATE ROLE {database.SiloRole} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD '{password}'");
        return database;
    }

    public async ValueTask DisposeAsync()
    {
        if (!Keep)
        {
            await ExecuteAsync($"DROP DATABASE IF EXISTS {Name} WITH (FORCE)");
            await ExecuteAsync($"DROP ROLE IF EXISTS {SiloRole}");
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
