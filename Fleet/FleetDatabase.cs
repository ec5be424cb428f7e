using System.Globalization;
using System.Security.Cryptography;
using Npgsql;

namespace OrleansCms.Fleet;

/// <summary>
/// A database of its own for one run on a PostgreSQL server (a benchmark, the demo, a test): created empty, so that the silos
/// apply the schema to it, owned by a login role of its own that is no superuser (<c>NAME_owner</c>, the silos'
/// schema owner), with a login role of its own for the silos (<c>NAME_silo</c>, no privileges until the schema owner
/// grants them), all three dropped when disposed unless <see cref="Keep"/> is set.
/// </summary>
public sealed class FleetDatabase : IAsyncDisposable
{
    private readonly string _serverConnectionString;

    private FleetDatabase(string serverConnectionString, string name, string ownerPassword, string siloPassword)
    {
        // Unpooled: the few statements of a run's start and end must not meet a pooled connection to a server that has
        // since died (a replicated server's old primary, after a failover).
        _serverConnectionString = new NpgsqlConnectionStringBuilder(serverConnectionString) { Pooling = false }.ConnectionString;
        Name = name;
        ConnectionString = new NpgsqlConnectionStringBuilder(serverConnectionString) { Database = name, Username = OwnerRole, Password = ownerPassword }.ConnectionString;
        SiloConnectionString = new NpgsqlConnectionStringBuilder(ConnectionString) { Username = SiloRole, Password = siloPassword }.ConnectionString;
    }

    /// <summary>The database's name, also a fitting cluster id for the silos on it.</summary>
    public string Name { get; }

    /// <summary>The role that owns the database: the silos' schema owner.</summary>
    public string OwnerRole => $"{Name}_owner";

    /// <summary>The owner's connection string: the silos apply the schema with it; also for looking at the data.</summary>
    public string ConnectionString { get; }

    /// <summary>The silos' least-privilege role.</summary>
    public string SiloRole => $"{Name}_silo";

    /// <summary>The silos' runtime connection string (as <see cref="SiloRole"/>).</summary>
    public string SiloConnectionString { get; }

    /// <summary>What a silo process's environment needs: the runtime role, and the owner that applies the schema.</summary>
    public Dictionary<string, string?> SiloEnvironment => PostgresEnvironment.ForSilos(SiloConnectionString, ConnectionString);

    /// <summary>Leave the database on the server when disposed, for a look afterwards.</summary>
    public bool Keep { get; set; }

    /// <summary>Creates <c>PREFIX_yyyyMMddHHmmss</c> and its roles on the server of <paramref name="serverConnectionString"/>.</summary>
    public static Task<FleetDatabase> CreateAsync(string serverConnectionString, string prefix) =>
        CreateNamedAsync(serverConnectionString, $"{prefix}_{DateTime.UtcNow.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture)}");

    /// <summary>
    /// Creates database <paramref name="name"/> (lower case, digits and underscores; at most 57 characters, so that
    /// its roles' names fit PostgreSQL's 63) and its roles, as the server's administrative role.
    /// </summary>
    public static async Task<FleetDatabase> CreateNamedAsync(string serverConnectionString, string name)
    {
        var (ownerPassword, password) = (Convert.ToHexString(RandomNumberGenerator.GetBytes(16)), Convert.ToHexString(RandomNumberGenerator.GetBytes(16)));
        var database = new FleetDatabase(serverConnectionString, name, ownerPassword, password);
        await database.ExecuteAsync($"CREATE ROLE {database.OwnerRole} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD '{ownerPassword}'");
        await database.ExecuteAsync($"CREATE ROLE {database.SiloRole} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD '{password}'");
        await database.ExecuteAsync($"CREATE DATABASE {database.Name} OWNER {database.OwnerRole}");
        return database;
    }

    public async ValueTask DisposeAsync()
    {
        if (!Keep)
        {
            await ExecuteAsync($"DROP DATABASE IF EXISTS {Name} WITH (FORCE)");
            await ExecuteAsync($"DROP ROLE IF EXISTS {SiloRole}");
            await ExecuteAsync($"DROP ROLE IF EXISTS {OwnerRole}");
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
