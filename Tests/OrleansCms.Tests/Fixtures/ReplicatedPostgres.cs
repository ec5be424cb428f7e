using System.Globalization;

namespace OrleansCms.Tests.Fixtures;

/// <summary>
/// A replicated PostgreSQL of one test's (or benchmark's) own: pg_auto_failover's monitor, a primary and a synchronous
/// standby, started, killed and stopped with the project's scripts/postgres-ha.sh, as <c>./cms up --ha</c> runs it.
/// </summary>
public sealed class ReplicatedPostgres : IAsyncDisposable
{
    private const string Name = "pg-ha";
    private readonly string _home = Path.Combine(Path.GetTempPath(), $"cms-pgha-{Guid.NewGuid():N}");

    private ReplicatedPostgres()
    {
    }

    /// <summary>The superuser's multi-host connection string, which follows the primary.</summary>
    public string ConnectionString { get; private set; } = "";

    public static async Task<ReplicatedPostgres> StartAsync()
    {
        var server = new ReplicatedPostgres();
        Directory.CreateDirectory(server._home);
        server.ConnectionString = (await server.RunAsync($"pgha_start {Name} && pgha_admin_url {Name}")).Trim();
        return server;
    }

    /// <summary>The node (1 or 2) that is primary now, or null while none is (in the middle of a failover).</summary>
    public async Task<int?> PrimaryAsync() =>
        (await RunAsync($"pgha_primary {Name} || true")).Trim() is { Length: > 0 } node ? int.Parse(node, CultureInfo.InvariantCulture) : null;

    /// <summary>SIGKILLs node <paramref name="node"/>: its keeper and every process of its PostgreSQL at once.</summary>
    public Task KillNodeAsync(int node) => RunAsync($"pgha_kill_node {Name} {node}");

    /// <summary>Runs node <paramref name="node"/> again; it rejoins as the standby (<see cref="WaitSynchronousAsync"/>).</summary>
    public Task StartNodeAsync(int node) => RunAsync($"pgha_start_node {Name} {node}");

    /// <summary>Returns once a primary has a synchronous standby (fails after 120 s).</summary>
    public Task WaitSynchronousAsync() => RunAsync($"pgha_wait_sync {Name}");

    public async ValueTask DisposeAsync()
    {
        await RunAsync($"pgha_stop {Name}");
        await PostgresScripts.DeleteAsync(_home, Name);
    }

    private Task<string> RunAsync(string commands) => PostgresScripts.RunAsync(_home, commands);
}
