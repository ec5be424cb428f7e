namespace OrleansCms.Tests.Fixtures;

/// <summary>
/// A PostgreSQL server of one test's own, started and stopped with the project's scripts/postgres.sh, for
/// tests that take the database away (the shared test server must stay up for everyone else).
/// </summary>
public sealed class PrivatePostgres : IAsyncDisposable
{
    private const string Name = "pg";
    private readonly string _home = Path.Combine(Path.GetTempPath(), $"cms-pg-{Guid.NewGuid():N}");

    private PrivatePostgres()
    {
    }

    /// <summary>The server's superuser connection string, which creates the tests' databases and roles (its port stays the same across <see cref="StopAsync"/> and <see cref="StartAgainAsync"/>).</summary>
    public string ConnectionString { get; private set; } = "";

    public static async Task<PrivatePostgres> StartAsync()
    {
        var server = new PrivatePostgres();
        Directory.CreateDirectory(server._home);
        server.ConnectionString = (await server.RunAsync($"pg_start {Name} && pg_admin_url {Name}")).Trim();
        return server;
    }

    /// <summary>Fast shutdown: clients are disconnected and new connections refused until <see cref="StartAgainAsync"/>.</summary>
    public Task StopAsync() => RunAsync($"pg_stop {Name}");

    public async Task StartAgainAsync()
    {
        var again = (await RunAsync($"pg_start {Name} && pg_admin_url {Name}")).Trim();
        Assert.True(again == ConnectionString, $"PostgreSQL came back elsewhere: {again}");
    }

    /// <summary>
    /// Restarts the server listening on <paramref name="address"/> too, open to password logins from <paramref name="subnet"/>,
    /// and returns its superuser connection string through that address.
    /// </summary>
    public async Task<string> ListenAlsoAsync(string address, string subnet)
    {
        await RunAsync($"pg_listen_also {Name} {address} {subnet}");
        return new Npgsql.NpgsqlConnectionStringBuilder(ConnectionString) { Host = address }.ConnectionString;
    }

    public async ValueTask DisposeAsync()
    {
        await RunAsync($"pg_stop {Name}");
        await PostgresScripts.DeleteAsync(_home, Name);
    }

    private Task<string> RunAsync(string commands) => PostgresScripts.RunAsync(_home, commands);
}
