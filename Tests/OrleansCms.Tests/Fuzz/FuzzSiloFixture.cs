using System.Net;
using OrleansCms.Ecus;
using OrleansCms.Tests.Fixtures;

namespace OrleansCms.Tests.Fuzz;

/// <summary>
/// One real silo process (HTTP API, gateway, PostgreSQL database of its own) that every fuzz test hammers, so that
/// a crash is a process that exited, not a test host that died with it.
/// </summary>
public sealed class FuzzSiloFixture : IAsyncLifetime
{
    public SiloProcessCluster Silo { get; private set; } = null!;

    public IGrainFactory Grains => Silo.Grains;

    public HttpClient Http => Silo.Http;

    public TestDatabase Database => Silo.Database;

    public async Task InitializeAsync() => Silo = await SiloProcessCluster.StartAsync();

    public async Task DisposeAsync() => await Silo.DisposeAsync();

    /// <summary>The silo survived: its process runs, it reports healthy and a grain call on it answers.</summary>
    public async Task AssertSiloServesAsync()
    {
        Assert.True(Silo.SiloRunning, $"the silo process exited; its last output:{Environment.NewLine}{string.Join(Environment.NewLine, Silo.SiloOutput())}");
        var health = await Http.GetAsync("/health");
        Assert.True(health.StatusCode == HttpStatusCode.OK, $"/health answered {(int)health.StatusCode}: {await health.Content.ReadAsStringAsync()}");
        var probe = await Grains.GetGrain<IEcuGrain>(ClusterFixture.NewMac()).GetAsync();
        Assert.Equal(EcuStatus.Unknown, probe.Status);
    }

    /// <summary>Rows of Orleans grain state whose grain key is <paramref name="key"/> (string-keyed grains keep it there).</summary>
    public Task<long> StoredStateRowsAsync(string key) =>
        Database.ScalarAsync<long>("SELECT count(*) FROM orleansstorage WHERE grainidextensionstring = $1", key);

    /// <summary>The chunk references (version, SHA-256) the store holds for one checkpoint key, sorted.</summary>
    public async Task<IReadOnlyList<string>> ChunkRefsAsync(string checkpointKey)
    {
        await using var connection = await Database.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand(
            "SELECT version, encode(sha256, 'hex') FROM cms_chunk_refs WHERE checkpoint = $1 ORDER BY 1, 2", connection);
        command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = checkpointKey });
        await using var reader = await command.ExecuteReaderAsync();
        var refs = new List<string>();
        while (await reader.ReadAsync())
        {
            refs.Add($"v{reader.GetInt64(0)}:{reader.GetString(1)}");
        }

        return refs;
    }
}

/// <summary>The fuzz tests share one silo process and run one after another on it.</summary>
[CollectionDefinition(Name)]
public sealed class FuzzCollection : ICollectionFixture<FuzzSiloFixture>
{
    public const string Name = "fuzz silo";
}
