using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using OrleansCms.Checkpoints;
using OrleansCms.Fleet;

namespace OrleansCms.Tests.Fixtures;

/// <summary>One real silo process on a database of its own, with its HTTP API and an Orleans client on its gateway.</summary>
public sealed class SiloProcessCluster : IAsyncDisposable
{
    private readonly TestDatabase _database;
    private readonly FleetMember _silo;
    private readonly IHost _client;

    private SiloProcessCluster(TestDatabase database, FleetMember silo, IHost client, HttpClient http, string gateway, string clusterId)
    {
        _database = database;
        _silo = silo;
        _client = client;
        Http = http;
        Gateway = gateway;
        ClusterId = clusterId;
    }

    /// <summary>The silo's gateway as an agent's <c>--cms</c> takes it.</summary>
    public string Gateway { get; }

    /// <summary>The cluster id the silo runs with (an agent's <c>--cluster-id</c>).</summary>
    public string ClusterId { get; }

    public HttpClient Http { get; }

    public IGrainFactory Grains => Client;

    public TestDatabase Database => _database;

    /// <summary>Whether the silo process still runs (a crash ends it).</summary>
    public bool SiloRunning => !_silo.Process!.HasExited;

    /// <summary>The last lines the silo process wrote, for failure messages.</summary>
    public IReadOnlyList<string> SiloOutput(int lines = 100) => [.. _silo.Process!.StandardOutput.Concat(_silo.Process.StandardError).TakeLast(lines)];

    public IClusterClient Client => _client.Services.GetRequiredService<IClusterClient>();

    /// <summary>Offers <paramref name="checkpoint"/> to the program <paramref name="key"/> as its agent would, and requires it acknowledged.</summary>
    public async Task StoreCheckpointAsync(CheckpointKey key, TestCheckpoint checkpoint)
    {
        var source = new RecordingChunkSource(checkpoint.Chunks);
        var reference = Client.CreateObjectReference<IChunkSource>(source);
        try
        {
            var result = await Grains.GetGrain<ICheckpointGrain>(key.ToString()).OfferAsync(checkpoint.Manifest, reference);
            Assert.Equal(OfferStatus.Acknowledged, result.Status);
        }
        finally
        {
            // The client holds observers weakly: the source must outlive the offer.
            Client.DeleteObjectReference<IChunkSource>(reference);
            GC.KeepAlive(source);
        }
    }

    public static async Task<SiloProcessCluster> StartAsync()
    {
        var database = await TestDatabase.CreateAsync();
        var clusterId = $"proc-{Guid.NewGuid():N}"[..20];
        var silo = new FleetMember(MemberSpec.Silo("silo", SiloPorts.Free(), $"--Cms:ClusterId={clusterId}"), ProductPaths.Checkout,
            new LaunchOptions { Environment = database.SiloEnvironment });
        var (gatewayPort, httpPort) = (silo.Spec.Ports!.Gateway, silo.Spec.Ports.Http);
        var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}") };
        silo.Start();
        if (await SiloHealth.WaitAsync(silo, http, TimeSpan.FromSeconds(60), notYet: Transient.HttpUnreachable) is var health and not HealthWait.Healthy)
        {
            throw new TimeoutException($"the silo process is not healthy ({health}); its output:{Environment.NewLine}"
                + string.Join(Environment.NewLine, silo.Process!.StandardOutput.Concat(silo.Process.StandardError).TakeLast(60)));
        }

        var client = Host.CreateDefaultBuilder()
            .UseContentRoot(AppContext.BaseDirectory)
            // The tests kill silos on purpose: the client's warnings about the dropped connections are expected, only noise.
            .ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Error))
            .UseOrleansClient(c => c
                .UseStaticClustering(new IPEndPoint(IPAddress.Loopback, gatewayPort))
                .Configure<ClusterOptions>(o => { o.ClusterId = clusterId; o.ServiceId = "orleans-cms"; }))
            .Build();
        await client.StartAsync();
        return new SiloProcessCluster(database, silo, client, http, $"127.0.0.1:{gatewayPort}", clusterId);
    }

    public async ValueTask DisposeAsync()
    {
        await _client.StopAsync();
        _client.Dispose();
        Http.Dispose();
        await _silo.DisposeAsync();
        await _database.DisposeAsync();
    }
}

/// <summary>Shares one <see cref="SiloProcessCluster"/> among the tests of a class or of the <see cref="SiloProcessCollection"/>.</summary>
public sealed class SiloProcessFixture : IAsyncLifetime
{
    public SiloProcessCluster Cluster { get; private set; } = null!;

    public async Task InitializeAsync() => Cluster = await SiloProcessCluster.StartAsync();

    public async Task DisposeAsync() => await Cluster.DisposeAsync();
}

/// <summary>The test classes that share one silo process (the HTTP API's), so that it starts once.</summary>
[CollectionDefinition(Name)]
public sealed class SiloProcessCollection : ICollectionFixture<SiloProcessFixture>
{
    public const string Name = "silo process";
}
